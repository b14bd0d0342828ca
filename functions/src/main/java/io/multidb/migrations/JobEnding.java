package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.NOT_RUNNING;

import io.multidb.storage.FamilyLocks;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How a job ends, whoever ends it (the workflow's last step, its rollback branch, or the control plane finding a
 * job whose workflow is gone): every database back at one version, the records saying so, then the family
 * released. The files decide, never the records: the parent carries this job's version row, so the job succeeded;
 * it does not, so every child that carries the row is undone from its kept journal.
 */
final class JobEnding {
    static final Set<JobStatus> ACTIVE = EnumSet.of(JobStatus.DRY_RUNNING, JobStatus.APPLYING, JobStatus.PAUSED);
    /** Statuses in which a job may have changed children (and kept their undo journals). */
    static final Set<JobStatus> CHANGING = EnumSet.of(JobStatus.APPLYING, JobStatus.PAUSED, JobStatus.ROLLING_BACK);

    private final MigrationStore store;
    private final DatabaseMigrator migrator;
    private final FamilyLocks families;
    private final WorkflowStarter workflows;
    private final MigrationOptions options;
    private final BatchWork work;
    /** Removing undo journals is one metadata round trip each (EFS): many at once. */
    private final BatchWork removals = new BatchWork(32);
    private final Clock clock;

    JobEnding(MigrationStore store, DatabaseMigrator migrator, FamilyLocks families, WorkflowStarter workflows,
              MigrationOptions options, Clock clock) {
        this.store = store;
        this.migrator = migrator;
        this.families = families;
        this.workflows = workflows;
        this.options = options;
        this.work = new BatchWork(options.batchParallelism());
        this.clock = clock;
    }

    MigrationJob load(String org, String jobId) {
        return store.getJob(org, jobId).orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING, "no job " + jobId));
    }

    boolean parentApplied(MigrationJob job) {
        return migrator.hasApplied(job.schemaDb(), job.id(), true);
    }

    /**
     * Starts the rollback (once): the job moves to rolling_back and its phase in the family's lock file stops, so
     * no apply can start on any database from here (see FamilyLocks). Returns the job as it is now.
     */
    MigrationJob beginRollback(String org, MigrationJob job) {
        families.stopApplying(job.schemaDb(), job.id());
        if (ACTIVE.contains(job.status())) {
            store.updateJob(job.withStatus(JobStatus.ROLLING_BACK), ACTIVE);
            return load(org, job.id());
        }
        return job;
    }

    /**
     * Undoes this job's change on every database of one batch that has it, and records the batch as rolled back
     * (a write an apply step still in flight cannot overwrite). Idempotent: a database already undone is unchanged.
     */
    void undoBatch(MigrationJob job, TaskBatch batch) {
        List<MigrationTask> children = batch.tasks().stream().filter(t -> !t.isParent()).toList();
        List<MigrationTask> after = work.run(children, t -> switch (migrator.undo(t.database(), job)) {
            // A canary whose check failed keeps saying so: it is why the job rolled back.
            case UNDONE -> t.with(t.status() == TaskStatus.VERIFY_FAILED ? t.status() : TaskStatus.RESTORED, t.error(),
                    job.fromVersion());
            case UNCHANGED -> t.with(t.status() == TaskStatus.APPLIED ? TaskStatus.RESTORED : t.status(), t.error(),
                    job.fromVersion());
        }, () -> false);
        store.recordBatch(batch.with(after, true));
    }

    /**
     * Ends the job: succeeded (the parent carries its version row), or failed / rolled back / aborted, naming the
     * databases that failed and why; then removes the undo journals, lifts the fence, records the final status and
     * releases the lock, in that order. Repeating it changes nothing.
     *
     * @param error the workflow's error (name and cause) on a failure path, else null
     */
    MigrationJob finish(String org, String jobId, String error) {
        MigrationJob job = load(org, jobId);
        MigrationJob done = null;
        List<MigrationTask> children = null; // the job's children's records, read once when needed
        // Only a job that reached its apply phase kept undo journals.
        boolean keptUndo = CHANGING.contains(job.status());
        if (job.status().isRunning()) {
            if (parentApplied(job)) {
                families.stopApplying(job.schemaDb(), jobId);
                // The parent's record too: its step may have died between its commit and its write.
                store.getBatch(jobId, MigrationTask.PARENT_BATCH)
                        .filter(b -> b.tasks().stream().anyMatch(t -> t.status() != TaskStatus.APPLIED))
                        .ifPresent(b -> store.recordBatch(b.with(b.tasks().stream()
                                .map(t -> t.with(TaskStatus.APPLIED, null, job.toVersion())).toList(), false)));
                store.setSchemaVersion(org, job.schemaDb(), job.toVersion());
                if (job.plan().quarantines() || job.plan().isRepair()) {
                    children = children(job);
                    done = succeeded(org, job, children);
                } else {
                    done = job.finished(JobStatus.SUCCEEDED, null, List.of(), now());
                }
            } else {
                done = rolledBack(org, job, error);
            }
        }
        // The final status only once the fence is down: a client told the job has ended must find its family
        // writable. The lock goes last, so that a failure before the status is written leaves a lock the next start
        // or the unlock call can finish the job from.
        if (keptUndo) {
            forgetUndo(job, children != null ? children : children(job));
        }
        families.unfence(job.schemaDb(), jobId);
        if (done != null) {
            store.updateJob(done, JobStatus.RUNNING);
        }
        store.unlockFamily(org, job.schemaDb(), jobId);
        return load(org, jobId);
    }

    /**
     * A job whose parent was migrated, under quarantine or a repair. The children that failed stay at their
     * version: each is marked behind (with its error) before the job says it ended. A repair clears the marks of the
     * children it brought forward.
     */
    private MigrationJob succeeded(String org, MigrationJob job, List<MigrationTask> children) {
        removals.run(children, t -> {
            if (t.status().isFailure()) {
                long at = job.plan().isRepair() ? migrator.version(t.database()) : job.fromVersion();
                store.setBehind(org, t.database(), new io.multidb.databases.Database.Behind(at, job.id(), t.error()));
            } else if (job.plan().isRepair() && t.status() == TaskStatus.APPLIED) {
                store.setBehind(org, t.database(), null);
            }
            return null;
        }, () -> false);
        List<MigrationTask> failed = children.stream().filter(t -> t.status().isFailure()).toList();
        if (failed.isEmpty()) {
            return job.finished(JobStatus.SUCCEEDED, null, List.of(), now());
        }
        List<ChildFailure> kept = failed.stream().limit(MigrationJob.MAX_FAILURES_KEPT)
                .map(t -> new ChildFailure(t.database(), t.error() == null ? "failed" : t.error())).toList();
        return job.finished(JobStatus.SUCCEEDED_WITH_QUARANTINE, failed.size() + (failed.size() == 1 ? " child" : " children")
                + " quarantined, left behind at their version (retry this job once fixed): "
                + list(kept), kept, now());
    }

    /** The records of the job's children, every batch in order (the parent's left out). */
    private List<MigrationTask> children(MigrationJob job) {
        List<MigrationTask> children = new ArrayList<>();
        forEachBatch(job, b -> {
            if (!b.isParentBatch()) {
                children.addAll(b.tasks());
            }
        });
        return children;
    }

    /** Removes the job's undo journals, many at once (an unlink is a round trip on EFS), with one pool for all. */
    private void forgetUndo(MigrationJob job, List<MigrationTask> children) {
        removals.run(children, t -> {
            migrator.forget(job.id(), t.database());
            return null;
        }, () -> false);
    }

    private MigrationJob rolledBack(String org, MigrationJob job, String error) {
        boolean mayHaveChanged = CHANGING.contains(job.status());
        MigrationJob rolling = mayHaveChanged ? beginRollback(org, job) : job;
        if (!mayHaveChanged) {
            families.stopApplying(job.schemaDb(), job.id());
        }
        List<ChildFailure> failures = new ArrayList<>();
        boolean[] changed = {false};
        boolean[] canaryFailed = {false};
        forEachBatch(rolling, b -> {
            TaskBatch batch = b;
            if (mayHaveChanged && !b.isParentBatch() && !b.rolledBack()) {
                // Not rolled back by the workflow's branch (the workflow is gone, or an apply raced it): undo here.
                undoBatch(rolling, b);
                batch = store.getBatch(b.jobId(), b.batch()).orElse(b);
            }
            for (MigrationTask t : batch.tasks()) {
                canaryFailed[0] |= t.status().isFailure() && rolling.isCanaryBatch(b.batch());
                if (t.status().isFailure() && failures.size() < MigrationJob.MAX_FAILURES_KEPT) {
                    failures.add(new ChildFailure(t.database(), t.error() == null ? "failed" : t.error()));
                }
                changed[0] |= t.status() == TaskStatus.RESTORED;
            }
        });
        failures.sort(java.util.Comparator.comparing(ChildFailure::database));
        if (job.abortRequested()) {
            return rolling.finished(JobStatus.ABORTED, "aborted" + (changed[0] ? "; changed databases were restored" : ""),
                    failures, now());
        }
        String why = (canaryFailed[0] ? "the canary failed: " : "") + summary(failures, error);
        if (changed[0] || mayHaveChanged) {
            return rolling.finished(JobStatus.ROLLED_BACK, why + "; every database was put back to version "
                    + job.fromVersion(), failures, now());
        }
        return rolling.finished(JobStatus.FAILED, why + "; nothing was changed", failures, now());
    }

    /**
     * If the lock's job is not running (its workflow ended, or was lost with the engine that ran it), finishes it
     * the way its workflow would have and releases the lock. False if it may still be running.
     */
    boolean releaseIfStale(String org, String parent, String jobId) {
        Optional<MigrationJob> found = store.getJob(org, jobId);
        if (found.isEmpty() || found.get().status().isFinal()) {
            families.unfence(parent, jobId);
            store.unlockFamily(org, parent, jobId);
            return true;
        }
        MigrationJob job = found.get();
        WorkflowStarter.ExecutionState state = workflows.describe(jobId);
        if (state == WorkflowStarter.ExecutionState.RUNNING) {
            return false;
        }
        if (state == WorkflowStarter.ExecutionState.NOT_FOUND
                && job.createdAt().isAfter(workflows.knowsExecutionsSince())
                && job.createdAt().plus(options.startGrace()).isAfter(now())) {
            return false; // its start may still be on the way
        }
        String why = state == WorkflowStarter.ExecutionState.NOT_FOUND
                ? "the workflow was lost before the job finished (the engine that ran it stopped)"
                : "the workflow ended (" + state.name().toLowerCase(java.util.Locale.ROOT) + ") before the job finished";
        finish(org, jobId, why);
        return true;
    }

    void forEachBatch(MigrationJob job, Consumer<TaskBatch> each) {
        Integer after = null;
        while (true) {
            Page<TaskBatch> page = store.listBatches(job.id(), after, 50);
            page.items().forEach(each);
            if (page.next() == null) {
                return;
            }
            after = Integer.valueOf(page.next());
        }
    }

    static String summary(List<ChildFailure> failures, String error) {
        if (failures.isEmpty()) {
            return error == null ? "the migration failed" : error;
        }
        return describe(failures, "failed");
    }

    static String describe(List<ChildFailure> failed, String what) {
        return failed.size() + (failed.size() == 1 ? " database " : " databases ") + what + ": " + list(failed);
    }

    /** The first ten failures, {@code database: error} each, then an ellipsis if there are more. */
    static String list(List<ChildFailure> failed) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(failed.size(), 10); i++) {
            b.append(i == 0 ? "" : "; ").append(failed.get(i));
        }
        if (failed.size() > 10) {
            b.append("; …");
        }
        return b.toString();
    }

    private java.time.Instant now() {
        return clock.instant();
    }
}
