package io.multidb.infra;

import static io.multidb.infra.Synthesized.getAtt;
import static io.multidb.infra.Synthesized.list;
import static io.multidb.infra.Synthesized.props;
import static io.multidb.infra.Synthesized.ref;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * Least privilege, statement by statement: each role's exact action → resource table, and the stack-wide rules
 * (no wildcard actions, "*" resources only where the service has no resource-level permissions).
 */
class IamTest {

    private static final List<String> ENI_ACTIONS = List.of("ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses");
    /** What active tracing adds to a function's role (X-Ray has no resource-level permissions for them). */
    private static final List<String> TRACING_ACTIONS = List.of("xray:PutTraceSegments", "xray:PutTelemetryRecords");
    /** The only actions that may have "*" as their resource; each has a cdk-nag suppression saying why. */
    private static final Set<String> WILDCARD_RESOURCE_ACTIONS = Set.of(
            "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets");

    private final Synthesized s = Synthesized.get();

    /** action → the resources it is allowed on (a role's whole policy, flattened; all statements Allow). */
    private Map<String, List<Object>> grants(String roleLogicalId) {
        Map<String, List<Object>> grants = new TreeMap<>();
        for (Map<String, Object> st : s.statementsOf(roleLogicalId)) {
            assertThat(st).containsEntry("Effect", "Allow");
            for (Object action : list(st.get("Action"))) {
                assertThat(grants).as("%s granted twice", action).doesNotContainKey((String) action);
                grants.put((String) action, list(st.get("Resource")));
            }
        }
        return grants;
    }

    private Map<String, Object> statementWith(String roleLogicalId, String action) {
        return s.statementsOf(roleLogicalId).stream()
                .filter(st -> list(st.get("Action")).contains(action)).findFirst().orElseThrow();
    }

    @Test
    void apiFunctionGetsItsTableWorkflowSecretsAndFileSystemOnly() {
        String role = s.logicalId(s.stack.apiFunction.role());
        Map<String, List<Object>> expected = new TreeMap<>();
        ENI_ACTIONS.forEach(a -> expected.put(a, List.of("*")));
        TRACING_ACTIONS.forEach(a -> expected.put(a, List.of("*")));
        expected.put("logs:CreateLogStream", List.of(getAtt(s.logicalId(s.stack.apiFunction.logGroup()), "Arn")));
        expected.put("logs:PutLogEvents", List.of(getAtt(s.logicalId(s.stack.apiFunction.logGroup()), "Arn")));
        tableAndFileSystem(expected);
        expected.put("states:StartExecution", List.of(ref(s.logicalId(s.stack.workflow.stateMachine))));
        Object executions = executionsArn();
        expected.put("states:DescribeExecution", List.of(executions));
        expected.put("states:GetExecutionHistory", List.of(executions));
        expected.put("states:StopExecution", List.of(executions));
        expected.put("secretsmanager:GetSecretValue", List.of(
                ref(s.logicalId(s.stack.adminToken)), ref(s.logicalId(s.stack.signingKey))));

        assertThat(grants(role)).containsExactlyInAnyOrderEntriesOf(expected);
        assertEfsCondition(role);
    }

    @Test
    void taskFunctionGetsItsTableAndFileSystemOnly() {
        String role = s.logicalId(s.stack.taskFunction.role());
        Map<String, List<Object>> expected = new TreeMap<>();
        ENI_ACTIONS.forEach(a -> expected.put(a, List.of("*")));
        TRACING_ACTIONS.forEach(a -> expected.put(a, List.of("*")));
        expected.put("logs:CreateLogStream", List.of(getAtt(s.logicalId(s.stack.taskFunction.logGroup()), "Arn")));
        expected.put("logs:PutLogEvents", List.of(getAtt(s.logicalId(s.stack.taskFunction.logGroup()), "Arn")));
        tableAndFileSystem(expected);

        assertThat(grants(role)).containsExactlyInAnyOrderEntriesOf(expected);
        assertEfsCondition(role);
    }

    @Test
    void stateMachineMayInvokeOnlyTheTaskAlias() {
        Map<String, List<Object>> grants = grants(s.logicalId(s.stack.workflow.stateMachine.getRole()));
        assertThat(grants).containsEntry("lambda:InvokeFunction", List.of(ref(s.logicalId(s.stack.taskFunction.alias()))));
        grants.forEach((action, resources) -> {
            if (!action.equals("lambda:InvokeFunction")) {
                assertThat(action).as("logging and tracing only").matches("(logs|xray):.*");
            }
        });
    }

    @Test
    void noWildcardActionsAndWildcardResourcesOnlyWhereUnavoidable() {
        for (String role : s.ofType("AWS::IAM::Role").keySet()) {
            assertThat(props(s.resource(role))).as(role).doesNotContainKey("ManagedPolicyArns");
            for (Map<String, Object> st : s.statementsOf(role)) {
                for (Object action : list(st.get("Action"))) {
                    assertThat((String) action).as(role).doesNotContain("*");
                    for (Object resource : list(st.get("Resource"))) {
                        if (resource.equals("*")) {
                            assertThat(WILDCARD_RESOURCE_ACTIONS).as(role + " " + action).contains((String) action);
                        }
                    }
                }
            }
        }
        assertThat(s.ofType("AWS::IAM::ManagedPolicy")).isEmpty();
        assertThat(s.ofType("AWS::IAM::User")).isEmpty();
    }

    @Test
    void dataResourcesAreNamedByTheirOwnArns() {
        // Every statement that touches the table, the file system, a secret or the state machine names it
        // exactly: no partial wildcards such as table/* or secret:*.
        for (String role : s.ofType("AWS::IAM::Role").keySet()) {
            for (Map<String, Object> st : s.statementsOf(role)) {
                for (Object action : list(st.get("Action"))) {
                    String service = ((String) action).replaceAll(":.*", "");
                    if (Set.of("dynamodb", "elasticfilesystem", "secretsmanager").contains(service)) {
                        assertThat(list(st.get("Resource"))).as(role + " " + action)
                                .allSatisfy(r -> assertThat(r.toString()).doesNotContain("*"));
                    }
                }
            }
        }
    }

    @Test
    void onlyApiGatewayMayInvokeTheApiAliasAndOnlyOnItsRoutes() {
        String api = s.logicalId(s.stack.api.httpApi);
        assertThat(s.ofType("AWS::Lambda::Permission").values()).hasSize(Api.PATHS.size()).allSatisfy(permission -> {
            Map<String, Object> p = props(permission);
            assertThat(p).containsEntry("Principal", "apigateway.amazonaws.com")
                    .containsEntry("Action", "lambda:InvokeFunction")
                    .containsEntry("FunctionName", ref(s.logicalId(s.stack.apiFunction.alias())));
            assertThat(p.get("SourceArn").toString()).contains("{Ref=" + api + "}")
                    .containsPattern("/\\*/\\*/((v1|db|console)/\\{proxy\\+}|console])");
        });
    }

    private void tableAndFileSystem(Map<String, List<Object>> expected) {
        Object table = getAtt(s.logicalId(s.stack.storage.table), "Arn");
        for (String action : MultidbStack.TABLE_ACTIONS) {
            expected.put(action, List.of(table));
        }
        Object fileSystem = getAtt(s.logicalId(s.stack.storage.fileSystem), "Arn");
        expected.put("elasticfilesystem:ClientMount", List.of(fileSystem));
        expected.put("elasticfilesystem:ClientWrite", List.of(fileSystem));
    }

    private void assertEfsCondition(String role) {
        Map<String, Object> st = statementWith(role, "elasticfilesystem:ClientMount");
        assertThat(list(st.get("Action"))).contains("elasticfilesystem:ClientWrite");
        assertThat(st.get("Condition").toString())
                .startsWith("{StringEquals={elasticfilesystem:AccessPointArn=")
                .contains("access-point/").contains(s.logicalId(s.stack.storage.accessPoint));
    }

    private Object executionsArn() {
        return Map.of("Fn::Join", List.of("", List.of("arn:", ref("AWS::Partition"), ":states:", ref("AWS::Region"),
                ":", ref("AWS::AccountId"), ":execution:",
                getAtt(s.logicalId(s.stack.workflow.stateMachine), "Name"), ":*")));
    }

    @Test
    void catalogActionsAreSingleItemOnes() {
        // Pinned here (the role tests above use the constant), so that widening it is a reviewed test change.
        assertThat(MultidbStack.TABLE_ACTIONS).containsExactly("dynamodb:GetItem", "dynamodb:PutItem",
                "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem");
    }

    /** Every DynamoDB call the adapters make is granted, and every granted action is used. */
    @Test
    void tableActionsMatchTheAdaptersCalls() throws java.io.IOException {
        java.nio.file.Path aws = RepoLayout.find(java.nio.file.Path.of("").toAbsolutePath()).root().resolve("functions/src/main/java/io/multidb/aws");
        java.util.Set<String> used = new java.util.TreeSet<>();
        java.util.regex.Pattern call = java.util.regex.Pattern.compile(
                "client\\.(getItem|putItem|updateItem|deleteItem|query|queryPaginator|scan|scanPaginator|batchGetItem|"
                        + "batchWriteItem|transactWriteItems|transactGetItems)\\(");
        try (var files = java.nio.file.Files.list(aws)) {
            for (java.nio.file.Path f : files.filter(p -> p.getFileName().toString().startsWith("Dynamo")).toList()) {
                java.util.regex.Matcher m = call.matcher(java.nio.file.Files.readString(f));
                while (m.find()) {
                    String op = m.group(1).replace("Paginator", "");
                    used.add("dynamodb:" + Character.toUpperCase(op.charAt(0)) + op.substring(1));
                }
            }
        }
        assertThat(used).isNotEmpty();
        assertThat(new java.util.TreeSet<>(MultidbStack.TABLE_ACTIONS)).isEqualTo(used);
    }
}
