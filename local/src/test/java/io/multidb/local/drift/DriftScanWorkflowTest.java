package io.multidb.local.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoDriftStore;
import io.multidb.aws.DynamoMigrationStore;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.DatabaseService;
import io.multidb.drift.ChildDrift;
import io.multidb.drift.DriftClass;
import io.multidb.drift.DriftCounts;
import io.multidb.drift.DriftOptions;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftService;
import io.multidb.drift.ScanStatus;
import io.multidb.local.WorkflowEmulators;
import io.multidb.local.lambda.LambdaFunction;
import io.multidb.local.lambda.LambdaInvokeFront;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.WorkflowStarter.ExecutionState;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.tasks.DriftTasks;
import io.multidb.tasks.MigrationTaskHandler;
import io.multidb.tasks.TaskWiring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

/**
 * A drift scan through the REAL statemachines/schema-migration.asl.json run by the local Step Functions service:
 * the first Choice routes the scan's input to the drift states, whose Map compares batches of children through
 * MigrationTaskHandler behind the Lambda Invoke front, with the catalog, the migration and drift stores on dynalite
 * and real SQLite files. The inline threshold is lowered so that 20 children take the workflow path (4 batches).
 */
class DriftScanWorkflowTest {
    private static final String TABLE = "multidb-drift-it";
    private static final String FUNCTION = WorkflowEmulators.FUNCTION;
    private static final String ORG = "drift-it";
    private static final MigrationOptions MIGRATIONS = new MigrationOptions(5, 500, 4, 10, Duration.ofSeconds(20),
            Duration.ofMillis(50), Duration.ofMinutes(2));
    /** Inline up to 5 children, batches of 5: 20 children make 4 Map iterations. */
    private static final DriftOptions DRIFT = new DriftOptions(5, 4, 5, 500, 10, Duration.ofMinutes(2),
            Duration.ofMinutes(15));

    private static DynamoDbClient dynamo;
    private static LambdaInvokeFront lambda;
    private static SfnClient sfn;
    private static SfnWorkflowStarter starter;

    @TempDir
    Path root;

    private static WorkflowEmulators emulators;

    @BeforeAll
    static void startServices() throws Exception {
        emulators = WorkflowEmulators.start(TABLE);
        dynamo = emulators.dynamo();
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

    private void exec(SqliteStore sqlite, String db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void awaitEnd(String name) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (starter.describe(name) == ExecutionState.RUNNING) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("execution " + name + " still running after 5 minutes");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aBigFamilyIsScannedByTheWorkflowAndTheReportNamesExactlyTheDriftedChildren() throws Exception {
        DynamoCatalog catalog = DynamoCatalog.builder().client(dynamo).tableName(TABLE).build();
        DynamoMigrationStore migrationStore = DynamoMigrationStore.builder().client(dynamo).tableName(TABLE).build();
        try (SqliteStore sqlite = new SqliteStore(root, StorageOptions.defaults())) {
            MigrationService migrations = TaskWiring.build(catalog, sqlite, root, migrationStore, starter, MIGRATIONS,
                    UnaryOperator.identity());
            DriftService drift = TaskWiring.drift(catalog, sqlite, migrationStore, new DynamoDriftStore(dynamo, TABLE),
                    starter, DRIFT);
            lambda.register(FUNCTION, new LambdaFunction.Json(new MigrationTaskHandler(migrations, null,
                    new DriftTasks(drift))));

            DatabaseService databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
            databases.createGroup(ORG, "default", "local");
            databases.createDatabase(ORG, new CreateDatabase("app", "default", true, null));
            exec(sqlite, "app", "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
            for (int i = 0; i < 20; i++) {
                databases.createDatabase(ORG, new CreateDatabase(String.format("c%02d", i), "default", false, "app"));
            }
            sqlite.evict("c07");
            Path old = root.resolve("c07.before");
            Files.copy(sqlite.fileOf("c07"), old);

            // A migration through the same file: the Choice's default branch.
            MigrationJob job = migrations.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", 4);
            awaitEnd(job.id());
            assertThat(migrationStore.getJob(ORG, job.id()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);

            exec(sqlite, "c03", "CREATE INDEX t_sneaky ON t(name)");
            exec(sqlite, "c12", "CREATE TABLE scratch(x)");
            sqlite.evict("c07");
            Files.copy(old, sqlite.fileOf("c07"), StandardCopyOption.REPLACE_EXISTING);

            DriftReport started = drift.start(ORG, "app", 3);
            assertThat(started.status()).isEqualTo(ScanStatus.RUNNING);
            awaitEnd(started.scanId());
            DescribeExecutionResponse execution = sfn.describeExecution(b -> b.executionArn(starter.executionArn(started.scanId())));
            assertThat(execution.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(execution.input()).contains("\"kind\":\"drift_scan\"");

            DriftReport report = drift.latest(ORG, "app");
            assertThat(report.scanId()).isEqualTo(started.scanId());
            assertThat(report.status()).isEqualTo(ScanStatus.COMPLETE);
            assertThat(report.batchCount()).isEqualTo(4);
            assertThat(report.counts()).isEqualTo(new DriftCounts(17, 1, 2, 0));
            List<ChildDrift> children = drift.children(report, null, 1000).children();
            assertThat(children).extracting(ChildDrift::database).containsExactly("c03", "c07", "c12");
            assertThat(children).extracting(ChildDrift::status)
                    .containsExactly(DriftClass.DIVERGED, DriftClass.BEHIND, DriftClass.DIVERGED);
            assertThat(children.get(0).details()).containsExactly("extra index t_sneaky on t");
            assertThat(children.get(1).details()).containsExactly(
                    "1 version(s) behind: lacks version 1 (job " + job.id() + ")", "missing column t.note");
            assertThat(children.get(2).details()).containsExactly("extra table scratch");

            List<HistoryEvent> history = sfn.getExecutionHistoryPaginator(b -> b.executionArn(
                    starter.executionArn(started.scanId())).maxResults(1000)).events().stream().toList();
            List<String> entered = history.stream().filter(e -> e.type() == HistoryEventType.TASK_STATE_ENTERED
                            || e.type() == HistoryEventType.MAP_STATE_ENTERED || e.type() == HistoryEventType.CHOICE_STATE_ENTERED)
                    .map(e -> e.stateEnteredEventDetails().name()).distinct().toList();
            assertThat(entered).containsExactly("Migration or drift scan?", "Prepare the drift scan",
                    "Compare the children with the schema database", "Compare one batch", "Write the drift report");
        }
    }
}
