package io.multidb.infra;

import static io.multidb.infra.Synthesized.getAtt;
import static io.multidb.infra.Synthesized.props;
import static io.multidb.infra.Synthesized.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.FileSystem;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;

/** The two functions: runtime, handler, sizing, EFS mount, environment, versions and aliases, logs. */
class FunctionsTest {

    private final Synthesized s = Synthesized.get();

    private Map<String, Object> function(Functions.Deployed fn) {
        return s.props(s.logicalId(fn.function()));
    }

    @Test
    void bothRunJava21OnArmFromTheMavenJarWithoutDockerBundling() {
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            Map<String, Object> p = function(fn);
            assertThat(p).containsEntry("Runtime", "java21").containsEntry("Architectures", List.of("arm64"));
            // A file asset: the S3 key is the staged jar's hash with the jar's extension.
            assertThat(p.get("Code").toString()).contains(".jar");
        }
        assertThat(function(s.stack.apiFunction))
                .containsEntry("Handler", "io.multidb.api.ApiHandler::handleRequest");
        assertThat(function(s.stack.taskFunction))
                .containsEntry("Handler", "io.multidb.tasks.MigrationTaskHandler::handleRequest");
    }

    @Test
    void memoryAndTimeouts() {
        assertThat(((Number) function(s.stack.apiFunction).get("MemorySize")).intValue()).isEqualTo(1769);
        assertThat(((Number) function(s.stack.apiFunction).get("Timeout")).intValue())
                .as("under API Gateway's 30 s integration limit").isEqualTo(29);
        assertThat(((Number) function(s.stack.taskFunction).get("MemorySize")).intValue()).isEqualTo(1769);
        assertThat(((Number) function(s.stack.taskFunction).get("Timeout")).intValue()).isEqualTo(900);
    }

    @Test
    void efsIsMountedThroughTheAccessPointInsideTheIsolatedSubnets() {
        String accessPoint = s.logicalId(s.stack.storage.accessPoint);
        List<Object> subnets = s.stack.network.vpc.getIsolatedSubnets().stream()
                .map(subnet -> (Object) ref(s.logicalId(subnet))).toList();
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            Map<String, Object> p = function(fn);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> mounts = (List<Map<String, Object>>) p.get("FileSystemConfigs");
            assertThat(mounts).hasSize(1);
            assertThat(mounts.getFirst()).containsEntry("LocalMountPath", "/mnt/data");
            assertThat(mounts.getFirst().get("Arn").toString()).contains("access-point/").contains(accessPoint);
            assertThat(p).containsEntry("VpcConfig", Map.of(
                    "SecurityGroupIds", List.of(getAtt(s.logicalId(s.stack.network.functions), "GroupId")),
                    "SubnetIds", subnets));
            // Lambda must not try to mount before the mount targets exist.
            @SuppressWarnings("unchecked")
            List<String> dependsOn = (List<String>) s.resource(s.logicalId(fn.function())).get("DependsOn");
            assertThat(dependsOn).containsAll(s.ofType("AWS::EFS::MountTarget").keySet());
        }
    }

    @Test
    void environmentComesFromTheConstructs() {
        Map<String, Object> common = new LinkedHashMap<>();
        common.put("MULTIDB_DATA_ROOT", "/mnt/data");
        common.put("MULTIDB_TABLE", ref(s.logicalId(s.stack.storage.table)));
        common.put("MULTIDB_ORG", "default");
        common.put("MULTIDB_METRICS_NAMESPACE", "multidb/Multidb");
        assertThat(function(s.stack.taskFunction)).containsEntry("Environment", Map.of("Variables", common));

        Map<String, Object> api = new LinkedHashMap<>(common);
        api.put("MULTIDB_STATE_MACHINE_ARN", ref(s.logicalId(s.stack.workflow.stateMachine)));
        api.put("MULTIDB_ADMIN_TOKEN_SECRET", ref(s.logicalId(s.stack.adminToken)));
        api.put("MULTIDB_SIGNING_KEY_SECRET", ref(s.logicalId(s.stack.signingKey)));
        api.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
                + " -Dorg.sqlite.lib.path=/var/task/org/sqlite/native/Linux/aarch64 -Dorg.sqlite.lib.name=libsqlitejdbc.so");
        assertThat(function(s.stack.apiFunction)).containsEntry("Environment", Map.of("Variables", api));
    }

    @Test
    @SuppressWarnings("unchecked")
    void callersUseTheLiveAliasOfAPublishedVersion() {
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            String functionId = s.logicalId(fn.function());
            Map<String, Object> alias = s.props(s.logicalId(fn.alias()));
            assertThat(alias).containsEntry("Name", "live").containsEntry("FunctionName", ref(functionId));
            // The version's logical id carries a hash of the function's configuration (a new one per change).
            List<String> version = (List<String>) ((Map<String, Object>) alias.get("FunctionVersion")).get("Fn::GetAtt");
            assertThat(version.get(1)).isEqualTo("Version");
            assertThat(s.resource(version.getFirst())).containsEntry("Type", "AWS::Lambda::Version");
            assertThat(s.props(version.getFirst())).containsEntry("FunctionName", ref(functionId));
        }
        assertThat(s.ofType("AWS::ApiGatewayV2::Integration").values()).singleElement()
                .satisfies(i -> assertThat(props(i)).containsEntry("IntegrationUri", ref(s.logicalId(s.stack.apiFunction.alias()))));
        assertThat(s.props(s.logicalId(s.stack.workflow.stateMachine)).get("DefinitionSubstitutions"))
                .isEqualTo(Map.of("MigrationTaskFunctionArn", ref(s.logicalId(s.stack.taskFunction.alias()))));
    }

    @Test
    void noSnapStartBecauseLambdaRefusesItWithEfs(@TempDir Path code) {
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            assertThat(function(fn)).doesNotContainKey("SnapStart");
        }
        // Why: the combination is rejected (by Lambda, and by aws-cdk-lib before it gets there). If a CDK
        // release ever accepts it, this fails and SnapStart can be reconsidered.
        Stack scratch = new Stack(new App(), "Scratch");
        Vpc vpc = Vpc.Builder.create(scratch, "Vpc").natGateways(0).build();
        var fs = software.amazon.awscdk.services.efs.FileSystem.Builder.create(scratch, "Fs").vpc(vpc).build();
        AccessPoint ap = fs.addAccessPoint("Ap");
        assertThatThrownBy(() -> Function.Builder.create(scratch, "Fn")
                .runtime(Runtime.JAVA_21)
                .handler("x.Y::handleRequest")
                .code(Code.fromAsset(code.toString()))
                .vpc(vpc)
                .filesystem(FileSystem.fromEfsAccessPoint(ap, "/mnt/data"))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .build())
                .hasMessageContaining("SnapStart is currently not supported using EFS");
    }

    @Test
    void logsAreJsonInTheFunctionsOwnLogGroups() {
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            assertThat(function(fn)).containsEntry("LoggingConfig", Map.of(
                    "LogFormat", "JSON",
                    "LogGroup", ref(s.logicalId(fn.logGroup())),
                    "ApplicationLogLevel", Synthesized.ref(Functions.LOG_LEVEL_PARAMETER), // default INFO
                    "SystemLogLevel", "WARN"));
        }
    }

    @Test
    void theAssetIsTheJarTheFunctionsModuleBuilt() throws Exception {
        long size = Files.size(s.repo.functionsJar());
        try (var staged = Files.list(Synthesized.OUTDIR)) {
            assertThat(staged.filter(p -> p.getFileName().toString().matches("asset\\.[0-9a-f]{64}\\.jar")).toList())
                    .singleElement()
                    .satisfies(jar -> assertThat(Files.size(jar)).isEqualTo(size));
        }
    }

    /** The handler strings in the template name classes that the deployed jar really has. */
    @Test
    void handlersExistInTheDeployedJar() throws Exception {
        java.nio.file.Path jar = RepoLayout.find(java.nio.file.Path.of("").toAbsolutePath()).functionsJar();
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile())) {
            for (String handler : java.util.List.of(Functions.API_HANDLER, Functions.TASK_HANDLER)) {
                String cls = handler.substring(0, handler.indexOf("::")).replace('.', '/') + ".class";
                assertThat(j.getEntry(cls)).as(cls + " in " + jar).isNotNull();
            }
        }
    }
}
