package io.multidb.infra;

import static io.multidb.infra.Synthesized.props;
import static io.multidb.infra.Synthesized.ref;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** Alarms, their topic, the dashboard, tracing and the log level parameter (issue 16). */
class MonitoringTest {

    static final List<String> ALARMS = List.of("MigrationExecutionsFailed", "MigrationExecutionsTimedOut",
            "MigrationFailedOrRolledBack", "MigrationChildrenQuarantined", "MigrationExecutionLong", "Api5xx", "ApiFunctionErrors",
            "ApiFunctionThrottles", "TaskFunctionErrors", "TaskFunctionThrottles", "DynamoDbThrottles", "EfsIoLimit",
            "EfsThroughput");

    private final Synthesized s = Synthesized.get();

    private Map<String, Map<String, Object>> alarmsByName() {
        Map<String, Map<String, Object>> byName = new TreeMap<>();
        s.ofType("AWS::CloudWatch::Alarm").values().forEach(a -> {
            Map<String, Object> p = props(a);
            byName.put(((String) p.get("AlarmName")).replaceFirst("^Multidb-", ""), p);
        });
        return byName;
    }

    @Test
    void theTopicIsAStackParameterThatMustBeAnSnsArn() {
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) ((Map<String, Object>) s.json.get("Parameters")).get(Monitoring.TOPIC_PARAMETER);
        assertThat(p).containsEntry("Type", "String").doesNotContainKey("Default");
        String pattern = (String) p.get("AllowedPattern");
        assertThat("arn:aws:sns:eu-west-1:123456789012:multidb-alarms").matches(pattern);
        assertThat("arn:aws:sqs:eu-west-1:123456789012:q").doesNotMatch(pattern);
        assertThat(s.ofType("AWS::SNS::Topic")).as("the stack owns no topic and no subscription").isEmpty();
        assertThat(s.ofType("AWS::SNS::Subscription")).isEmpty();
    }

    @Test
    void everyAlarmExistsAndNotifiesTheTopicWhenItFiresAndWhenItClears() {
        Map<String, Map<String, Object>> alarms = alarmsByName();
        assertThat(alarms.keySet()).containsExactlyInAnyOrderElementsOf(ALARMS);
        Object topic = ref(Monitoring.TOPIC_PARAMETER);
        alarms.forEach((name, p) -> {
            assertThat(p.get("AlarmActions")).as(name).isEqualTo(List.of(topic));
            assertThat(p.get("OKActions")).as(name).isEqualTo(List.of(topic));
            assertThat(p).as(name).containsEntry("TreatMissingData", "notBreaching")
                    .containsEntry("ComparisonOperator", "GreaterThanOrEqualToThreshold");
            assertThat((String) p.get("AlarmDescription")).as(name)
                    .endsWith("Runbook: docs/runbook.md#" + name.toLowerCase(java.util.Locale.ROOT));
        });
    }

    @Test
    void everyAlarmHasItsSectionInTheRunbook() throws Exception {
        String runbook = Files.readString(s.repo.root().resolve("docs/runbook.md"));
        for (String name : ALARMS) {
            assertThat(runbook).as(name).contains("\n### " + name + "\n");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void alarmsWatchTheRightMetrics() {
        Map<String, Map<String, Object>> a = alarmsByName();
        assertThat(a.get("MigrationExecutionsFailed")).containsEntry("Namespace", "AWS/States")
                .containsEntry("MetricName", "ExecutionsFailed").containsEntry("Threshold", 1);
        assertThat(a.get("MigrationExecutionsTimedOut")).containsEntry("MetricName", "ExecutionsTimedOut");
        assertThat(a.get("MigrationExecutionLong")).containsEntry("MetricName", "ExecutionTime")
                .containsEntry("Statistic", "Maximum").containsEntry("Threshold", 30 * 60 * 1000);
        assertThat(a.get("Api5xx")).containsEntry("Namespace", "AWS/ApiGateway").containsEntry("MetricName", "5xx");
        assertThat(a.get("ApiFunctionErrors")).containsEntry("MetricName", "Errors");
        assertThat(a.get("TaskFunctionThrottles")).containsEntry("MetricName", "Throttles");
        // The custom metric of failed and rolled-back jobs, in this stack's namespace.
        String custom = a.get("MigrationFailedOrRolledBack").get("Metrics").toString();
        assertThat(custom).contains("MigrationsFailed").contains("MigrationsRolledBack").contains("multidb/Multidb");
        assertThat(a.get("TaskFunctionErrors").get("Metrics").toString()).contains("TaskFailures").contains("Errors");
        assertThat(a.get("DynamoDbThrottles").get("Metrics").toString()).contains("ReadThrottleEvents")
                .contains("WriteThrottleEvents");
        assertThat(a.get("EfsIoLimit")).containsEntry("MetricName", "PercentIOLimit").containsEntry("Threshold", 90);
        assertThat(a.get("EfsThroughput").get("Metrics").toString()).contains("MeteredIOBytes").contains("PermittedThroughput");
    }

    @Test
    void oneDashboardShowsTheAlarmsAndTheMigrationRate() {
        assertThat(s.ofType("AWS::CloudWatch::Dashboard")).hasSize(1);
        String body = props(s.ofType("AWS::CloudWatch::Dashboard").values().iterator().next()).get("DashboardBody").toString();
        assertThat(body).contains("MigrationRate").contains("ChildrenMigrated").contains("DryRunFailures")
                .contains("Requests").contains("alarm");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theOutputsNameWhereOnCallLooks() {
        Map<String, Map<String, Object>> outputs = (Map<String, Map<String, Object>>) s.json.get("Outputs");
        assertThat(outputs.get("ApiLogGroup").get("Value")).isEqualTo(ref(s.logicalId(s.stack.apiFunction.logGroup())));
        assertThat(outputs.get("TaskLogGroup").get("Value")).isEqualTo(ref(s.logicalId(s.stack.taskFunction.logGroup())));
        assertThat(outputs.get("DashboardName").get("Value")).isEqualTo(ref(s.logicalId(s.stack.monitoring.dashboard)));
    }

    @Test
    void functionsAreTracedAndGetTheMetricNamespaceAndTheLogLevelParameter() {
        for (var fn : List.of(s.stack.apiFunction, s.stack.taskFunction)) {
            Map<String, Object> p = s.props(s.logicalId(fn.function()));
            assertThat(p).containsEntry("TracingConfig", Map.of("Mode", "Active"));
            assertThat(p.get("Environment").toString()).contains("MULTIDB_METRICS_NAMESPACE=multidb/Multidb");
            assertThat(((Map<?, ?>) p.get("LoggingConfig")).get("ApplicationLogLevel"))
                    .isEqualTo(ref(Functions.LOG_LEVEL_PARAMETER));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> level = (Map<String, Object>) ((Map<String, Object>) s.json.get("Parameters"))
                .get(Functions.LOG_LEVEL_PARAMETER);
        assertThat(level).containsEntry("Default", "INFO").containsEntry("AllowedValues", List.of("TRACE", "DEBUG", "INFO"));
    }
}
