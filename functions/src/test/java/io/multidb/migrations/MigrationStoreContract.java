package io.multidb.migrations;

import io.multidb.testing.Race;
import java.util.concurrent.Callable;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.Group;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MigrationStore} promises, run against the in-memory fake and the DynamoDB adapter alike, so
 * that the fake the use-case tests rely on behaves as the real store does. Each test works in an organization of
 * its own. The lock is checked where the port says it lives: on the schema database's catalog record.
 */
public abstract class MigrationStoreContract {
    private static final AtomicInteger ORGS = new AtomicInteger();
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123456789Z");

    protected String org;

    /** The catalog the store keeps its lock and versions in. */
    protected abstract Catalog catalog();

    protected abstract MigrationStore store();

    @BeforeEach
    void newOrganization() {
        org = "contract-" + ORGS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        catalog().createGroup(org, new Group("g", "local", T0));
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    protected Database createReady(String name, DatabaseKind kind, String parent) {
        Database db = new Database(name, UUID.randomUUID().toString(), "g", kind, parent, T0, 0, false, null);
        return catalog().finishCreate(org, catalog().beginCreate(org, db));
    }

    protected Database schema(String name) {
        return createReady(name, DatabaseKind.SCHEMA, null);
    }

    protected static MigrationJob job(String org, String schemaDb, Instant created) {
        return new MigrationJob(UUID.randomUUID().toString(), org, schemaDb, "ALTER TABLE t ADD COLUMN c TEXT",
                JobStatus.PENDING, 3, 4, null, created, null, 10, 0, List.of(), false);
    }

    protected static MigrationTask task(String jobId, String db, int batch) {
        return new MigrationTask(jobId, db, batch, TaskStatus.PENDING, null, 3);
    }

    private static List<String> names(List<MigrationTask> tasks) {
        return tasks.stream().map(MigrationTask::database).toList();
    }

    // ------------------------------------------------------------------------------------------------ jobs

    @Test
    void aJobReadsBackAsWrittenAndItsIdIsTakenOnce() {
        schema("app");
        MigrationJob job = job(org, "app", T0);
        store().createJob(job);

        assertThat(store().getJob(org, job.id())).contains(job);
        assertThat(store().getJob(org, UUID.randomUUID().toString())).isEmpty();
        assertThat(store().getJob("elsewhere", job.id())).isEmpty();
        assertThatThrownBy(() -> store().createJob(job.withStatus(JobStatus.FAILED)))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(store().getJob(org, job.id())).contains(job);
    }

    @Test
    void everyFieldOfAFinishedJobSurvivesTheRoundTrip() {
        schema("app");
        MigrationJob job = job(org, "app", T0);
        store().createJob(job);
        MigrationJob done = job.withBatchCount(7).withAbortRequested().finished(JobStatus.ROLLED_BACK,
                "2 databases failed: c1: UNIQUE constraint failed: t.email; c2: no such table: u",
                List.of(new ChildFailure("c1", "UNIQUE constraint failed: t.email"),
                        new ChildFailure("c2", "no such table: u")),
                T0.plusSeconds(42));

        assertThat(store().updateJob(done, JobStatus.RUNNING)).isTrue();

        assertThat(store().getJob(org, job.id())).contains(done);
    }

    @Test
    void anUpdateHappensOnlyFromAnExpectedStatus() {
        schema("app");
        MigrationJob job = job(org, "app", T0);
        store().createJob(job);
        MigrationJob running = job.withStatus(JobStatus.DRY_RUNNING).withBatchCount(2);

        assertThat(store().updateJob(running, EnumSet.of(JobStatus.APPLYING, JobStatus.ROLLING_BACK))).isFalse();
        assertThat(store().getJob(org, job.id())).contains(job);
        assertThat(store().updateJob(running, EnumSet.noneOf(JobStatus.class))).isFalse();
        assertThat(store().updateJob(running, EnumSet.of(JobStatus.APPLYING, JobStatus.PENDING))).isTrue();
        assertThat(store().getJob(org, job.id())).contains(running);
        // Two steps racing from the same status: the second sees the first's write and does nothing.
        assertThat(store().updateJob(running.withStatus(JobStatus.APPLYING), EnumSet.of(JobStatus.PENDING))).isFalse();
        MigrationJob unknown = job(org, "app", T0);
        assertThat(store().updateJob(unknown, JobStatus.RUNNING)).isFalse();
        assertThat(store().getJob(org, unknown.id())).isEmpty();
    }

    @Test
    void jobsAreListedPerSchemaDatabaseNewestFirst() {
        schema("app");
        schema("other");
        MigrationJob first = job(org, "app", T0);
        MigrationJob second = job(org, "app", T0.plusMillis(1));
        MigrationJob third = job(org, "app", T0.plusSeconds(3600));
        MigrationJob elsewhere = job(org, "other", T0.plusSeconds(1));
        for (MigrationJob j : List.of(second, elsewhere, third, first)) {
            store().createJob(j);
        }
        MigrationJob thirdDone = third.finished(JobStatus.SUCCEEDED, null, List.of(), T0.plusSeconds(3700));
        store().updateJob(thirdDone, JobStatus.RUNNING);

        assertThat(store().listJobs(org, "app")).containsExactly(thirdDone, second, first);
        assertThat(store().listJobs(org, "other")).containsExactly(elsewhere);
        assertThat(store().listJobs(org, "nothing-here")).isEmpty();
    }

    @Test
    void aDeletedJobIsGoneFromReadsAndListings() {
        schema("app");
        MigrationJob kept = job(org, "app", T0);
        MigrationJob lost = job(org, "app", T0.plusSeconds(1));
        store().createJob(kept);
        store().createJob(lost);

        store().deleteJob(org, lost.id());
        store().deleteJob(org, lost.id()); // again: nothing to do
        store().deleteJob(org, UUID.randomUUID().toString());

        assertThat(store().getJob(org, lost.id())).isEmpty();
        assertThat(store().listJobs(org, "app")).containsExactly(kept);
    }

    // ------------------------------------------------------------------------------------------------ lock

    @Test
    void theLockIsHeldByOneJobAtATimeOnTheSchemaDatabasesRecord() {
        schema("app");
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();

        assertThat(store().lockHolder(org, "app")).isEmpty();
        assertThat(store().lockFamily(org, "app", a)).isTrue();
        assertThat(store().lockFamily(org, "app", b)).isFalse();
        assertThat(store().lockFamily(org, "app", a)).isFalse();
        assertThat(store().lockHolder(org, "app")).contains(a);
        assertThat(catalog().getDatabase(org, "app").orElseThrow().migrationJob()).isEqualTo(a);

        assertThat(store().unlockFamily(org, "app", b)).isFalse();
        assertThat(store().lockHolder(org, "app")).contains(a);
        assertThat(store().unlockFamily(org, "app", a)).isTrue();
        assertThat(store().unlockFamily(org, "app", a)).isFalse();
        assertThat(store().lockHolder(org, "app")).isEmpty();
        assertThat(catalog().getDatabase(org, "app").orElseThrow().migrationJob()).isNull();
        assertThat(store().lockFamily(org, "app", b)).isTrue();
        assertThat(store().lockHolder(org, "app")).contains(b);
    }

    @Test
    void onlyAnExistingReadyDatabaseCanBeLocked() {
        assertThat(store().lockFamily(org, "missing", UUID.randomUUID().toString())).isFalse();
        assertThat(store().lockHolder(org, "missing")).isEmpty();
        Database claimed = new Database("half", UUID.randomUUID().toString(), "g", DatabaseKind.SCHEMA, null, T0, 0,
                false, null);
        catalog().beginCreate(org, claimed);
        assertThat(store().lockFamily(org, "half", UUID.randomUUID().toString())).isFalse();
        assertThat(store().unlockFamily(org, "missing", UUID.randomUUID().toString())).isFalse();
    }

    @Test
    void aLockedFamilyTakesNoNewChild() {
        schema("app");
        String job = UUID.randomUUID().toString();
        store().lockFamily(org, "app", job);
        Database child = new Database("kid", UUID.randomUUID().toString(), "g", DatabaseKind.CHILD, "app", T0, 0,
                false, null);

        assertThatThrownBy(() -> catalog().beginCreate(org, child))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(catalog().countChildren(org, "app")).isZero();

        store().unlockFamily(org, "app", job);
        catalog().finishCreate(org, catalog().beginCreate(org, child));
        assertThat(catalog().listChildren(org, "app")).extracting(Database::name).containsExactly("kid");
    }

    @Test
    void racingLocksHaveExactlyOneWinner() throws Exception {
        int rounds = 10;
        int racers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < rounds; round++) {
                String name = "race-" + round;
                schema(name);
                List<String> jobs = IntStream.range(0, racers).mapToObj(i -> UUID.randomUUID().toString()).toList();
                List<Callable<Object>> tasks = jobs.stream()
                        .<Callable<Object>>map(j -> () -> store().lockFamily(org, name, j)).toList();
                List<Race.Outcome> outcomes = Race.run(pool, tasks, i -> 1, Duration.ofSeconds(60));
                List<String> winners = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    if (Boolean.TRUE.equals(outcomes.get(i).value())) {
                        winners.add(jobs.get(i));
                    }
                    assertThat(outcomes.get(i).error()).as("round %d racer %d", round, i).isNull();
                }
                assertThat(winners).as("round %d", round).hasSize(1);
                assertThat(store().lockHolder(org, name)).contains(winners.getFirst());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void schemaVersionsAreKeptOnTheCatalogRecords() {
        schema("app");
        createReady("kid", DatabaseKind.CHILD, "app");

        store().setSchemaVersion(org, "kid", 5);
        store().setSchemaVersion(org, "app", 4);
        store().setSchemaVersion(org, "missing", 9); // nothing to record: not an error

        assertThat(catalog().getDatabase(org, "kid").orElseThrow().schemaVersion()).isEqualTo(5);
        assertThat(catalog().getDatabase(org, "app").orElseThrow().schemaVersion()).isEqualTo(4);
        assertThat(catalog().getDatabase(org, "missing")).isEmpty();
        // The version does not touch the lock, nor the lock the version.
        String job = UUID.randomUUID().toString();
        store().lockFamily(org, "app", job);
        store().setSchemaVersion(org, "app", 6);
        Database app = catalog().getDatabase(org, "app").orElseThrow();
        assertThat(app.schemaVersion()).isEqualTo(6);
        assertThat(app.migrationJob()).isEqualTo(job);
    }

    // ------------------------------------------------------------------------------------------------ tasks

    @Test
    void aTaskReadsBackAsWrittenAndIsReplacedByTheNextPut() {
        String jobId = UUID.randomUUID().toString();
        MigrationTask t = task(jobId, "c1", 0);
        store().putTask(t);
        assertThat(store().getTask(jobId, "c1")).contains(t);

        MigrationTask failed = t.with(TaskStatus.DRY_RUN_FAILED, "UNIQUE constraint failed: t.email", 3);
        store().putTask(failed);
        assertThat(store().getTask(jobId, "c1")).contains(failed);
        assertThat(store().getTask(jobId, "c2")).isEmpty();
        assertThat(store().getTask(UUID.randomUUID().toString(), "c1")).isEmpty();
    }

    @Test
    void aTaskUpdateHappensOnlyFromAnExpectedStatus() {
        String jobId = UUID.randomUUID().toString();
        MigrationTask t = task(jobId, "c1", 2);
        store().putTask(t);
        MigrationTask applied = t.with(TaskStatus.APPLIED, null, 4);

        assertThat(store().updateTask(applied, EnumSet.of(TaskStatus.DRY_RUN_OK))).isFalse();
        assertThat(store().updateTask(applied, EnumSet.noneOf(TaskStatus.class))).isFalse();
        assertThat(store().getTask(jobId, "c1")).contains(t);
        assertThat(store().updateTask(applied, EnumSet.of(TaskStatus.PENDING, TaskStatus.DRY_RUN_OK))).isTrue();
        assertThat(store().getTask(jobId, "c1")).contains(applied);
        assertThat(store().updateTask(task(jobId, "absent", 2), EnumSet.allOf(TaskStatus.class))).isFalse();
        assertThat(store().getTask(jobId, "absent")).isEmpty();
        assertThat(store().listBatch(jobId, 2)).containsExactly(applied);
    }

    @Test
    void batchesHoldExactlyTheirTasksInNameOrder() {
        String jobId = UUID.randomUUID().toString();
        String otherJob = UUID.randomUUID().toString();
        List<MigrationTask> tasks = new ArrayList<>();
        // 230 children: batch 0 holds 120 (more than one BatchGetItem), batch 1 holds 100, batch 12 holds 10.
        for (int i = 229; i >= 0; i--) {
            tasks.add(task(jobId, String.format("c%03d", i), i < 120 ? 0 : i < 220 ? 1 : 12));
        }
        store().putTasks(tasks);
        store().putTask(task(jobId, "app", MigrationTask.PARENT_BATCH));
        store().putTasks(List.of(task(otherJob, "c000", 0)));

        List<MigrationTask> b0 = store().listBatch(jobId, 0);
        assertThat(names(b0)).isEqualTo(IntStream.range(0, 120).mapToObj(i -> String.format("c%03d", i)).toList());
        assertThat(b0).allSatisfy(t -> assertThat(t).isEqualTo(task(jobId, t.database(), 0)));
        assertThat(names(store().listBatch(jobId, 1)))
                .isEqualTo(IntStream.range(120, 220).mapToObj(i -> String.format("c%03d", i)).toList());
        assertThat(names(store().listBatch(jobId, 12)))
                .isEqualTo(IntStream.range(220, 230).mapToObj(i -> String.format("c%03d", i)).toList());
        assertThat(store().listBatch(jobId, 2)).isEmpty();
        assertThat(names(store().listBatch(jobId, MigrationTask.PARENT_BATCH))).containsExactly("app");
        assertThat(names(store().listBatch(otherJob, 0))).containsExactly("c000");
    }

    @Test
    void outcomesOfABatchReplaceItsTasksAndKeepThemInTheBatch() {
        String jobId = UUID.randomUUID().toString();
        List<MigrationTask> tasks = new ArrayList<>();
        // 60 tasks: more than one batch write of 25.
        for (int i = 0; i < 60; i++) {
            tasks.add(task(jobId, String.format("c%02d", i), 4));
        }
        store().putTasks(tasks);
        List<MigrationTask> listed = store().listBatch(jobId, 4);
        List<MigrationTask> outcomes = new ArrayList<>();
        for (MigrationTask t : listed) {
            outcomes.add(t.database().equals("c07") ? t.with(TaskStatus.FAILED, "no such table: t", 1)
                    : t.with(TaskStatus.APPLIED, null, 2));
        }
        store().putTaskOutcomes(outcomes);

        List<MigrationTask> after = store().listBatch(jobId, 4);
        assertThat(after).containsExactlyElementsOf(outcomes);
        assertThat(store().getTask(jobId, "c07").orElseThrow().error()).isEqualTo("no such table: t");
        assertThat(store().listTasks(jobId, null, 100).items()).containsExactlyElementsOf(outcomes);
        store().putTaskOutcomes(List.of()); // nothing to write is no call
    }

    @Test
    void aTaskPutIntoAnotherBatchLeavesItsOldBatch() {
        String jobId = UUID.randomUUID().toString();
        store().putTasks(List.of(task(jobId, "a", 0), task(jobId, "b", 0)));

        store().putTask(task(jobId, "b", 1));
        store().putTasks(List.of(task(jobId, "a", 3), task(jobId, "a", 2))); // the last put of a name wins

        assertThat(store().listBatch(jobId, 0)).isEmpty();
        assertThat(names(store().listBatch(jobId, 1))).containsExactly("b");
        assertThat(names(store().listBatch(jobId, 2))).containsExactly("a");
        assertThat(store().listBatch(jobId, 3)).isEmpty();
        assertThat(store().getTask(jobId, "a").orElseThrow().batch()).isEqualTo(2);
    }

    @Test
    void tasksArePagedInNameOrderWithACursorOnlyWhileMoreFollow() {
        String jobId = UUID.randomUUID().toString();
        List<MigrationTask> tasks = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            tasks.add(task(jobId, String.format("c%02d", i), i / 5));
        }
        store().putTasks(tasks.reversed());
        store().putTask(task(jobId, "app", MigrationTask.PARENT_BATCH));
        List<String> expected = new ArrayList<>(names(tasks));
        expected.addFirst("app");

        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Page<MigrationTask> page = store().listTasks(jobId, cursor, 7);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(7);
            walked.addAll(names(page.items()));
            cursor = page.next();
            pages++;
        } while (cursor != null);

        assertThat(walked).isEqualTo(expected);
        assertThat(pages).isEqualTo(4); // 7 + 7 + 7 + 3
        Page<MigrationTask> exact = store().listTasks(jobId, null, 24);
        assertThat(names(exact.items())).isEqualTo(expected);
        assertThat(exact.next()).isNull();
        Page<MigrationTask> oneShort = store().listTasks(jobId, null, 23);
        assertThat(oneShort.next()).isEqualTo("c21");
        assertThat(store().listTasks(jobId, "c22", 7).items()).isEmpty();
        assertThat(store().listTasks(jobId, "c22", 7).next()).isNull();
        assertThat(names(store().listTasks(jobId, "c105", 3).items())).containsExactly("c11", "c12", "c13");
        assertThat(store().listTasks(UUID.randomUUID().toString(), null, 5).items()).isEmpty();
    }
}
