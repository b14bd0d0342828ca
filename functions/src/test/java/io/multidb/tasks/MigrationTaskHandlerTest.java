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
        handler = new MigrationTaskHandler(service);
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
}
