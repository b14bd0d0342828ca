package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.ABORTED;
import static io.multidb.migrations.MigrationStepFailed.Reason.APPLY_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.DRY_RUN_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.NOT_RUNNING;
import static io.multidb.migrations.MigrationStepFailed.Reason.PREPARE_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.TRANSIENT;

import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.storage.FamilyLocks;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The workflow's steps (statemachines/schema-migration.asl.json): which databases, in which order, and what is
 * recorded. The work on each database is {@link DatabaseMigrator}'s; how a job ends is {@link JobEnding}'s. Each
 * batch step reads its batch's record once and writes it once.
 */
public final class MigrationSteps {
    private final Catalog catalog;
    private final MigrationStore store;
    private final DatabaseMigrator migrator;
    private final FamilyLocks families;
    private final MigrationOptions options;
    private final JobEnding ending;
    private final BatchWork work;
    private final Clock clock;
    private final MigrationService.Sleeper sleeper;

    MigrationSteps(Catalog catalog, MigrationStore store, DatabaseMigrator migrator, FamilyLocks families,
                   MigrationOptions options, JobEnding ending, Clock clock, MigrationService.Sleeper sleeper) {
        this.catalog = catalog;
        this.store = store;
        this.migrator = migrator;
        this.families = families;
        this.options = options;
        this.ending = ending;
        this.work = new BatchWork(options.batchParallelism());
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * Lists the children once no child create is in flight, records the batches (children in name order, contiguous)
     * and the parent's record last (its presence marks prepare as done for a retried task). Returns the number of
     * batches; a repeat returns the same.
     *
     * <p>A child create that claimed its name before the lock was taken may still be "creating": its copy of the
     * parent is at the old version, so it must either be in the job or not exist. The catalog's create re-reads the
     * parent after claiming and backs off when it sees the lock, so no new claim can appear now; those in flight
     * either finish (then they are listed) or abort (then they are gone). We wait for that, bounded.
     */
    public int prepare(String org, String jobId) {
        MigrationJob job = ending.load(org, jobId);
        if (job.status() == JobStatus.DRY_RUNNING && store.getBatch(jobId, MigrationTask.PARENT_BATCH).isPresent()) {
            return job.batchCount();
        }
        requireStatus(job, EnumSet.of(JobStatus.PENDING));
        if (!store.lockHolder(org, job.schemaDb()).map(jobId::equals).orElse(false)) {
            throw new MigrationStepFailed(NOT_RUNNING, "job " + jobId + " no longer holds the lock of '" + job.schemaDb() + "'");
        }
        List<String> names = settledChildren(org, job.schemaDb()).stream().map(Database::name).sorted().toList();
        int size = options.batchSize(names.size());
        int batches = (names.size() + size - 1) / size;
        List<TaskBatch> records = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
            List<MigrationTask> tasks = new ArrayList<>(size);
            for (int i = b * size; i < Math.min(names.size(), (b + 1) * size); i++) {
                tasks.add(new MigrationTask(jobId, names.get(i), b, TaskStatus.PENDING, null, job.fromVersion()));
            }
            records.add(new TaskBatch(jobId, b, tasks, false));
        }
        store.putBatches(records);
        store.putBatches(List.of(new TaskBatch(jobId, MigrationTask.PARENT_BATCH, List.of(new MigrationTask(jobId,
                job.schemaDb(), MigrationTask.PARENT_BATCH, TaskStatus.PENDING, null, job.fromVersion())), false)));
        if (!store.updateJob(job.withStatus(JobStatus.DRY_RUNNING).withBatchCount(batches), EnumSet.of(JobStatus.PENDING))) {
            throw new MigrationStepFailed(TRANSIENT, "job " + jobId + " changed while being prepared");
        }
        return batches;
    }

    private List<Database> settledChildren(String org, String parent) {
        Instant deadline = clock.instant().plus(options.settleTimeout());
        while (true) {
            List<Database> ready = catalog.listChildren(org, parent);
            int all = catalog.countChildren(org, parent);
            if (all == ready.size()) {
                return ready;
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new MigrationStepFailed(PREPARE_FAILED, (all - ready.size()) + " child database(s) of '" + parent
                        + "' are still being created or deleted: retry the migration when they are done");
            }
            try {
                sleeper.sleep(options.settlePoll());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MigrationStepFailed(TRANSIENT, "interrupted");
            }
        }
    }

    /** The migration on the parent's real data, rolled back. DRY_RUN_FAILED with SQLite's error. */
    public void dryRunParent(String org, String jobId) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.DRY_RUNNING));
        TaskBatch parent = batch(job, MigrationTask.PARENT_BATCH);
        List<ChildFailure> failed = step(parent, t -> {
            String error = migrator.dryRun(t.database(), job);
            return t.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion());
        }, () -> false);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, "schema database " + job.schemaDb() + ": " + failed.get(0).error());
        }
    }

    /** The migration on each child of one batch, rolled back; every outcome recorded; DRY_RUN_FAILED naming them. */
    public void dryRunBatch(String org, String jobId, int batch) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.DRY_RUNNING));
        List<ChildFailure> failed = step(batch(job, batch), t -> {
            String error = migrator.dryRun(t.database(), job);
            return t.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion());
        }, () -> false);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, JobEnding.describe(failed, "failed the dry run"));
        }
    }

    /**
     * Applies the migration to each child of one batch, keeping each change's journal as its undo. Stops starting
     * new children at the first failure; APPLY_FAILED naming the failures.
     */
    public void applyBatch(String org, String jobId, int batch) {
        MigrationJob job = toApplying(org, jobId);
        AtomicBoolean stop = new AtomicBoolean();
        List<ChildFailure> failed = step(batch(job, batch), t -> {
            if (t.status() == TaskStatus.APPLIED) {
                return t;
            }
            try {
                migrator.apply(t.database(), job.schemaDb(), job, true);
                return t.with(TaskStatus.APPLIED, null, job.toVersion());
            } catch (DatabaseMigrator.MigrationFailed e) {
                stop.set(true);
                return t.with(TaskStatus.FAILED, e.getMessage(), job.fromVersion());
            }
        }, stop::get);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, JobEnding.describe(failed, "failed to apply the migration"));
        }
    }

    /** Once every child is applied: the parent, which makes the job's outcome final. */
    public void applyParent(String org, String jobId) {
        MigrationJob job = toApplying(org, jobId);
        List<ChildFailure> notApplied = new ArrayList<>();
        ending.forEachBatch(job, b -> b.tasks().stream()
                .filter(t -> !t.isParent() && t.status() != TaskStatus.APPLIED)
                .limit(Math.max(0, MigrationJob.MAX_FAILURES_KEPT - notApplied.size()))
                .forEach(t -> notApplied.add(new ChildFailure(t.database(), "not applied (" + t.status().wire() + ")"))));
        if (!notApplied.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, JobEnding.describe(notApplied, "are not migrated"));
        }
        List<ChildFailure> failed = step(batch(job, MigrationTask.PARENT_BATCH), t -> {
            try {
                migrator.apply(t.database(), job.schemaDb(), job, false);
                return t.with(TaskStatus.APPLIED, null, job.toVersion());
            } catch (DatabaseMigrator.MigrationFailed e) {
                return t.with(TaskStatus.FAILED, e.getMessage(), job.fromVersion());
            }
        }, () -> false);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, "schema database " + job.schemaDb() + ": " + failed.get(0).error());
        }
        store.setSchemaVersion(org, job.schemaDb(), job.toVersion());
    }

    /**
     * Undoes this job on the children of one batch that carry it. The first call moves the job to rolling_back and
     * stops its phase, so no apply starts anywhere after it. Does nothing once the parent itself was migrated: from
     * there the job can only succeed.
     */
    public void restoreBatch(String org, String jobId, int batch) {
        MigrationJob job = ending.load(org, jobId);
        if (job.status().isFinal()) {
            return;
        }
        job = ending.beginRollback(org, job);
        if (job.status() != JobStatus.ROLLING_BACK || ending.parentApplied(job)) {
            return;
        }
        ending.undoBatch(job, batch(job, batch));
    }

    /** The workflow's last step, on either branch: see {@link JobEnding#finish}. */
    public MigrationJob finish(String org, String jobId, String error) {
        return ending.finish(org, jobId, error);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * Runs a step on a batch's databases and records their outcomes in one write, also when the step throws (so
     * progress shows what was done). A rollback that wrote the batch first wins: this write is then dropped. Returns
     * the failures, in name order.
     */
    private List<ChildFailure> step(TaskBatch batch, Function<MigrationTask, MigrationTask> each,
                                    java.util.function.BooleanSupplier stop) {
        ConcurrentHashMap<String, MigrationTask> outcomes = new ConcurrentHashMap<>();
        try {
            work.run(batch.tasks(), t -> {
                MigrationTask outcome = each.apply(t);
                outcomes.put(t.database(), outcome);
                return outcome;
            }, stop);
        } catch (RuntimeException e) {
            try {
                record(batch, outcomes);
            } catch (RuntimeException w) {
                e.addSuppressed(w);
            }
            throw e;
        }
        record(batch, outcomes);
        List<ChildFailure> failed = new ArrayList<>();
        for (MigrationTask t : batch.tasks()) {
            MigrationTask o = outcomes.get(t.database());
            if (o != null && (o.status() == TaskStatus.FAILED || o.status() == TaskStatus.DRY_RUN_FAILED)) {
                failed.add(new ChildFailure(o.database(), o.error()));
            }
        }
        return failed;
    }

    private void record(TaskBatch batch, java.util.Map<String, MigrationTask> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        List<MigrationTask> merged = batch.tasks().stream().map(t -> outcomes.getOrDefault(t.database(), t)).toList();
        store.recordBatch(batch.with(merged, false));
    }

    private TaskBatch batch(MigrationJob job, int batch) {
        return store.getBatch(job.id(), batch).orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING,
                "job " + job.id() + " has no batch " + batch + ": was it prepared?"));
    }

    /**
     * The job, moved to applying if it was dry-running, with its phase in the family's lock file started (a no-op
     * once stopped: a job that began rolling back never applies again).
     */
    private MigrationJob toApplying(String org, String jobId) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.DRY_RUNNING, JobStatus.APPLYING));
        if (job.status() == JobStatus.DRY_RUNNING) {
            store.updateJob(job.withStatus(JobStatus.APPLYING), EnumSet.of(JobStatus.DRY_RUNNING));
            job = running(org, jobId, EnumSet.of(JobStatus.APPLYING));
        }
        families.startApplying(job.schemaDb(), jobId);
        return job;
    }

    private MigrationJob running(String org, String jobId, Set<JobStatus> allowed) {
        MigrationJob job = ending.load(org, jobId);
        if (job.abortRequested()) {
            throw new MigrationStepFailed(ABORTED, "job " + jobId + " was aborted");
        }
        requireStatus(job, allowed);
        return job;
    }

    static void requireStatus(MigrationJob job, Set<JobStatus> allowed) {
        if (!allowed.contains(job.status())) {
            throw new MigrationStepFailed(NOT_RUNNING, "job " + job.id() + " is " + job.status().wire());
        }
    }
}
