package io.multidb.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.databases.CreateDatabase;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.storage.UndoJournals;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.telemetry.LogCapture;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handler's JSON contract with the state machine: task names, small outputs, error names. */
class MigrationTaskHandlerTest {
    @TempDir
    Path root;

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final InMemoryMigrationStore store = new InMemoryMigrationStore(catalog);
    private SqliteStore sqlite;
    private MigrationService service;
    private MigrationTaskHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        sqlite = new SqliteStore(root, StorageOptions.defaults());
        DatabaseService dbs = new DatabaseService(catalog, sqlite, Clock.systemUTC());
        WorkflowStarter wf = new WorkflowStarter() {
            @Override
            public void start(MigrationJob job) {
            }

            @Override
            public ExecutionState describe(String jobId) {
                return ExecutionState.RUNNING;
            }
        };
        service = new MigrationService(catalog, store, sqlite, new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC()),
                wf, MigrationOptions.defaults(), Clock.systemUTC(), d -> { });
        handler = new MigrationTaskHandler(service, catalog::countChildren);
        dbs.createGroup("acme", "default", "local");
        dbs.createDatabase("acme", new CreateDatabase("app", "default", true, null));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf("app")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(x)");
        }
        dbs.createDatabase("acme", new CreateDatabase("one", "default", false, "app"));
    }

    @AfterEach
    void tearDown() {
        sqlite.close();
    }

    private Map<String, Object> call(String task, String job, Object... more) {
        Map<String, Object> in = new HashMap<>(Map.of("task", task, "org", "acme", "job_id", job));
        for (int i = 0; i < more.length; i += 2) {
            in.put((String) more[i], more[i + 1]);
        }
        return handler.handleRequest(in, null);
    }

    @Test
    void theStepsOfASuccessfulJob() {
        String job = service.start("acme", "app", "ALTER TABLE t ADD COLUMN y", null).id();
        assertThat(call("prepare", job)).containsEntry("batches", List.of(0));
        call("dry_run_parent", job);
        call("dry_run_batch", job, "batch", 0);
        call("apply_batch", job, "batch", 0);
        call("apply_parent", job);
        assertThat(call("finish", job, "outcome", "succeeded")).containsEntry("status", "succeeded");
    }

    @Test
    void aDryRunFailureIsNamedForTheStateMachineAndFinishKeepsItsMessage() {
        String job = service.start("acme", "app", "ALTER TABLE nope ADD COLUMN y", null).id();
        call("prepare", job);
        assertThatThrownBy(() -> call("dry_run_parent", job)).isInstanceOf(DryRunFailed.class)
                .hasMessageContaining("no such table: nope");
        Map<String, Object> error = Map.of("Error", "io.multidb.tasks.DryRunFailed",
                "Cause", "{\"errorMessage\":\"schema database app: no such table: nope\",\"errorType\":\"x\"}");
        assertThat(call("finish", job, "outcome", "failed", "error", error)).containsEntry("status", "failed");
        MigrationJob done = store.getJob("acme", job).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.failedChildren()).extracting(f -> f.database()).containsExactly("app");
        assertThat(done.error()).contains("no such table: nope");
    }

    @Test
    void aStepOfAnEndedJobIsJobNotRunning() {
        String job = service.start("acme", "app", "ALTER TABLE t ADD COLUMN y", null).id();
        call("finish", job, "outcome", "failed");
        assertThatThrownBy(() -> call("prepare", job)).isInstanceOf(JobNotRunning.class);
    }

    @Test
    void everyStepOfASuccessfulJobIsOneEventCorrelatedByJobIdAndTheJobsEndCountsItsChildren() {
        String job = service.start("acme", "app", "ALTER TABLE t ADD COLUMN y", null).id();
        try (LogCapture logs = new LogCapture()) {
            call("prepare", job);
            call("dry_run_parent", job);
            call("dry_run_batch", job, "batch", 0);
            call("apply_batch", job, "batch", 0);
            call("apply_parent", job);
            call("finish", job, "outcome", "succeeded");
            List<JsonNode> events = logs.events("io.multidb.migration");
            assertThat(events).extracting(e -> e.get("message").asText())
                    .containsExactly("task step", "task step", "task step", "task step", "task step", "migration ended", "task step");
            assertThat(events).allSatisfy(e -> assertThat(e.get("job_id").asText()).isEqualTo(job));
            assertThat(events).extracting(e -> e.get("task").asText()).containsExactly("prepare", "dry_run_parent",
                    "dry_run_batch", "apply_batch", "apply_parent", "finish", "finish");
            assertThat(events.get(2).get("batch").asText()).isEqualTo("0");
            assertThat(events.get(0).get("outcome").asText()).isEqualTo("ok");
            assertThat(LogCapture.assertEmf(events.get(0))).containsExactly("TaskDuration", "MigrationsStarted", "Batches");
            assertThat(LogCapture.assertEmf(events.get(3))).containsExactly("TaskDuration");
            JsonNode ended = events.get(5);
            assertThat(ended.get("level").asText()).isEqualTo("INFO");
            assertThat(ended.get("schema_database").asText()).isEqualTo("app");
            assertThat(ended.get("status").asText()).isEqualTo("succeeded");
            assertThat(ended.get("to_version").asLong()).isEqualTo(1);
            assertThat(ended.get("ChildrenMigrated").asInt()).isEqualTo(1);
            assertThat(LogCapture.assertEmf(ended))
                    .containsExactly("MigrationsSucceeded", "JobDuration", "ChildrenMigrated", "MigrationRate");
        }
    }

    @Test
    void aFailedDryRunIsAWarningWithSqlitesTextAndTheJobsEndCountsItByCode() {
        String job = service.start("acme", "app", "ALTER TABLE nope ADD COLUMN y", null).id();
        try (LogCapture logs = new LogCapture()) {
            call("prepare", job);
            assertThatThrownBy(() -> call("dry_run_parent", job)).isInstanceOf(DryRunFailed.class);
            call("finish", job, "outcome", "failed", "error", Map.of("Error", "io.multidb.tasks.DryRunFailed", "Cause", "x"));
            List<JsonNode> events = logs.events("io.multidb.migration");
            JsonNode dryRun = events.get(1);
            assertThat(dryRun.get("level").asText()).isEqualTo("WARN");
            assertThat(dryRun.get("outcome").asText()).isEqualTo("DryRunFailed");
            assertThat(dryRun.get("error").asText()).contains("no such table: nope");
            assertThat(LogCapture.assertEmf(dryRun)).containsExactly("TaskDuration", "TaskFailures");
            JsonNode ended = events.stream().filter(e -> e.get("message").asText().equals("migration ended")).findFirst().orElseThrow();
            assertThat(ended.get("level").asText()).isEqualTo("WARN");
            assertThat(ended.get("status").asText()).isEqualTo("failed");
            assertThat(ended.get("failed_children").get(0).get("database").asText()).isEqualTo("app");
            assertThat(ended.get("failed_children").get(0).get("error").asText()).contains("no such table: nope");
            assertThat(LogCapture.assertEmf(ended)).containsExactly("MigrationsFailed", "JobDuration");
            JsonNode byCode = events.stream().filter(e -> e.get("message").asText().equals("dry-run failures")).findFirst().orElseThrow();
            assertThat(byCode.get("sqlite_code").asText()).isEqualTo("SQLITE_ERROR");
            assertThat(byCode.get("DryRunFailures").asInt()).isEqualTo(1);
            assertThat(LogCapture.assertEmf(byCode)).containsExactly("DryRunFailures");
        }
    }

    @Test
    void quarantineEndsAsAWarningWithItsOwnMetricAndACanaryPauseAnswersTheWorkflowsShapes() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf("one")); Statement s = c.createStatement()) {
            s.execute("INSERT INTO t(x) VALUES ('same'), ('same')");
        }
        io.multidb.migrations.JobPlan quarantine = new io.multidb.migrations.JobPlan(null, null, false,
                io.multidb.migrations.JobPlan.FailurePolicy.QUARANTINE, null);
        String job = service.start("acme", "app", "CREATE UNIQUE INDEX ux ON t(x)", null, quarantine).id();
        try (LogCapture logs = new LogCapture()) {
            Map<String, Object> prepared = call("prepare", job);
            assertThat(prepared).containsEntry("canary", false).containsEntry("canary_batches", List.of())
                    .containsEntry("rest_batches", List.of(0)).containsEntry("pause_after_canary", false);
            call("dry_run_parent", job);
            call("dry_run_batch", job, "batch", 0); // the child's failure is recorded, not thrown
            call("apply_batch", job, "batch", 0);
            call("apply_parent", job);
            assertThat(call("finish", job, "outcome", "succeeded")).containsEntry("status", "succeeded_with_quarantine");
            JsonNode ended = logs.events("io.multidb.migration").stream()
                    .filter(e -> e.get("message").asText().equals("migration ended")).findFirst().orElseThrow();
            assertThat(ended.get("level").asText()).isEqualTo("WARN");
            assertThat(ended.get("failed_children").get(0).get("database").asText()).isEqualTo("one");
            assertThat(LogCapture.assertEmf(ended)).containsExactly("MigrationsQuarantined", "JobDuration");
        }

        io.multidb.migrations.JobPlan paused = new io.multidb.migrations.JobPlan(
                io.multidb.migrations.JobPlan.Canary.first(1), null, true,
                io.multidb.migrations.JobPlan.FailurePolicy.ROLLBACK_ALL, null);
        String next = service.start("acme", "app", "ALTER TABLE t ADD COLUMN y", null, paused).id();
        Map<String, Object> prepared = call("prepare", next);
        // The only child is behind (later jobs skip it): the canary has no child, so there is nothing to pause after.
        assertThat(prepared).containsEntry("canary", false).containsEntry("canary_batches", List.of())
                .containsEntry("pause_after_canary", false);
        assertThat(prepared.get("batches")).isEqualTo(List.of());
    }
}
