package io.multidb.infra;

import java.util.List;

import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IInterfaceVpcEndpointService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpoint;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The VPC the functions run in. Lambda needs a VPC only to reach EFS; everything else the functions call goes
 * through VPC endpoints, so the subnets are private and isolated: no internet gateway, no NAT gateway (a NAT costs
 * ~$32/month per AZ plus data, and would open a path to the internet that nothing here needs).
 *
 * <p>Endpoints, and why each exists:
 * <ul>
 *   <li>DynamoDB (gateway endpoint, free): the catalog and job records.</li>
 *   <li>Step Functions (interface endpoint): the API function starts, describes and stops migration executions.
 *       The state machine's own calls to Lambda do not leave the AWS service side, so the task function needs no
 *       endpoint.</li>
 *   <li>Secrets Manager (interface endpoint): the API function reads the admin token and the signing key.</li>
 * </ul>
 * CloudWatch Logs needs no endpoint: Lambda ships function logs from outside the VPC.
 */
final class Network {

    /** Lambda ENIs and EFS mount targets in two AZs: EFS and Lambda stay available when one AZ fails. */
    static final int AZS = 2;

    final Vpc vpc;
    final SecurityGroup functions;
    final SecurityGroup endpoints;
    final SubnetSelection isolated = SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build();

    Network(Construct scope) {
        vpc = Vpc.Builder.create(scope, "Vpc")
                .maxAzs(AZS)
                .natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder()
                        .name("isolated").subnetType(SubnetType.PRIVATE_ISOLATED).cidrMask(24).build()))
                // Nothing is ever attached to the default security group. Restricting it would add a custom
                // resource (a Node.js Lambda) to the stack only to strip rules from a group nobody uses.
                .restrictDefaultSecurityGroup(false)
                .build();

        // Rejected traffic only: enough to diagnose a security group or endpoint mistake, at a fraction of the
        // cost of logging every accepted flow.
        LogGroup flowLogs = Retention.logGroup(scope, "VpcFlowLogs", null);
        vpc.addFlowLog("FlowLog", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
                .trafficType(FlowLogTrafficType.REJECT)
                .build());

        functions = SecurityGroup.Builder.create(scope, "FunctionsSecurityGroup")
                .vpc(vpc)
                .description("multidb Lambda functions")
                .allowAllOutbound(false)
                .build();
        // HTTPS to the interface endpoints and to DynamoDB. DynamoDB is reached through the gateway endpoint's
        // prefix-list route, whose id is region-specific (naming it would need a lookup at synth time), so the
        // peer is "anywhere": the subnets' only routes are the VPC itself and that prefix list, so nothing
        // else is reachable. NFS to the file system is added by the functions' EFS mounts (egress to its
        // security group only).
        functions.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "HTTPS to the VPC endpoints and DynamoDB");

        endpoints = SecurityGroup.Builder.create(scope, "EndpointsSecurityGroup")
                .vpc(vpc)
                .description("multidb interface VPC endpoints: HTTPS from the functions only")
                .allowAllOutbound(false)
                .build();
        endpoints.addIngressRule(functions, Port.tcp(443), "HTTPS from the multidb functions");

        vpc.addGatewayEndpoint("DynamoDbEndpoint", GatewayVpcEndpointOptions.builder()
                .service(GatewayVpcEndpointAwsService.DYNAMODB)
                .subnets(List.of(isolated))
                .build());
        interfaceEndpoint(scope, "StepFunctionsEndpoint", InterfaceVpcEndpointAwsService.STEP_FUNCTIONS);
        interfaceEndpoint(scope, "SecretsManagerEndpoint", InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
    }

    private void interfaceEndpoint(Construct scope, String id, IInterfaceVpcEndpointService service) {
        InterfaceVpcEndpoint.Builder.create(scope, id)
                .vpc(vpc)
                .service(service)
                .subnets(isolated)
                .privateDnsEnabled(true) // the SDK's default endpoint name resolves to the endpoint's ENIs
                .securityGroups(List.of(endpoints))
                .open(false) // only the rule above, not the whole VPC CIDR
                .build();
    }
}
