package io.multidb.local.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoMigrationStore;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.DatabaseService;
import io.multidb.local.WorkflowEmulators;
import io.multidb.local.lambda.LambdaFunction;
import io.multidb.local.lambda.LambdaInvokeFront;
import io.multidb.migrations.ChildFailure;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.FaultyMigrator;
import java.util.function.UnaryOperator;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.TaskStatus;
import io.multidb.migrations.WorkflowStarter.ExecutionState;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.tasks.MigrationTaskHandler;
import io.multidb.tasks.TaskWiring;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

/**
 * Schema migrations end to end in the local runtime's pieces: the REAL statemachines/schema-migration.asl.json run
 * by the local Step Functions service (aws-local-stepfunctions under Node 22), its Task states invoking
 * MigrationTaskHandler behind the Lambda Invoke front, the catalog and the migration store on dynalite, real
 * SQLite files, children created through DatabaseService, and every migration started through
 * MigrationService.start, which starts the execution with SfnWorkflowStarter (the AWS SDK's SfnClient).
 *
 * <p>Every test ends with the family invariant: every database at the parent's schema version (catalog and file),
 * rows intact, the lock released, the copies gone.
 */
class SchemaMigrationWorkflowTest {
    private static final String TABLE = "multidb-it";
    private static final String FUNCTION = WorkflowEmulators.FUNCTION;
    private static final int CHILDREN = 20;
    /** Batches of 5, so that 20 children make 4 Map iterations; 4 databases at once inside a batch. */
    private static final MigrationOptions OPTIONS = new MigrationOptions(5, 500, 4, 10, Duration.ofSeconds(20),
            Duration.ofMillis(50), Duration.ofMinutes(2));
    private static final AtomicInteger ORGS = new AtomicInteger();

    private static DynamoDbClient dynamo;
    private static DynamoCatalog catalog;
    private static DynamoMigrationStore store;
    private static LambdaInvokeFront lambda;
    private static SfnClient sfn;
    private static SfnWorkflowStarter starter;

    @TempDir
    Path root;

    private String org;
    private SqliteStore sqlite;
    private DatabaseService databases;

    private static WorkflowEmulators emulators;

    @BeforeAll
    static void startServices() throws Exception {
        emulators = WorkflowEmulators.start(TABLE);
        dynamo = emulators.dynamo();
        catalog = DynamoCatalog.builder().client(dynamo).tableName(TABLE).build();
        store = DynamoMigrationStore.builder().client(dynamo).tableName(TABLE).build();
        lambda = emulators.lambda();
        sfn = emulators.sfn();
        starter = emulators.starter();
    }

    @AfterAll
    static void stopServices() {
        if (emulators != null) {
            emulators.close();
        }
    }

    @BeforeEach
    void newFamilyHome() {
        org = "it" + ORGS.incrementAndGet();
        sqlite = new SqliteStore(root, StorageOptions.defaults());
        databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
    }

    @AfterEach
    void closeFiles() {
        sqlite.close();
    }

    /** The migration use cases over the shared instances, with the task function serving them (as the local runtime does). */
    private MigrationService migrations(UnaryOperator<DatabaseMigrator> faults) {
        MigrationService service = TaskWiring.build(catalog, sqlite, root, store, starter, OPTIONS, faults);
        current = service;
        lambda.register(FUNCTION, new LambdaFunction.Json(new MigrationTaskHandler(service)));
        return service;
    }

    // ------------------------------------------------------------------------------------------------ the family

    /** A parent with table t(id, name, email) and {@value #CHILDREN} children; child i holds i+1 rows of its own. */
    private List<String> family() throws Exception {
        databases.createGroup(org, "default", "local");
        databases.createDatabase(org, new CreateDatabase("app", "default", true, null));
        exec("app", "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)");
        exec("app", "INSERT INTO t(name, email) VALUES ('template', 'template@x')");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            String name = String.format("c%02d", i);
            databases.createDatabase(org, new CreateDatabase(name, "default", false, "app"));
            for (int r = 0; r <= i; r++) {
                exec(name, "INSERT INTO t(name, email) VALUES ('" + name + "-" + r + "', '" + name + "-" + r + "@x')");
            }
            names.add(name);
        }
        return names;
    }

    private void exec(String db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private List<String> rows(String db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, name, email FROM t ORDER BY id")) {
            while (r.next()) {
                out.add(r.getLong(1) + "|" + r.getString(2) + "|" + r.getString(3));
            }
        }
        return out;
    }

    /** The schema and every row of t: what must be identical after a migration that changed nothing. */
    private String snapshot(String db) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT type, name, sql FROM sqlite_schema ORDER BY name")) {
            while (r.next()) {
                b.append(r.getString(1)).append(' ').append(r.getString(2)).append(": ").append(r.getString(3)).append('\n');
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM t ORDER BY id")) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                for (int i = 1; i <= columns; i++) {
                    b.append(r.getString(i)).append('|');
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    /** Rows of _multidb_schema for the job: 1 once applied, 0 before (or after a restore). */
    private int versionRows(String db, String jobId) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name = '_multidb_schema'")) {
                r.next();
                if (r.getInt(1) == 0) {
                    return 0;
                }
            }
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM _multidb_schema WHERE job_id = '" + jobId + "'")) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** The version the API reports (a child's follows its family's). */
    private MigrationService current;

    private io.multidb.migrations.MigrationTask task(String jobId, String db) {
        return current.progress(jobId, null, 1000).items().stream().filter(t -> t.database().equals(db)).findFirst()
                .orElseThrow();
    }

    private long catalogVersion(String db) {
        return current.withVersion(org, catalog.getDatabase(org, db).orElseThrow()).schemaVersion();
    }

    private void assertFamilyAt(List<String> children, long version, String jobId) throws SQLException {
        List<String> all = new ArrayList<>(children);
        all.add("app");
        for (String db : all) {
            assertThat(catalogVersion(db)).as("catalog version of %s", db).isEqualTo(version);
            assertThat(versionRows(db, jobId)).as("version row of %s", db).isEqualTo(version == 0 ? 0 : 1);
        }
        assertThat(store.lockHolder(org, "app")).isEmpty();
        assertThat(catalog.getDatabase(org, "app").orElseThrow().migrationJob()).isNull();
        assertThat(io.multidb.migrations.UndoLeftovers.in(root)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ running

    /** Waits for the execution to end (the job is final before its last state exits) and returns the job. */
    private DescribeExecutionResponse awaitExecution(MigrationJob job) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (starter.describe(job.id()) == ExecutionState.RUNNING) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("migration " + job.id() + " still running after 5 minutes");
            }
            Thread.sleep(20); // the engine has nothing to wait on: look again shortly
        }
        return sfn.describeExecution(b -> b.executionArn(starter.executionArn(job.id())));
    }

    private MigrationJob job(MigrationJob started) {
        return store.getJob(org, started.id()).orElseThrow();
    }

    private List<HistoryEvent> history(MigrationJob job) {
        return sfn.getExecutionHistoryPaginator(b -> b.executionArn(starter.executionArn(job.id())).maxResults(1000))
                .events().stream().toList();
    }

    private List<MigrationTask> tasks(MigrationService m, MigrationJob job) {
        return m.progress(job.id(), null, 1000).items();
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void twentyChildrenGetTheColumnAndTheIndexWithTheirRowsIntact() throws Exception {
        MigrationService m = migrations(UnaryOperator.identity());
        List<String> children = family();
        List<List<String>> before = new ArrayList<>();
        for (String c : children) {
            before.add(rows(c));
        }

        long t0 = System.nanoTime();
        MigrationJob started = m.start(org, "app", "ALTER TABLE t ADD COLUMN note TEXT; CREATE INDEX t_name ON t(name);", 4);
        DescribeExecutionResponse execution = awaitExecution(started);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("20-child migration through the local Step Functions (4 batches of 5, max_concurrency 4,"
                + " 4 databases at once per batch): %d ms from MigrationService.start to the execution's end%n", millis);

        MigrationJob done = job(started);
        assertThat(execution.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(execution.name()).isEqualTo(started.id());
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.batchCount()).isEqualTo(4);
        assertThat(done.finishedAt()).isNotNull();
        assertFamilyAt(children, 1, started.id());
        for (int i = 0; i < children.size(); i++) {
            String c = children.get(i);
            assertThat(snapshot(c)).as(c).contains("note TEXT").contains("index t_name");
            assertThat(rows(c)).as(c).isEqualTo(before.get(i)).hasSize(i + 2); // the parent's row and its own
        }
        assertThat(snapshot("app")).contains("note TEXT").contains("index t_name");
        assertThat(tasks(m, started)).hasSize(CHILDREN + 1)
                .allSatisfy(t -> {
                    assertThat(t.status()).isEqualTo(TaskStatus.APPLIED);
                    assertThat(t.schemaVersion()).isEqualTo(1);
                });
        // One Map iteration per batch in each of the two Maps that ran.
        assertThat(history(started)).filteredOn(e -> e.type() == HistoryEventType.MAP_ITERATION_SUCCEEDED).hasSize(8);
    }

    @Test
    void aChildWhoseDataBreaksTheMigrationChangesNothingAndIsNamedWithSqlitesError() throws Exception {
        MigrationService m = migrations(UnaryOperator.identity());
        List<String> children = family();
        exec("c07", "INSERT INTO t(name, email) VALUES ('dup', 'c07-0@x')");
        List<String> before = new ArrayList<>();
        for (String c : children) {
            before.add(snapshot(c));
        }
        String parentBefore = snapshot("app");

        MigrationJob started = m.start(org, "app", "CREATE UNIQUE INDEX t_email ON t(email)", 2);
        DescribeExecutionResponse execution = awaitExecution(started);

        MigrationJob done = job(started);
        assertThat(execution.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(execution.error()).isEqualTo("MigrationNotApplied");
        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.failedChildren()).singleElement().satisfies(f -> {
            assertThat(f.database()).isEqualTo("c07");
            assertThat(f.error()).contains("UNIQUE constraint failed: t.email");
        });
        assertThat(done.error()).contains("c07").contains("UNIQUE constraint failed: t.email").contains("nothing was changed");
        assertThat(task(started.id(), "c07").status()).isEqualTo(TaskStatus.DRY_RUN_FAILED);
        assertThat(tasks(m, started)).noneMatch(t -> t.status() == TaskStatus.APPLIED || t.status() == TaskStatus.RESTORED);
        assertFamilyAt(children, 0, started.id());
        for (int i = 0; i < children.size(); i++) {
            assertThat(snapshot(children.get(i))).as(children.get(i)).isEqualTo(before.get(i));
        }
        assertThat(snapshot("app")).isEqualTo(parentBefore);
    }

    @Test
    void anApplyFailureAfterTheDryRunRestoresTheChangedChildrenAndLeavesTheParentUntouched() throws Exception {
        MigrationService m = migrations(FaultyMigrator.failApplyOf("c17"));
        List<String> children = family();
        List<String> before = new ArrayList<>();
        for (String c : children) {
            before.add(snapshot(c));
        }
        String parentBefore = snapshot("app");

        // One batch at a time: batches 0-2 (c00..c14) are applied before c17's batch fails.
        MigrationJob started = m.start(org, "app",
                "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x'; UPDATE t SET name = 'changed'", 1);
        DescribeExecutionResponse execution = awaitExecution(started);

        MigrationJob done = job(started);
        assertThat(execution.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(done.status()).isEqualTo(JobStatus.ROLLED_BACK);
        assertThat(done.failedChildren()).extracting(ChildFailure::database).containsExactly("c17");
        assertThat(done.error()).contains("c17").contains("injected failure");
        List<String> restored = tasks(m, started).stream().filter(t -> t.status() == TaskStatus.RESTORED)
                .map(MigrationTask::database).toList();
        assertThat(restored).containsAll(children.subList(0, 15));
        assertThat(task(started.id(), "app").status()).isEqualTo(TaskStatus.DRY_RUN_OK);
        assertFamilyAt(children, 0, started.id());
        for (int i = 0; i < children.size(); i++) {
            assertThat(snapshot(children.get(i))).as(children.get(i)).isEqualTo(before.get(i));
        }
        assertThat(snapshot("app")).isEqualTo(parentBefore);
        // The workflow went through the restore Map, one iteration per batch.
        assertThat(history(started)).filteredOn(e -> e.type() == HistoryEventType.TASK_STATE_ENTERED)
                .extracting(e -> e.stateEnteredEventDetails().name())
                .filteredOn("Restore one batch"::equals).hasSize(4);
    }

    @Test
    void anApplyThatCrashesAfterItsCommitIsRetriedAndAppliedOnce() throws Exception {
        MigrationService m = migrations(FaultyMigrator.crashAfterCommitOf("c03"));
        List<String> children = family();

        MigrationJob started = m.start(org, "app",
                "ALTER TABLE t ADD COLUMN note TEXT; INSERT INTO t(name, email) VALUES ('seed', 'seed@x')", 4);
        DescribeExecutionResponse execution = awaitExecution(started);

        MigrationJob done = job(started);
        assertThat(execution.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        // The crash reached the workflow as the handler's exception, and the ASL's Retry ran the batch again.
        assertThat(history(started)).filteredOn(e -> e.type() == HistoryEventType.LAMBDA_FUNCTION_FAILED)
                .singleElement()
                .satisfies(e -> assertThat(e.lambdaFunctionFailedEventDetails().error())
                        .isEqualTo("io.multidb.tasks.TransientTaskFailure"));
        assertFamilyAt(children, 1, started.id());
        for (int i = 0; i < children.size(); i++) {
            String c = children.get(i);
            assertThat(rows(c)).as(c).filteredOn(r -> r.contains("|seed|")).hasSize(1);
            assertThat(rows(c)).as(c).hasSize(i + 3);
        }
        assertThat(rows("app")).filteredOn(r -> r.contains("|seed|")).hasSize(1);
    }
}
