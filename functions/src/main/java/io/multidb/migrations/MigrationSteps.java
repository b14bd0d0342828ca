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

    /** What prepare made: batch numbers 0..batches-1, the first {@code canaryBatches} of them the canary's. */
    public record Prepared(int batches, int canaryBatches, boolean pauseAfterCanary) {
    }

    /**
     * Lists the children once no child create is in flight, records the batches (the canary's first, then the
     * others; each in name order, contiguous) and the parent's record last (its presence marks prepare as done for a
     * retried task). A repeat returns the same.
     *
     * <p>A child create that claimed its name before the lock was taken may still be "creating": its copy of the
     * parent is at the old version, so it must either be in the job or not exist. The catalog's create re-reads the
     * parent after claiming and backs off when it sees the lock, so no new claim can appear now; those in flight
     * either finish (then they are listed) or abort (then they are gone). We wait for that, bounded.
     */
    public Prepared prepare(String org, String jobId) {
        MigrationJob job = ending.load(org, jobId);
        if (job.status() == JobStatus.DRY_RUNNING && store.getBatch(jobId, MigrationTask.PARENT_BATCH).isPresent()) {
            return prepared(job);
        }
        requireStatus(job, EnumSet.of(JobStatus.PENDING));
        if (!store.lockHolder(org, job.schemaDb()).map(jobId::equals).orElse(false)) {
            throw new MigrationStepFailed(NOT_RUNNING, "job " + jobId + " no longer holds the lock of '" + job.schemaDb() + "'");
        }
        List<String> names = members(job, settledChildren(org, job.schemaDb()));
        List<String> canary = canary(job, names);
        List<String> rest = names;
        if (!canary.isEmpty()) {
            java.util.Set<String> first = new java.util.HashSet<>(canary);
            rest = names.stream().filter(n -> !first.contains(n)).toList();
        }
        List<TaskBatch> records = new ArrayList<>();
        split(job, canary, options.minBatchSize(), records);
        int canaryBatches = records.size();
        split(job, rest, options.batchSize(rest.size()), records);
        store.putBatches(records);
        store.putBatches(List.of(new TaskBatch(jobId, MigrationTask.PARENT_BATCH, List.of(new MigrationTask(jobId,
                job.schemaDb(), MigrationTask.PARENT_BATCH, TaskStatus.PENDING, null, job.fromVersion())), false)));
        MigrationJob ready = job.withStatus(JobStatus.DRY_RUNNING).withBatchCount(records.size())
                .withCanaryBatches(canaryBatches);
        if (!store.updateJob(ready, EnumSet.of(JobStatus.PENDING))) {
            throw new MigrationStepFailed(TRANSIENT, "job " + jobId + " changed while being prepared");
        }
        return prepared(ready);
    }

    private static Prepared prepared(MigrationJob job) {
        return new Prepared(job.batchCount(), job.canaryBatches(), job.plan().pauseAfterCanary() && job.canaryBatches() > 0);
    }

    /**
     * The children the job works on, in name order: a repair's targets that are still children; otherwise every
     * child but those left behind by an earlier job (they lack its change: only a repair brings them forward).
     */
    private static List<String> members(MigrationJob job, List<Database> children) {
        if (job.plan().isRepair()) {
            java.util.Set<String> targets = new java.util.HashSet<>(job.plan().repair().targets());
            return children.stream().map(Database::name).filter(targets::contains).sorted().toList();
        }
        return children.stream().filter(d -> d.behind() == null).map(Database::name).sorted().toList();
    }

    /** The canary's children: the first k by name, or the named ones (each must be among the job's children). */
    private static List<String> canary(MigrationJob job, List<String> names) {
        JobPlan.Canary c = job.plan().canary();
        if (c == null) {
            return List.of();
        }
        if (c.count() > 0) {
            return names.subList(0, Math.min(c.count(), names.size()));
        }
        java.util.Set<String> all = new java.util.HashSet<>(names);
        List<String> missing = c.names().stream().filter(n -> !all.contains(n)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new MigrationStepFailed(PREPARE_FAILED, "canary " + String.join(", ", missing.subList(0,
                    Math.min(10, missing.size()))) + (missing.size() == 1 ? " is not a" : " are not") + " child"
                    + (missing.size() == 1 ? "" : "ren") + " of '" + job.schemaDb() + "' this job migrates"
                    + " (deleted, or left behind by an earlier job)");
        }
        return c.names().stream().sorted().toList();
    }

    /** Appends {@code names} as batches of {@code size}, numbered after those already in {@code out}. */
    private static void split(MigrationJob job, List<String> names, int size, List<TaskBatch> out) {
        for (int i = 0; i < names.size(); i += size) {
            int b = out.size();
            List<MigrationTask> tasks = new ArrayList<>(size);
            for (String n : names.subList(i, Math.min(names.size(), i + size))) {
                tasks.add(new MigrationTask(job.id(), n, b, TaskStatus.PENDING, null, job.fromVersion()));
            }
            out.add(new TaskBatch(job.id(), b, tasks, false));
        }
    }

    private List<Database> settledChildren(String org, String parent) {
        Instant deadline = clock.instant().plus(options.settleTimeout());
        while (true) {
            Catalog.Family family = catalog.family(org, parent);
            List<Database> ready = family.ready();
            int all = family.members();
            if (family.settled()) {
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
        Started s = start(org, jobId, MigrationTask.PARENT_BATCH, EnumSet.of(JobStatus.DRY_RUNNING));
        MigrationJob job = s.job();
        List<ChildFailure> failed = step(s.batch(), t -> {
            String error = migrator.dryRun(t.database(), job);
            return t.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion());
        }, () -> false);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, "schema database " + job.schemaDb() + ": " + failed.get(0).error());
        }
    }

    /**
     * The migration on each child of one batch, rolled back; every outcome recorded; DRY_RUN_FAILED naming them,
     * unless the job quarantines (a failing child then only stays behind; a failing canary still fails the job).
     */
    public void dryRunBatch(String org, String jobId, int batch) {
        Started s = start(org, jobId, batch, EnumSet.of(JobStatus.DRY_RUNNING));
        MigrationJob job = s.job();
        List<ChildFailure> failed = step(s.batch(), t -> {
            String error = migrator.dryRun(t.database(), job);
            return t.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion());
        }, () -> false);
        if (!failed.isEmpty() && (job.isCanaryBatch(batch) || !job.plan().quarantines())) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, (job.isCanaryBatch(batch) ? "canary: " : "")
                    + JobEnding.describe(failed, "failed the dry run"));
        }
    }

    /**
     * Applies the migration to each child of one batch, keeping each change's journal as its undo; a canary child
     * then runs the job's verify query. Stops starting new children at the first failure, APPLY_FAILED naming the
     * failures; under quarantine, a child that fails (or failed its dry-run) is left at its version and the others go
     * on (not in a canary batch: a failing canary fails the job).
     */
    public void applyBatch(String org, String jobId, int batch) {
        Started s = toApplying(org, jobId, batch);
        MigrationJob job = s.job();
        boolean canary = job.isCanaryBatch(batch);
        boolean quarantine = job.plan().quarantines() && !canary;
        AtomicBoolean stop = new AtomicBoolean();
        List<ChildFailure> failed = step(s.batch(), t -> {
            if (t.status() == TaskStatus.APPLIED || (quarantine && t.status().isFailure())) {
                return t;
            }
            try {
                migrator.apply(t.database(), job.schemaDb(), job, true);
            } catch (DatabaseMigrator.MigrationFailed e) {
                stop.set(!quarantine);
                return t.with(TaskStatus.FAILED, e.getMessage(), job.fromVersion());
            }
            String refused = canary && job.plan().verify() != null ? migrator.verify(t.database(), job.plan().verify()) : null;
            if (refused != null) {
                stop.set(true);
                return t.with(TaskStatus.VERIFY_FAILED, refused, job.toVersion());
            }
            return t.with(TaskStatus.APPLIED, null, job.toVersion());
        }, stop::get);
        if (!failed.isEmpty() && !quarantine) {
            throw new MigrationStepFailed(APPLY_FAILED, (canary ? "canary: " : "")
                    + JobEnding.describe(failed, "failed to apply the migration or its check"));
        }
    }

    /**
     * After the canary, when the job pauses: the job's status becomes paused (the first look), and this answers
     * whether a person resumed it and how long to wait before looking again. ABORTED once aborted; APPLY_FAILED
     * when it has waited longer than {@link PauseClock#LIMIT} (the workflow then rolls back, well inside its own
     * time limit).
     *
     * @param checks how many times the workflow looked before (it counts them, so it holds no Lambda meanwhile)
     */
    public PauseClock.Look awaitResume(String org, String jobId, int checks) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.APPLYING, JobStatus.PAUSED));
        if (job.resumed()) {
            return new PauseClock.Look(true, 0, checks + 1);
        }
        if (PauseClock.waited(checks).compareTo(PauseClock.LIMIT) > 0) {
            throw new MigrationStepFailed(APPLY_FAILED, "paused after its canary for more than "
                    + PauseClock.LIMIT.toHours() + " hours without a resume");
        }
        if (job.status() == JobStatus.APPLYING && !store.updateJob(job.withStatus(JobStatus.PAUSED),
                EnumSet.of(JobStatus.APPLYING))) {
            throw new MigrationStepFailed(TRANSIENT, "job " + jobId + " changed while pausing");
        }
        return new PauseClock.Look(false, PauseClock.nextWait(checks), checks + 1);
    }

    /** Once every child is applied: the parent, which makes the job's outcome final. */
    public void applyParent(String org, String jobId) {
        Started s = toApplying(org, jobId, MigrationTask.PARENT_BATCH);
        MigrationJob job = s.job();
        List<ChildFailure> notApplied = new ArrayList<>();
        boolean quarantine = job.plan().quarantines();
        ending.forEachBatch(job, b -> b.tasks().stream()
                .filter(t -> !t.isParent() && t.status() != TaskStatus.APPLIED && !(quarantine && t.status().isFailure()))
                .limit(Math.max(0, MigrationJob.MAX_FAILURES_KEPT - notApplied.size()))
                .forEach(t -> notApplied.add(new ChildFailure(t.database(), "not applied (" + t.status().wire() + ")"))));
        if (!notApplied.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, JobEnding.describe(notApplied, "are not migrated"));
        }
        List<ChildFailure> failed = step(s.batch(), t -> {
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
            if (o != null && o.status().isFailure()) {
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

    /** A batch step's job and batch, read together (one round trip). */
    private record Started(MigrationJob job, TaskBatch batch) {
    }

    /** The job (checked: not aborted, in one of {@code allowed}) and one of its batches. */
    private Started start(String org, String jobId, int batch, Set<JobStatus> allowed) {
        MigrationStore.JobAndBatch read = store.getJobAndBatch(org, jobId, batch);
        MigrationJob job = read.job().orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING, "no job " + jobId));
        if (job.abortRequested()) {
            throw new MigrationStepFailed(ABORTED, "job " + jobId + " was aborted");
        }
        requireStatus(job, allowed);
        TaskBatch b = read.batch().orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING,
                "job " + jobId + " has no batch " + batch + ": was it prepared?"));
        return new Started(job, b);
    }

    /**
     * The job, moved to applying if it was dry-running, with its phase in the family's lock file started (a no-op
     * once stopped: a job that began rolling back never applies again), and one of its batches.
     */
    private Started toApplying(String org, String jobId, int batch) {
        Started s = start(org, jobId, batch, EnumSet.of(JobStatus.DRY_RUNNING, JobStatus.APPLYING));
        MigrationJob job = s.job();
        if (job.status() == JobStatus.DRY_RUNNING) {
            store.updateJob(job.withStatus(JobStatus.APPLYING), EnumSet.of(JobStatus.DRY_RUNNING));
            job = running(org, jobId, EnumSet.of(JobStatus.APPLYING));
        }
        families.startApplying(job.schemaDb(), jobId);
        return new Started(job, s.batch());
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
