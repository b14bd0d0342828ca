package io.multidb.aws;

import io.multidb.testing.Race;
import io.multidb.testing.Race.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseService;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.storage.UndoJournals;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child creates racing a migration's start, on dynalite and real SQLite files, through the real use cases
 * (DatabaseService.createDatabase; MigrationService.start then prepare, as the workflow's first step runs it).
 * The promise: a child is either refused, or it is ready and has a task in the job. A child whose create read the
 * parent before the lock and is still "creating" when the job lists the family must not be missed: its file is a
 * copy of the old schema, and it would stay behind forever.
 */
class DynamoMigrationRaceTest {
    private static final int ROUNDS = 15;
    private static final int CHILDREN = 3;
    private static LocalDynamo dynamo;
    private static ExecutorService pool;

    @TempDir
    static Path root;

    private static DatabaseService databases;
    private static MigrationService migrations;
    private static DynamoMigrationStore store;
    private static DynamoCatalog catalog;
    private static SqliteStore sqlite;

    @BeforeAll
    static void start() {
        dynamo = LocalDynamo.start();
        pool = Executors.newFixedThreadPool(CHILDREN + 1);
        catalog = dynamo.catalog(Clock.systemUTC(), DynamoCatalog.DEFAULT_LEASE);
        store = DynamoMigrationStore.builder().client(dynamo.client).tableName(LocalDynamo.TABLE).build();
        sqlite = new SqliteStore(root, StorageOptions.defaults());
        databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
        WorkflowStarter workflows = new WorkflowStarter() {
            @Override
            public void start(MigrationJob job) {
                // the test runs prepare itself
            }

            @Override
            public ExecutionState describe(String jobId) {
                return ExecutionState.RUNNING;
            }
        };
        MigrationOptions options = new MigrationOptions(25, 500, 2, 10, Duration.ofSeconds(30), Duration.ofMillis(5),
                Duration.ofMinutes(2));
        migrations = new MigrationService(catalog, store, sqlite, new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC()),
                workflows, options, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        sqlite.close();
        dynamo.close();
    }

    @Test
    void aChildCreateRacingTheLockIsRefusedOrMigratedNeverMissed() throws Exception {
        int refused = 0;
        int included = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String org = "lockrace" + round;
            String parent = "p" + round;
            databases.createGroup(org, "g", "local");
            databases.createDatabase(org, new CreateDatabase(parent, "g", true, null));
            List<String> children = new ArrayList<>();
            List<Callable<Object>> racers = new ArrayList<>();
            for (int i = 0; i < CHILDREN; i++) {
                String child = "k" + round + "-" + i;
                children.add(child);
                racers.add(() -> databases.createDatabase(org, new CreateDatabase(child, "g", false, parent)));
            }
            racers.add(() -> {
                MigrationJob job = migrations.start(org, parent, "ALTER TABLE x ADD COLUMN y", 1);
                migrations.prepare(org, job.id());
                return job;
            });

            List<Outcome> outcomes = race(racers);

            Outcome migration = outcomes.getLast();
            assertThat(migration.ok()).as("round %d: %s", round, migration.error()).isTrue();
            MigrationJob job = (MigrationJob) migration.value();
            assertThat(store.lockHolder(org, parent)).contains(job.id());
            for (int i = 0; i < CHILDREN; i++) {
                String child = children.get(i);
                Outcome create = outcomes.get(i);
                if (create.ok()) {
                    included++;
                    assertThat(catalog.getDatabase(org, child)).as("round %d: %s", round, child).isPresent();
                    assertThat(tasksOf(job.id())).as("round %d: task of ready child %s", round, child).contains(child);
                } else {
                    refused++;
                    assertThat(create.error()).as("round %d", round).isInstanceOfSatisfying(MultidbException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
                    assertThat(catalog.getDatabase(org, child)).isEmpty();
                    assertThat(tasksOf(job.id())).doesNotContain(child);
                    assertThat(sqlite.exists(child)).isFalse();
                }
            }
            // Nothing else joined the family: the job's children are exactly the ready ones.
            assertThat(catalog.countChildren(org, parent)).isEqualTo(catalog.listChildren(org, parent).size());
            List<String> listed = tasksOf(job.id());
            assertThat(listed).containsExactlyInAnyOrderElementsOf(
                    catalog.listChildren(org, parent).stream().map(Database::name).toList());
        }
        System.out.printf("child creates vs migration lock: %d created and migrated, %d refused%n", included, refused);
    }

    /**
     * Released together after a random stagger each. A child create takes a few round trips more than a start
     * does before it reads the parent, so the start (last) gets a longer stagger to land in the middle.
     */
    private static List<Outcome> race(List<Callable<Object>> tasks) throws Exception {
        int last = tasks.size() - 1;
        return Race.run(pool, tasks, i -> i == last ? 30_000_000 : 4_000_000, Duration.ofSeconds(120));
    }

    /** The children a prepared job holds, from its batch records. */
    private List<String> tasksOf(String jobId) {
        List<String> out = new ArrayList<>();
        store.listBatches(jobId, null, 1000).items().stream().filter(b -> !b.isParentBatch())
                .forEach(b -> b.tasks().forEach(t -> out.add(t.database())));
        return out;
    }
}
