package io.multidb.infra;

import java.util.List;
import java.util.Map;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.efs.Acl;
import software.amazon.awscdk.services.efs.FileSystem;
import software.amazon.awscdk.services.efs.PerformanceMode;
import software.amazon.awscdk.services.efs.PosixUser;
import software.amazon.awscdk.services.efs.ThroughputMode;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.constructs.Construct;

/**
 * Where customer data lives: the SQLite files on EFS and the catalog in DynamoDB. Both are retained when the stack
 * is deleted, and both have backups on.
 */
final class Storage {

    /** The POSIX identity the functions use on EFS (the access point imposes it whatever the process runs as). */
    static final String POSIX_ID = "1000";
    static final String ROOT_DIRECTORY = "/multidb";
    /** Owner rwx, group rx, others nothing: no other identity that mounts the file system reads the databases. */
    static final String ROOT_PERMISSIONS = "750";
    static final int NFS_PORT = 2049;

    final Table table;
    final FileSystem fileSystem;
    final AccessPoint accessPoint;
    final SecurityGroup fileSystemSecurityGroup;

    Storage(Construct scope, Network network) {
        // The foundation issue's single-table design: pk/sk strings, no secondary indexes yet.
        table = Table.Builder.create(scope, "Table")
                .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST) // control-plane traffic is small and bursty
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.AWS_MANAGED)
                // Abandoned interactive-transaction streams (docs/streams.md) carry an expiry in "ttl"; expiry
                // itself is checked by the code, TTL only removes the items.
                .timeToLiveAttribute("ttl")
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        fileSystemSecurityGroup = SecurityGroup.Builder.create(scope, "FileSystemSecurityGroup")
                .vpc(network.vpc)
                .description("multidb EFS mount targets: NFS from the functions only")
                .allowAllOutbound(false)
                .build();
        fileSystemSecurityGroup.addIngressRule(network.functions, Port.tcp(NFS_PORT), "NFS from the multidb functions");

        fileSystem = FileSystem.Builder.create(scope, "FileSystem")
                .vpc(network.vpc)
                .vpcSubnets(network.isolated)
                .securityGroup(fileSystemSecurityGroup)
                .encrypted(true)
                .enableAutomaticBackups(true) // AWS Backup's daily default plan, 35-day retention
                .performanceMode(PerformanceMode.GENERAL_PURPOSE) // lowest latency per operation; SQLite does many small ones
                .throughputMode(ThroughputMode.ELASTIC) // pay for what bursts use, no credits to run out of
                // CDK would otherwise add a statement granting write and root access to any principal that comes
                // through a mount target. With the policy below present and granting nothing, EFS denies
                // anonymous clients, and only IAM principals whose own policies allow it (the functions' roles,
                // limited to the access point) can mount.
                .allowAnonymousAccess(true)
                .fileSystemPolicy(PolicyDocument.Builder.create()
                        .statements(List.of(PolicyStatement.Builder.create()
                                .sid("DenyWithoutTls")
                                .effect(Effect.DENY)
                                .principals(List.of(new AnyPrincipal()))
                                .actions(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
                                        "elasticfilesystem:ClientRootAccess"))
                                .conditions(Map.of("Bool", Map.of("aws:SecureTransport", "false")))
                                .build()))
                        .build())
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        accessPoint = AccessPoint.Builder.create(scope, "AccessPoint")
                .fileSystem(fileSystem)
                .path(ROOT_DIRECTORY)
                .createAcl(Acl.builder().ownerUid(POSIX_ID).ownerGid(POSIX_ID).permissions(ROOT_PERMISSIONS).build())
                .posixUser(PosixUser.builder().uid(POSIX_ID).gid(POSIX_ID).build())
                .build();
    }
}
