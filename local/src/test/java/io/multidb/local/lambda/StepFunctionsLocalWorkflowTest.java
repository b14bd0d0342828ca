package io.multidb.local.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.emulators.StepFunctionsLocal;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.InvalidArnException;
import software.amazon.awssdk.services.sfn.model.StartExecutionResponse;

/**
 * The local Step Functions runtime end to end: the AWS SDK's SfnClient, the Node service running the test ASL
 * with aws-local-stepfunctions, and a Java task handler behind the Lambda Invoke front.
 */
class StepFunctionsLocalWorkflowTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FUNCTION = "MigrationTaskFunction";
    private static final String MACHINE = "test-workflow";

    private static final FakeTaskHandler handler = new FakeTaskHandler();
    private static LambdaInvokeFront lambda;
    private static StepFunctionsLocal sfnLocal;
    private static SfnClient sfn;
    private static String machineArn;

    @BeforeAll
    static void start() throws Exception {
        lambda = LambdaInvokeFront.builder().streamFunction(FUNCTION, handler).start();
        sfnLocal = StepFunctionsLocal.builder()
                .stateMachine(MACHINE, resource("test-workflow.asl.json"))
                .substitution(StepFunctionsLocal.MIGRATION_TASK_FUNCTION_ARN, lambda.functionArn(FUNCTION))
                .lambdaEndpoint(lambda.endpoint())
                .retryIntervalMillis(10) // the ASL's IntervalSeconds stay for AWS; tests need not wait them out
                .start();
        sfn = SfnClient.builder()
                .endpointOverride(sfnLocal.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        machineArn = sfnLocal.stateMachineArn(MACHINE);
    }

    @AfterAll
    static void stop() {
        if (sfn != null) {
            sfn.close();
        }
        if (sfnLocal != null) {
            sfnLocal.close();
        }
        if (lambda != null) {
            lambda.close();
        }
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(StepFunctionsLocalWorkflowTest.class.getResource(name).toURI());
    }

    @Test
    void runsTheWorkflowToTheEndWithBoundedParallelBatches() throws Exception {
        handler.concurrencyBarrier = new CountDownLatch(2); // two batches must be in flight together
        String job = "concurrent-1";
        ObjectNode input = input(job, 2, batches(5, -1));

        String arn = start(job, input).executionArn();
        DescribeExecutionResponse done = awaitEnd(arn);

        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        ArrayNode expectedResults = JSON.createArrayNode();
        for (int i = 0; i < 5; i++) {
            expectedResults.addObject().put("index", i).put("children", 2).put("ok", true);
        }
        ObjectNode expected = JSON.createObjectNode().put("job_id", job).put("status", "done");
        expected.set("results", expectedResults);
        assertThat(JSON.readTree(done.output())).isEqualTo(expected);
        assertThat(JSON.readTree(done.input())).isEqualTo(input);
        assertThat(done.stopDate()).isAfterOrEqualTo(done.startDate());
        assertThat(handler.maxInFlight(job)).isEqualTo(2); // MaxConcurrencyPath bounds the parallel batches
        assertThat(handler.calls(job, "batch")).hasSize(5);
        // The context object reaches the task: the execution name carries the job id in the real workflow.
        assertThat(handler.calls(job, "prepare").getFirst().path("execution_name").asText()).isEqualTo(job);
    }

    @Test
    void historyListsTheStepsInOrderAndPages() throws Exception {
        String job = "history-1";
        String arn = start(job, input(job, 1, batches(2, -1))).executionArn();
        assertThat(awaitEnd(arn).status()).isEqualTo(ExecutionStatus.SUCCEEDED);

        List<HistoryEvent> all = sfn.getExecutionHistory(r -> r.executionArn(arn).maxResults(1000)).events();
        List<HistoryEvent> paged = sfn.getExecutionHistoryPaginator(r -> r.executionArn(arn).maxResults(4))
                .events().stream().toList();
        List<HistoryEvent> reversed = sfn.getExecutionHistory(r -> r.executionArn(arn).maxResults(1000)
                .reverseOrder(true)).events();

        assertThat(paged).isEqualTo(all);
        assertThat(reversed).isEqualTo(all.reversed());
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).id()).isEqualTo(i + 1L);
            if (i > 0) {
                assertThat(all.get(i).timestamp()).isAfterOrEqualTo(all.get(i - 1).timestamp());
            }
        }
        List<HistoryEventType> types = all.stream().map(HistoryEvent::type).toList();
        assertThat(types.getFirst()).isEqualTo(HistoryEventType.EXECUTION_STARTED);
        assertThat(types.getLast()).isEqualTo(HistoryEventType.EXECUTION_SUCCEEDED);
        assertThat(types).doesNotContain(HistoryEventType.UNKNOWN_TO_SDK_VERSION);
        // The prepare task: entered, the Lambda call, exited, in that order.
        assertThat(types.subList(1, 6)).containsExactly(HistoryEventType.TASK_STATE_ENTERED,
                HistoryEventType.LAMBDA_FUNCTION_SCHEDULED, HistoryEventType.LAMBDA_FUNCTION_STARTED,
                HistoryEventType.LAMBDA_FUNCTION_SUCCEEDED, HistoryEventType.TASK_STATE_EXITED);
        assertThat(types).contains(HistoryEventType.CHOICE_STATE_ENTERED, HistoryEventType.MAP_STATE_ENTERED,
                HistoryEventType.MAP_STATE_STARTED, HistoryEventType.MAP_STATE_SUCCEEDED,
                HistoryEventType.MAP_STATE_EXITED, HistoryEventType.PASS_STATE_EXITED);
        assertThat(types.stream().filter(HistoryEventType.MAP_ITERATION_SUCCEEDED::equals)).hasSize(2);
        assertThat(all.get(1).stateEnteredEventDetails().name()).isEqualTo("Prepare");
        assertThat(all.get(2).lambdaFunctionScheduledEventDetails().resource())
                .isEqualTo(lambda.functionArn(FUNCTION));
        assertThat(all.getFirst().executionStartedEventDetails().input()).contains(job);

        List<HistoryEvent> withoutData = sfn.getExecutionHistory(r -> r.executionArn(arn)
                .includeExecutionData(false)).events();
        assertThat(withoutData).hasSameSizeAs(all);
        assertThat(withoutData.get(1).stateEnteredEventDetails().input()).isNull();
    }

    @Test
    void retriesANamedErrorAsTheAslSays() throws Exception {
        String job = "transient-1";
        String arn = start(job, input(job, 1, batches(1, -1))).executionArn();

        assertThat(awaitEnd(arn).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(handler.calls(job, "prepare")).hasSize(2);
        List<HistoryEventType> types = history(arn).stream().map(HistoryEvent::type).toList();
        assertThat(types.stream().filter(HistoryEventType.LAMBDA_FUNCTION_FAILED::equals)).hasSize(1);
    }

    @Test
    void aFailedBatchIsCaughtAndStopsTheOtherBatches() throws Exception {
        String job = "fail-1";
        String arn = start(job, input(job, 1, batches(4, 0))).executionArn();
        DescribeExecutionResponse done = awaitEnd(arn);

        // Catch → "Record failure" → Fail, as the ASL says.
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("MigrationFailed");
        assertThat(done.cause()).isEqualTo("A task failed; the job record names it.");
        List<JsonNode> recorded = handler.calls(job, "record_failure");
        assertThat(recorded).hasSize(1);
        assertThat(recorded.getFirst().path("error").asText()).isEqualTo(TestBatchFailed.class.getName());
        JsonNode cause = JSON.readTree(recorded.getFirst().path("cause").asText());
        assertThat(cause.path("errorType").asText()).isEqualTo(TestBatchFailed.class.getName());
        assertThat(cause.path("errorMessage").asText()).isEqualTo("batch 0: child c0: UNIQUE constraint failed: t.x");
        // As in AWS, a failed iteration ends the Map: the batches queued behind MaxConcurrency never start.
        // The end-of-execution above comes after every started task, so this count is final.
        assertThat(handler.calls(job, "batch")).hasSize(1);
        List<HistoryEventType> types = history(arn).stream().map(HistoryEvent::type).toList();
        assertThat(types).contains(HistoryEventType.MAP_ITERATION_FAILED, HistoryEventType.MAP_STATE_FAILED,
                HistoryEventType.FAIL_STATE_ENTERED);
        assertThat(types.getLast()).isEqualTo(HistoryEventType.EXECUTION_FAILED);
    }

    @Test
    void anUncaughtJavaExceptionFailsTheExecutionUnderItsClassName() throws Exception {
        String job = "crash-1";
        String arn = start(job, input(job, 2, batches(2, 1))).executionArn();
        DescribeExecutionResponse done = awaitEnd(arn);

        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("java.lang.IllegalStateException");
        assertThat(JSON.readTree(done.cause()).path("errorMessage").asText()).isEqualTo("batch 1 crashed");
        assertThat(handler.calls(job, "record_failure")).isEmpty();
    }

    @Test
    void anOversizedStateOutputFailsTheExecutionPastStatesAll() throws Exception {
        String job = "huge-1";
        String arn = start(job, input(job, 1, batches(1, -1))).executionArn();
        DescribeExecutionResponse done = awaitEnd(arn);

        // States.DataLimitExceeded is terminal in AWS: the Prepare state's Catch of States.ALL does not apply.
        assertThat(done.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.error()).isEqualTo("States.DataLimitExceeded");
        assertThat(handler.calls(job, "record_failure")).isEmpty();
    }

    @Test
    void aChoiceSkipsTheMapWhenThereIsNothingToDo() throws Exception {
        String job = "empty-1";
        String arn = start(job, input(job, 1, JSON.createArrayNode())).executionArn();
        DescribeExecutionResponse done = awaitEnd(arn);

        assertThat(done.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(JSON.readTree(done.output()))
                .isEqualTo(JSON.createObjectNode().put("job_id", job).put("status", "empty"));
        assertThat(handler.calls(job, "batch")).isEmpty();
    }

    @Test
    void stopAbortsAndNamesAreUnique() throws Exception {
        String job = "block-1";
        ObjectNode input = input(job, 1, batches(3, -1));
        StartExecutionResponse started = start(job, input);
        String arn = started.executionArn();
        assertThat(handler.blockedEntered.await(30, TimeUnit.SECONDS)).isTrue();

        // Same name and input while it runs: AWS answers with the same execution; other input: refused.
        StartExecutionResponse again = start(job, input);
        assertThat(again.executionArn()).isEqualTo(arn);
        assertThat(again.startDate()).isEqualTo(started.startDate());
        assertThatThrownBy(() -> start(job, input(job, 2, batches(3, -1))))
                .isInstanceOf(ExecutionAlreadyExistsException.class);

        sfn.stopExecution(r -> r.executionArn(arn).error("Aborted").cause("stopped by the test"));
        DescribeExecutionResponse stopped = sfn.describeExecution(r -> r.executionArn(arn));
        assertThat(stopped.status()).isEqualTo(ExecutionStatus.ABORTED);
        assertThat(stopped.error()).isEqualTo("Aborted");
        assertThat(stopped.cause()).isEqualTo("stopped by the test");
        assertThat(stopped.stopDate()).isNotNull();
        assertThat(history(arn).getLast().type()).isEqualTo(HistoryEventType.EXECUTION_ABORTED);
        assertThat(sfn.listExecutions(r -> r.stateMachineArn(machineArn).statusFilter(ExecutionStatus.ABORTED))
                .executions()).anySatisfy(e -> assertThat(e.executionArn()).isEqualTo(arn));

        // A closed execution's name stays taken, whatever the input.
        assertThatThrownBy(() -> start(job, input)).isInstanceOf(ExecutionAlreadyExistsException.class);

        // The batch in flight finishes (Lambda cannot be interrupted), but no queued batch may start after the
        // abort. A whole execution run afterwards gives any such stray invocation ample time to show up.
        handler.release.countDown();
        String later = "after-stop-1";
        assertThat(awaitEnd(start(later, input(later, 1, batches(2, -1))).executionArn()).status())
                .isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(handler.calls(job, "batch")).hasSize(1);
        assertThat(sfn.describeExecution(r -> r.executionArn(arn)).status()).isEqualTo(ExecutionStatus.ABORTED);
    }

    @Test
    void unknownExecutionsAndMalformedArnsAreTheSdksErrors() {
        String missing = machineArn.replace(":stateMachine:", ":execution:") + ":no-such-execution";
        assertThatThrownBy(() -> sfn.describeExecution(r -> r.executionArn(missing)))
                .isInstanceOf(ExecutionDoesNotExistException.class)
                .hasMessageContaining("no-such-execution");
        assertThatThrownBy(() -> sfn.getExecutionHistory(r -> r.executionArn(missing)))
                .isInstanceOf(ExecutionDoesNotExistException.class);
        assertThatThrownBy(() -> sfn.describeExecution(r -> r.executionArn("not-an-arn")))
                .isInstanceOf(InvalidArnException.class);
    }

    // ------------------------------------------------------------------------------------------------------------

    private static ObjectNode input(String job, int maxConcurrency, ArrayNode batches) {
        ObjectNode input = JSON.createObjectNode().put("job_id", job).put("max_concurrency", maxConcurrency);
        input.set("batches", batches);
        return input;
    }

    /** Small batch descriptors, two children each; the one at failIndex (if any) is flagged to fail. */
    private static ArrayNode batches(int count, int failIndex) {
        ArrayNode batches = JSON.createArrayNode();
        for (int i = 0; i < count; i++) {
            ObjectNode b = batches.addObject();
            b.putArray("children").add("c" + (2 * i)).add("c" + (2 * i + 1));
            if (i == failIndex) {
                b.put("fail", true);
            }
        }
        return batches;
    }

    private static StartExecutionResponse start(String name, JsonNode input) {
        return sfn.startExecution(r -> r.stateMachineArn(machineArn).name(name).input(input.toString()));
    }

    private static List<HistoryEvent> history(String arn) {
        return sfn.getExecutionHistoryPaginator(r -> r.executionArn(arn)).events().stream().toList();
    }

    /** Polls DescribeExecution as a client of Step Functions does. */
    static DescribeExecutionResponse awaitEnd(String executionArn) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(executionArn));
            if (d.status() != ExecutionStatus.RUNNING) {
                return d;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("still running after 60 s: " + executionArn);
            }
            Thread.sleep(10);
        }
    }
}
