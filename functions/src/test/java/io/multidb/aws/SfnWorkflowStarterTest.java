package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.emulators.StepFunctionsLocal;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.WorkflowStarter.ExecutionState;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;

/**
 * The Step Functions starter against the local Step Functions service (the real server.mjs under Node 22) running
 * tiny test workflows, through the SDK's SfnClient as in AWS.
 */
class SfnWorkflowStarterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static StepFunctionsLocal sfnLocal;
    private static SfnClient sfn;
    private static SfnWorkflowStarter starter;

    @BeforeAll
    static void start() throws Exception {
        sfnLocal = StepFunctionsLocal.builder()
                .stateMachine("starter-test", resource("starter-test.asl.json"))
                .stateMachine("starter-timeout", resource("starter-timeout.asl.json"))
                .start();
        sfn = SfnWorkflowStarter.createClient(sfnLocal.endpoint(), Region.of(sfnLocal.region()));
        starter = SfnWorkflowStarter.builder().client(sfn).stateMachineArn(sfnLocal.stateMachineArn("starter-test")).build();
    }

    @AfterAll
    static void stop() {
        if (sfn != null) {
            sfn.close();
        }
        if (sfnLocal != null) {
            sfnLocal.close();
        }
    }

    private static Path resource(String name) throws Exception {
        return Path.of(SfnWorkflowStarterTest.class.getResource(name).toURI());
    }

    /** max_concurrency picks the test workflow's ending: 1 succeeds, 2 fails, 3 waits until stopped. */
    private static MigrationJob job(int ending) {
        return new MigrationJob(UUID.randomUUID().toString(), "acme", "app", "SELECT 1", io.multidb.migrations.MigrationSql.parse("SELECT 1"), JobStatus.PENDING, 0, 1, null,
                Instant.now(), null, ending, 0, List.of(), false);
    }

    private static ExecutionState awaitEnd(SfnWorkflowStarter starter, String jobId) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            ExecutionState state = starter.describe(jobId);
            if (state != ExecutionState.RUNNING) {
                return state;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("still running after 60 s: " + jobId);
            }
            Thread.sleep(20); // the service has no way to wait for an end: look again shortly
        }
    }

    @Test
    void startsAnExecutionNamedAfterTheJobWithThePortsInput() throws Exception {
        MigrationJob job = job(1);

        starter.start(job);

        assertThat(awaitEnd(starter, job.id())).isEqualTo(ExecutionState.SUCCEEDED);
        DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(starter.executionArn(job.id())));
        assertThat(d.name()).isEqualTo(job.id());
        assertThat(d.stateMachineArn()).isEqualTo(sfnLocal.stateMachineArn("starter-test"));
        assertThat(JSON.readTree(d.input())).isEqualTo(JSON.createObjectNode()
                .put("org", "acme").put("job_id", job.id()).put("max_concurrency", 1));
    }

    @Test
    void describeReportsEachWayAnExecutionEnds() throws Exception {
        MigrationJob failing = job(2);
        MigrationJob held = job(3);
        starter.start(failing);
        starter.start(held);

        assertThat(awaitEnd(starter, failing.id())).isEqualTo(ExecutionState.FAILED);
        assertThat(starter.describe(held.id())).isEqualTo(ExecutionState.RUNNING);
        sfn.stopExecution(b -> b.executionArn(starter.executionArn(held.id())));
        assertThat(starter.describe(held.id())).isEqualTo(ExecutionState.ABORTED);
        assertThat(starter.describe(UUID.randomUUID().toString())).isEqualTo(ExecutionState.NOT_FOUND);

        try (SfnWorkflowStarter timing = SfnWorkflowStarter.builder().client(sfn)
                .stateMachineArn(sfnLocal.stateMachineArn("starter-timeout")).build()) {
            MigrationJob slow = job(1);
            timing.start(slow);
            assertThat(awaitEnd(timing, slow.id())).isEqualTo(ExecutionState.TIMED_OUT);
        }
    }

    @Test
    void aDuplicatedStartRunsOnceAndAnotherInputUnderTheSameNameIsAConflict() throws Exception {
        MigrationJob held = job(3);
        starter.start(held);
        starter.start(held); // the same start again (a retried request): the same execution

        MigrationJob other = new MigrationJob(held.id(), "acme", "app", "SELECT 1", io.multidb.migrations.MigrationSql.parse("SELECT 1"), JobStatus.PENDING, 0, 1, null,
                held.createdAt(), null, 1, 0, List.of(), false);
        assertThatThrownBy(() -> starter.start(other)).isInstanceOfSatisfying(MultidbException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
            assertThat(e.getMessage()).contains(held.id());
        });
        String arn = starter.executionArn(held.id());
        assertThat(sfn.listExecutionsPaginator(b -> b.stateMachineArn(starter.stateMachineArn())).executions().stream()
                .filter(e -> e.executionArn().equals(arn))).hasSize(1);

        sfn.stopExecution(b -> b.executionArn(arn));
        starter.start(held); // ended, same input: it was this job's start, nothing more to do
        assertThat(starter.describe(held.id())).isEqualTo(ExecutionState.ABORTED);
    }

    @Test
    void aMissingStateMachineOrEngineIsUnavailable() {
        try (SfnWorkflowStarter missing = SfnWorkflowStarter.builder().client(sfn)
                .stateMachineArn(sfnLocal.stateMachineArn("no-such-workflow")).build()) {
            assertThatThrownBy(() -> missing.start(job(1))).isInstanceOfSatisfying(MultidbException.class, e -> {
                assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                assertThat(e.getMessage()).contains("no-such-workflow", "MULTIDB_STATE_MACHINE_ARN");
            });
        }
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        try (SfnWorkflowStarter down = SfnWorkflowStarter.builder().endpoint(URI.create("http://127.0.0.1:1"))
                .region(Region.US_EAST_1).stateMachineArn(sfnLocal.stateMachineArn("starter-test")).build()) {
            assertThatThrownBy(() -> down.start(job(1))).isInstanceOfSatisfying(MultidbException.class,
                    e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
            assertThatThrownBy(() -> down.describe(UUID.randomUUID().toString()))
                    .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
        }
    }

    @Test
    void theStateMachineArnIsChecked() {
        assertThatThrownBy(() -> SfnWorkflowStarter.builder().client(sfn).stateMachineArn("schema-migration").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(starter.executionArn("abc-123"))
                .isEqualTo(sfnLocal.stateMachineArn("starter-test").replace(":stateMachine:", ":execution:") + ":abc-123");
    }
}
