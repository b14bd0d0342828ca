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
        return MigrationJob.pending(UUID.randomUUID().toString(), org, schemaDb, "ALTER TABLE t ADD COLUMN c TEXT",
                3, created, 10);
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
    void aJobsPlanSurvivesTheRoundTrip() {
        schema("app");
        JobPlan canary = new JobPlan(JobPlan.Canary.named(List.of("t1", "t2")), "SELECT count(*) > 0 FROM t", true,
                JobPlan.FailurePolicy.QUARANTINE, null);
        MigrationJob a = MigrationJob.pending(UUID.randomUUID().toString(), org, "app", "ALTER TABLE t ADD c", 3, T0, 5,
                canary).withCanaryBatches(1).resume();
        store().createJob(a);
        assertThat(store().getJob(org, a.id())).contains(a);

        JobPlan.Repair repair = new JobPlan.Repair(List.of("k1", "k2"), List.of(
                new JobPlan.ReplayStep(2, "j-2", MigrationSql.parse("ALTER TABLE t ADD b")),
                new JobPlan.ReplayStep(3, "j-3", MigrationSql.parse("PRAGMA foreign_keys=OFF; CREATE INDEX i ON t(b)"))));
        MigrationJob r = MigrationJob.pending(UUID.randomUUID().toString(), org, "app", "repair", 3, T0.plusSeconds(1),
                5, new JobPlan(JobPlan.Canary.first(1), null, false, JobPlan.FailurePolicy.ROLLBACK_ALL, repair));
        store().createJob(r);
        assertThat(store().getJob(org, r.id())).contains(r);
        assertThat(r.toVersion()).isEqualTo(3);
        assertThat(r.programFor(1).statements()).containsExactly("ALTER TABLE t ADD b", "CREATE INDEX i ON t(b)");
        assertThat(r.programFor(1).foreignKeysOff()).isTrue();
        assertThat(r.programFor(2).statements()).containsExactly("CREATE INDEX i ON t(b)");
        assertThat(r.programFor(3)).isNull();
    }

    @Test
    void aBehindMarkIsKeptOnTheChildAndCleared() {
        schema("app");
        createReady("kid", DatabaseKind.CHILD, "app");
        Database.Behind mark = new Database.Behind(3, "job-1", "UNIQUE constraint failed: t.c");
        store().setBehind(org, "kid", mark);
        store().setBehind(org, "missing", mark); // nothing to mark: not an error
        assertThat(catalog().getDatabase(org, "kid").orElseThrow().behind()).isEqualTo(mark);
        assertThat(catalog().listChildren(org, "app")).singleElement().extracting(Database::behind).isEqualTo(mark);
        store().setBehind(org, "kid", null);
        assertThat(catalog().getDatabase(org, "kid").orElseThrow().behind()).isNull();
        store().setBehind(org, "kid", null); // twice: still nothing
        assertThat(catalog().getDatabase(org, "missing")).isEmpty();
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

    // ------------------------------------------------------------------------------------------------ batches

    private static TaskBatch batch(String jobId, int n, String... dbs) {
        List<MigrationTask> tasks = new ArrayList<>();
        for (String d : dbs) {
            tasks.add(task(jobId, d, n));
        }
        return new TaskBatch(jobId, n, tasks, false);
    }

    @Test
    void aBatchReadsBackAsWrittenWithItsOutcomes() {
        String jobId = UUID.randomUUID().toString();
        TaskBatch b = batch(jobId, 3, "c1", "c2", "c3");
        store().putBatches(List.of(b));
        assertThat(store().getBatch(jobId, 3)).contains(b);
        assertThat(store().getBatch(jobId, 4)).isEmpty();
        assertThat(store().getBatch(UUID.randomUUID().toString(), 3)).isEmpty();

        List<MigrationTask> outcomes = List.of(b.tasks().get(0).with(TaskStatus.APPLIED, null, 4),
                b.tasks().get(1).with(TaskStatus.FAILED, "UNIQUE constraint failed: t.email", 3), b.tasks().get(2));
        assertThat(store().recordBatch(b.with(outcomes, false))).isTrue();
        assertThat(store().getBatch(jobId, 3).orElseThrow().tasks()).containsExactlyElementsOf(outcomes);
    }

    @Test
    void aJobAndOneOfItsBatchesAreReadTogether() {
        schema("app");
        MigrationJob job = job(org, "app", Instant.parse("2025-03-01T10:00:00Z"));
        store().createJob(job);
        TaskBatch b = batch(job.id(), 2, "c1", "c2");
        store().putBatches(List.of(b));

        MigrationStore.JobAndBatch both = store().getJobAndBatch(org, job.id(), 2);
        assertThat(both.job()).contains(job);
        assertThat(both.batch()).contains(b);
        MigrationStore.JobAndBatch noBatch = store().getJobAndBatch(org, job.id(), 3);
        assertThat(noBatch.job()).contains(job);
        assertThat(noBatch.batch()).isEmpty();
        assertThat(store().getJobAndBatch(org, UUID.randomUUID().toString(), 2).job()).isEmpty();
    }

    @Test
    void aRollbacksRecordIsNeverOverwrittenByAnotherStep() {
        String jobId = UUID.randomUUID().toString();
        TaskBatch b = batch(jobId, 0, "a", "b");
        store().putBatches(List.of(b));
        TaskBatch restored = b.with(List.of(b.tasks().get(0).with(TaskStatus.RESTORED, null, 3), b.tasks().get(1)), true);
        assertThat(store().recordBatch(restored)).isTrue();

        TaskBatch lateApply = b.with(List.of(b.tasks().get(0).with(TaskStatus.APPLIED, null, 4),
                b.tasks().get(1).with(TaskStatus.APPLIED, null, 4)), false);
        assertThat(store().recordBatch(lateApply)).isFalse();
        assertThat(store().getBatch(jobId, 0)).contains(restored);
        TaskBatch again = restored.with(restored.tasks(), true);
        assertThat(store().recordBatch(again)).isTrue();
    }

    @Test
    void aLongErrorIsKeptAndABigBatchFitsOneRecord() {
        String jobId = UUID.randomUUID().toString();
        List<MigrationTask> tasks = new ArrayList<>();
        // 500 children of 60-character names, every one failed with a long error: still one record.
        for (int i = 0; i < 500; i++) {
            tasks.add(new MigrationTask(jobId, String.format("tenant-%054d", i), 7, TaskStatus.DRY_RUN_FAILED,
                    "x".repeat(400), 3));
        }
        TaskBatch b = new TaskBatch(jobId, 7, tasks, false);
        store().putBatches(List.of(b));
        TaskBatch read = store().getBatch(jobId, 7).orElseThrow();
        assertThat(read.tasks()).hasSize(500);
        assertThat(read.tasks().get(499).error()).isEqualTo("x".repeat(400));
    }

    @Test
    void batchesArePagedInOrderParentFirstWithACursorOnlyWhileMoreFollow() {
        String jobId = UUID.randomUUID().toString();
        List<TaskBatch> all = new ArrayList<>();
        for (int n = 11; n >= 0; n--) {
            all.add(batch(jobId, n, "c" + n));
        }
        store().putBatches(all);
        store().putBatches(List.of(batch(jobId, MigrationTask.PARENT_BATCH, "app")));
        store().putBatches(List.of(batch(UUID.randomUUID().toString(), 0, "other")));

        List<Integer> walked = new ArrayList<>();
        Integer after = null;
        int pages = 0;
        while (true) {
            Page<TaskBatch> page = store().listBatches(jobId, after, 5);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(5);
            page.items().forEach(b -> walked.add(b.batch()));
            pages++;
            if (page.next() == null) {
                break;
            }
            after = Integer.valueOf(page.next());
        }
        assertThat(walked).containsExactly(-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(pages).isEqualTo(3);
        assertThat(store().listBatches(jobId, null, 13).next()).isNull();
        assertThat(store().listBatches(jobId, null, 12).next()).isEqualTo("10");
        assertThat(store().listBatches(jobId, 11, 5).items()).isEmpty();
        assertThat(store().listBatches(jobId, 9, 5).items()).extracting(TaskBatch::batch).containsExactly(10, 11);
        assertThat(store().listBatches(UUID.randomUUID().toString(), null, 5).items()).isEmpty();
    }
}
