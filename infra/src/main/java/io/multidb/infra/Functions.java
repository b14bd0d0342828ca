package io.multidb.infra;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.ApplicationLogLevel;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.FileSystem;
import software.amazon.awscdk.services.lambda.FileSystemConfig;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SystemLogLevel;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The two Lambda functions, both from the one shaded jar, each with its own role, log group, and a {@code live}
 * alias on a published version (the API routes and the state machine call the alias, never $LATEST).
 *
 * <p><b>No SnapStart.</b> Lambda SnapStart does not support functions that mount EFS (AWS Lambda developer guide,
 * "Supported features and limitations"; aws-cdk-lib refuses the combination with "SnapStart is currently not
 * supported using EFS"), and both functions need the SQLite files on EFS. The published versions and aliases stay:
 * they give the routes and the workflow a stable target that a deploy switches atomically. Cold starts are kept
 * short instead by memory (CPU) and C1-only JIT on the API function, see below.
 */
final class Functions {

    static final String API_HANDLER = "io.multidb.api.ApiHandler::handleRequest";
    static final String TASK_HANDLER = "io.multidb.tasks.MigrationTaskHandler::handleRequest";
    static final String ALIAS = "live";
    static final String MOUNT_PATH = "/mnt/data";
    static final String LOG_LEVEL_PARAMETER = "LogLevel";

    /**
     * Lambda gives a function CPU in proportion to its memory, reaching one full vCPU at 1769 MB. A JVM cold start
     * (class loading, JIT) and SQLite's page cache both want that vCPU more than they want the memory; below it
     * every request is slowed by CPU throttling.
     */
    static final int API_MEMORY_MB = 1769;
    /** Same reasoning; a batch copies and migrates SQLite files one after another, which is CPU and I/O bound. */
    static final int TASK_MEMORY_MB = 1769;
    /** API Gateway HTTP APIs end an integration at 30 s; stopping at 29 s lets the function log why it was slow. */
    static final Duration API_TIMEOUT = Duration.seconds(29);
    /** A task processes a batch of child databases; Lambda's maximum leaves room for large batches. */
    static final Duration TASK_TIMEOUT = Duration.minutes(15);

    /**
     * C1 only: the JVM skips the C2 compiler, whose compile threads compete with the first requests for the one
     * vCPU; short API invocations never run long enough to profit from C2. Not set on the task function, whose
     * long batches do. The sqlite-jdbc flags load its native library from where Lambda unpacked the jar, instead of
     * copying it out of the jar into /tmp at every cold start (sqlite-jdbc falls back to that if it is missing).
     */
    static final String API_JAVA_TOOL_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
            + " -Dorg.sqlite.lib.path=/var/task/org/sqlite/native/Linux/aarch64 -Dorg.sqlite.lib.name=libsqlitejdbc.so";

    /** A function with what surrounds it. */
    record Deployed(Function function, Alias alias, Role role, LogGroup logGroup) {
    }

    private final Construct scope;
    private final Network network;
    private final Storage storage;
    private final Code code;
    final CfnParameter logLevel;

    Functions(Construct scope, Network network, Storage storage, Path jar) {
        this.scope = scope;
        this.logLevel = CfnParameter.Builder.create(scope, LOG_LEVEL_PARAMETER)
                .type("String")
                .description("Application log level of both functions (Lambda filters their JSON events by it). "
                        + "Not above INFO: the metrics are carried by INFO events.")
                .allowedValues(List.of("TRACE", "DEBUG", "INFO"))
                .defaultValue("INFO")
                .build();
        this.network = network;
        this.storage = storage;
        // One asset for both functions: CDK uploads the jar once.
        this.code = Code.fromAsset(jar.toString());
    }

    Deployed api(Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("JAVA_TOOL_OPTIONS", API_JAVA_TOOL_OPTIONS);
        return create("ApiFunction", "multidb HTTP API: control plane (/v1) and libSQL data plane (/db)",
                API_HANDLER, API_MEMORY_MB, API_TIMEOUT, env);
    }

    Deployed task(Map<String, String> environment) {
        return create("MigrationTaskFunction", "multidb schema-migration tasks, called by the state machine",
                TASK_HANDLER, TASK_MEMORY_MB, TASK_TIMEOUT, environment);
    }

    private Deployed create(String id, String description, String handler, int memory, Duration timeout,
                            Map<String, String> environment) {
        LogGroup logGroup = Retention.logGroup(scope, id + "Logs", null);
        Role role = Role.Builder.create(scope, id + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("Execution role of " + id + ": only the resources it uses")
                .build();
        // Written out instead of the AWSLambdaVPCAccessExecutionRole managed policy, which is the same list.
        // Lambda uses the execution role to manage the function's VPC network interfaces; these EC2 actions
        // have no resource-level scoping that fits, hence "*" (suppressed for cdk-nag with this reason).
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("LambdaVpcNetworkInterfaces")
                .actions(List.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
                        "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))
                .resources(List.of("*"))
                .build());
        logGroup.grantWrite(role); // logs:CreateLogStream and logs:PutLogEvents on this log group only

        Function function = Function.Builder.create(scope, id)
                .description(description)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64) // Graviton: ~20% cheaper per GB-second than x86
                .code(code)
                .handler(handler)
                .memorySize(memory)
                .timeout(timeout)
                .role(role)
                .environment(environment)
                .vpc(network.vpc)
                .vpcSubnets(network.isolated)
                .securityGroups(List.of(network.functions))
                .filesystem(efsMount())
                .logGroup(logGroup)
                .loggingFormat(LoggingFormat.JSON)
                .applicationLogLevelV2(ApplicationLogLevel.INFO) // the LogLevel parameter overrides it, below
                .systemLogLevelV2(SystemLogLevel.WARN)
                // X-Ray: each invocation is a segment, joined to the state machine's trace for the task function
                // and to API Gateway's for the API. No X-Ray SDK in the jar (its init costs cold start); the job
                // id correlates through the logs instead (docs/runbook.md).
                .tracing(Tracing.ACTIVE)
                // Each deploy publishes a new version; the alias moves to it and the old one is deleted, so
                // versions of an 18 MB jar do not pile up against the account's code storage quota.
                .currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.DESTROY).build())
                .build();
        // The functions' events are JSON lines with a "level" that Lambda filters on; their metrics ride on INFO
        // events, so the parameter allows no level above INFO.
        ((CfnFunction) function.getNode().getDefaultChild())
                .addPropertyOverride("LoggingConfig.ApplicationLogLevel", logLevel.getValueAsString());
        Alias alias = Alias.Builder.create(scope, id + "Live")
                .aliasName(ALIAS)
                .version(function.getCurrentVersion())
                .build();
        return new Deployed(function, alias, role, logGroup);
    }

    /**
     * The EFS mount through the access point. Written out instead of lambda.FileSystem.fromEfsAccessPoint, which
     * grants ClientMount on "*" and ClientWrite on the file system without the access point condition: here both
     * actions are on this file system and only through this access point.
     */
    private FileSystem efsMount() {
        PolicyStatement mount = PolicyStatement.Builder.create()
                .sid("EfsThroughAccessPoint")
                .actions(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"))
                .resources(List.of(storage.fileSystem.getFileSystemArn()))
                .conditions(Map.of("StringEquals",
                        Map.of("elasticfilesystem:AccessPointArn", storage.accessPoint.getAccessPointArn())))
                .build();
        // The constructor is protected: the class is meant to be made by its factories or subclassed.
        return new FileSystem(FileSystemConfig.builder()
                .localMountPath(MOUNT_PATH)
                .arn(storage.accessPoint.getAccessPointArn())
                .dependency(List.of(storage.fileSystem.getMountTargetsAvailable()))
                .connections(storage.fileSystem.getConnections())
                .policies(List.of(mount))
                .build()) {
        };
    }
}
