package io.multidb.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * Alarms and the dashboard (issue 16). Every alarm notifies one SNS topic, given at deploy time as the
 * {@code AlarmTopicArn} parameter: the stack subscribes nobody, so the operator routes alarms wherever their
 * on-call already listens (email, a pager, Chatbot) without the stack owning subscriptions or their confirmations.
 * Each alarm's runbook section is docs/runbook.md#&lt;alarm name in lower case&gt;.
 *
 * <p>The custom metrics come from the functions' log events (CloudWatch's embedded metric format, see
 * io.multidb.telemetry in functions/) in the namespace {@code multidb/<stack name>}, one per deployment.
 */
final class Monitoring {
    static final String TOPIC_PARAMETER = "AlarmTopicArn";
    /** A migration running longer than this is reported when it ends (ExecutionTime); the ASL's own cap is 24 h. */
    static final Duration LONG_MIGRATION = Duration.minutes(30);
    static final double EFS_IO_LIMIT_PERCENT = 90;
    static final double EFS_THROUGHPUT_PERCENT = 80;

    final CfnParameter topicArn;
    final ITopic topic;
    final String namespace;
    final List<Alarm> alarms = new ArrayList<>();
    final Dashboard dashboard;

    Monitoring(Stack scope, Storage storage, Workflow workflow, Functions.Deployed apiFunction,
               Functions.Deployed taskFunction, Api api) {
        namespace = namespace(scope);
        topicArn = CfnParameter.Builder.create(scope, TOPIC_PARAMETER)
                .type("String")
                .description("ARN of the SNS topic every multidb alarm notifies (create it and subscribe your "
                        + "on-call first; docs/deploy.md)")
                .allowedPattern("arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}")
                .constraintDescription("an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:multidb-alarms")
                .build();
        topic = Topic.fromTopicArn(scope, "AlarmTopic", topicArn.getValueAsString());

        var machine = workflow.stateMachine;
        Duration five = Duration.minutes(5);
        alarm(scope, "MigrationExecutionsFailed", "A schema-migration execution failed (Step Functions "
                        + "ExecutionsFailed): a job that failed, rolled back or was aborted, or a broken workflow.",
                machine.metricFailed(sum(five)), 1);
        alarm(scope, "MigrationExecutionsTimedOut", "A schema-migration execution hit the state machine's "
                + "timeout (ExecutionsTimedOut).", machine.metricTimedOut(sum(five)), 1);
        alarm(scope, "MigrationFailedOrRolledBack", "A migration job ended failed or rolled_back "
                        + "(MigrationsFailed + MigrationsRolledBack, from the task function's job events).",
                MathExpression.Builder.create()
                        .expression("FILL(failed, 0) + FILL(rolledBack, 0)")
                        .usingMetrics(Map.of("failed", custom("MigrationsFailed", "Sum", five),
                                "rolledBack", custom("MigrationsRolledBack", "Sum", five)))
                        .label("failed + rolled back").period(five).build(), 1);
        alarm(scope, "MigrationChildrenQuarantined", "A migration job under the quarantine policy ended "
                        + "succeeded_with_quarantine: children were left behind at their old version (the job event's "
                        + "failed_children names them; fix them, then retry the job or POST .../drift/repair).",
                custom("MigrationsQuarantined", "Sum", five), 1);
        alarm(scope, "MigrationExecutionLong", "A schema-migration execution ran longer than "
                        + LONG_MIGRATION.toMinutes() + " minutes (ExecutionTime, reported when it ends).",
                machine.metricTime(MetricOptions.builder().statistic("Maximum").period(five).build()),
                LONG_MIGRATION.toMilliseconds().doubleValue());
        alarm(scope, "Api5xx", "The HTTP API answered 5xx (API Gateway's 5xx: a bug, a crash or a timeout of "
                + "the API function).", api.httpApi.metricServerError(sum(Duration.minutes(1))), 1);
        alarm(scope, "ApiFunctionErrors", "The API function ended invocations in an error (it answers every "
                        + "exception itself, so this is a crash, timeout or out-of-memory).",
                apiFunction.function().metricErrors(sum(five)), 1);
        alarm(scope, "ApiFunctionThrottles", "Lambda throttled the API function (concurrency limit).",
                apiFunction.function().metricThrottles(sum(five)), 1);
        // A task that fails on purpose (a dry run that found a problem) is a Lambda error too; those are counted
        // by the handler as TaskFailures. The difference is what the handler never saw: timeouts, crashes.
        Duration fifteen = Duration.minutes(15);
        alarm(scope, "TaskFunctionErrors", "The migration task function ended invocations in errors its handler "
                        + "did not report (Lambda Errors minus TaskFailures: timeouts, crashes, out-of-memory).",
                MathExpression.Builder.create()
                        .expression("FILL(errors, 0) - FILL(reported, 0)")
                        .usingMetrics(Map.of("errors", taskFunction.function().metricErrors(sum(fifteen)),
                                "reported", custom("TaskFailures", "Sum", fifteen)))
                        .label("unreported task errors").period(fifteen).build(), 1);
        alarm(scope, "TaskFunctionThrottles", "Lambda throttled the migration task function.",
                taskFunction.function().metricThrottles(sum(five)), 1);
        alarm(scope, "DynamoDbThrottles", "The metadata table throttled reads or writes.",
                MathExpression.Builder.create()
                        .expression("FILL(reads, 0) + FILL(writes, 0)")
                        .usingMetrics(Map.of("reads", storage.table.metric("ReadThrottleEvents", sum(five)),
                                "writes", storage.table.metric("WriteThrottleEvents", sum(five))))
                        .label("throttle events").period(five).build(), 1);
        Map<String, String> fs = Map.of("FileSystemId", storage.fileSystem.getFileSystemId());
        Duration minute = Duration.minutes(1);
        alarm(scope, "EfsIoLimit", "The file system is near its General Purpose I/O limit (PercentIOLimit).",
                Metric.Builder.create().namespace("AWS/EFS").metricName("PercentIOLimit").dimensionsMap(fs)
                        .statistic("Maximum").period(minute).build(), EFS_IO_LIMIT_PERCENT, 3);
        alarm(scope, "EfsThroughput", "The file system's throughput is near what it permits "
                        + "(MeteredIOBytes per second / PermittedThroughput). Elastic throughput has no burst "
                        + "credits; this is the limit that remains.",
                MathExpression.Builder.create()
                        .expression("100 * (metered / PERIOD(metered)) / permitted")
                        .usingMetrics(Map.of(
                                "metered", Metric.Builder.create().namespace("AWS/EFS").metricName("MeteredIOBytes")
                                        .dimensionsMap(fs).statistic("Sum").period(minute).build(),
                                "permitted", Metric.Builder.create().namespace("AWS/EFS")
                                        .metricName("PermittedThroughput").dimensionsMap(fs).statistic("Minimum")
                                        .period(minute).build()))
                        .label("throughput used (%)").period(minute).build(), EFS_THROUGHPUT_PERCENT, 3);

        dashboard = dashboard(scope, storage, machine, apiFunction, taskFunction, api);
    }

    /** The metric namespace of this deployment, also given to the functions as MULTIDB_METRICS_NAMESPACE. */
    static String namespace(Stack stack) {
        return "multidb/" + stack.getStackName();
    }

    private void alarm(Construct scope, String name, String description, IMetric metric, double threshold) {
        alarm(scope, name, description, metric, threshold, 1);
    }

    private void alarm(Construct scope, String name, String description, IMetric metric, double threshold,
                       int periods) {
        Alarm a = Alarm.Builder.create(scope, name + "Alarm")
                .alarmName(Stack.of(scope).getStackName() + "-" + name)
                .alarmDescription(description + " Runbook: docs/runbook.md#" + name.toLowerCase(java.util.Locale.ROOT))
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .evaluationPeriods(periods)
                .datapointsToAlarm(periods)
                // No data is the normal state of every one of these (no migration, no error, no traffic).
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        a.addAlarmAction(new SnsAction(topic));
        a.addOkAction(new SnsAction(topic));
        alarms.add(a);
    }

    private Metric custom(String name, String statistic, Duration period) {
        return Metric.Builder.create().namespace(namespace).metricName(name).statistic(statistic).period(period).build();
    }

    private static MetricOptions sum(Duration period) {
        return MetricOptions.builder().statistic("Sum").period(period).build();
    }

    private MathExpression search(String dimensions, String metric, String statistic, String label) {
        return MathExpression.Builder.create()
                .expression("SEARCH('{" + namespace + "," + dimensions + "} MetricName=\"" + metric + "\"', '"
                        + statistic + "', 300)")
                .usingMetrics(Map.of())
                .label(label)
                .period(Duration.minutes(5))
                .build();
    }

    private Dashboard dashboard(Stack scope, Storage storage, software.amazon.awscdk.services.stepfunctions.StateMachine machine,
                                Functions.Deployed apiFunction, Functions.Deployed taskFunction, Api api) {
        Duration five = Duration.minutes(5);
        List<IAlarm> all = new ArrayList<>(alarms);
        List<List<IWidget>> rows = List.of(
                List.of(TextWidget.Builder.create().width(24).height(2).markdown("# multidb " + scope.getStackName()
                        + "\nLogs: the functions' log groups (one JSON event per request and per task step). "
                        + "Queries and what to do per alarm: docs/runbook.md.").build()),
                List.of(AlarmStatusWidget.Builder.create().title("Alarms").alarms(all).width(24).height(4).build()),
                List.of(
                        graph("Requests by route", search("route", "Requests", "Sum", "")),
                        graph("Latency (ms), p50 and p99", custom("Latency", "p50", five), custom("Latency", "p99", five)),
                        graph("Client errors, server errors, BLOCKED", custom("Errors4xx", "Sum", five),
                                custom("Errors5xx", "Sum", five), custom("Blocked", "Sum", five),
                                api.httpApi.metricServerError(sum(five)))),
                List.of(
                        graph("Migrations", custom("MigrationsStarted", "Sum", five), custom("MigrationsSucceeded", "Sum", five),
                                custom("MigrationsFailed", "Sum", five), custom("MigrationsRolledBack", "Sum", five),
                                custom("MigrationsAborted", "Sum", five)),
                        graph("Children migrated and rate (children/s)", custom("ChildrenMigrated", "Sum", five),
                                custom("MigrationRate", "Maximum", five)),
                        graph("Job duration (s) and executions", custom("JobDuration", "Maximum", five),
                                machine.metricFailed(sum(five)), machine.metricTimedOut(sum(five)))),
                List.of(
                        graph("Dry-run failures by SQLite code", search("sqlite_code", "DryRunFailures", "Sum", "")),
                        graph("Task steps: duration (ms, p99) and failures by task",
                                search("task", "TaskDuration", "p99", ""), search("task", "TaskFailures", "Sum", "")),
                        graph("Stream conflicts, metadata unavailable and throttled",
                                custom("StreamConflicts", "Sum", five), custom("MetadataUnavailable", "Sum", five),
                                custom("MetadataThrottled", "Sum", five))),
                List.of(
                        graph("Lambda errors and throttles", apiFunction.function().metricErrors(sum(five)),
                                apiFunction.function().metricThrottles(sum(five)),
                                taskFunction.function().metricErrors(sum(five)),
                                taskFunction.function().metricThrottles(sum(five))),
                        graph("DynamoDB throttle events", storage.table.metric("ReadThrottleEvents", sum(five)),
                                storage.table.metric("WriteThrottleEvents", sum(five))),
                        graph("EFS I/O limit (%)", Metric.Builder.create().namespace("AWS/EFS")
                                .metricName("PercentIOLimit")
                                .dimensionsMap(Map.of("FileSystemId", storage.fileSystem.getFileSystemId()))
                                .statistic("Maximum").period(Duration.minutes(1)).build())));
        Dashboard d = Dashboard.Builder.create(scope, "Dashboard")
                .dashboardName(scope.getStackName() + "-multidb")
                .build();
        rows.forEach(row -> d.addWidgets(row.toArray(IWidget[]::new)));
        return d;
    }

    private static GraphWidget graph(String title, IMetric... metrics) {
        return GraphWidget.Builder.create().title(title).left(List.of(metrics)).width(8).height(6).build();
    }
}
