package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import io.multidb.storage.FamilyLocks;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The control plane's migration use cases: start, retry, abort, unlock, and recovering abandoned jobs. */
public final class MigrationControl {
    private final Catalog catalog;
    private final MigrationStore store;
    private final DatabaseMigrator migrator;
    private final FamilyLocks families;
    private final WorkflowStarter workflows;
    private final MigrationOptions options;
    private final JobEnding ending;
    private final MigrationViews views;
    private final Clock clock;
    private final Repairs repairs;

    MigrationControl(Catalog catalog, MigrationStore store, DatabaseMigrator migrator, FamilyLocks families,
                     WorkflowStarter workflows, MigrationOptions options, JobEnding ending, MigrationViews views,
                     Clock clock) {
        this.catalog = catalog;
        this.store = store;
        this.migrator = migrator;
        this.families = families;
        this.workflows = workflows;
        this.options = options;
        this.ending = ending;
        this.views = views;
        this.clock = clock;
        this.repairs = new Repairs(catalog, store, migrator, this, views);
    }

    /**
     * Starts a migration of {@code parent}'s family: splits the SQL once, records the job, takes the family's lock
     * (releasing it first if its holder is stale), fences the data plane and starts the workflow named after the
     * job. CONFLICT naming the running job if another holds the lock.
     */
    public MigrationJob start(String org, String parent, String sql, Integer maxConcurrency) {
        return start(org, parent, sql, maxConcurrency, JobPlan.DEFAULT);
    }

    /** The same with a rollout plan (canary, verify, pause, failure policy); see {@link JobPlan}. */
    public MigrationJob start(String org, String parent, String sql, Integer maxConcurrency, JobPlan plan) {
        Names.database(parent);
        int mc = maxConcurrency == null ? options.defaultMaxConcurrency() : maxConcurrency;
        if (mc < 1 || mc > MigrationOptions.MAX_CONCURRENCY) {
            throw MultidbException.invalid("'max_concurrency' must be between 1 and " + MigrationOptions.MAX_CONCURRENCY);
        }
        Database p = views.schemaDatabase(org, parent);
        checkPlan(org, parent, plan);
        MigrationJob job = MigrationJob.pending(UUID.randomUUID().toString(), org, parent, sql, p.schemaVersion(),
                clock.instant(), mc, plan);
        // The job is recorded before the lock is taken, so that a lock never names a job nobody can look up.
        store.createJob(job);
        if (!store.lockFamily(org, parent, job.id())) {
            Optional<String> holder = store.lockHolder(org, parent);
            boolean retaken = holder.isPresent() && ending.releaseIfStale(org, parent, holder.get())
                    && store.lockFamily(org, parent, job.id());
            if (!retaken) {
                store.deleteJob(org, job.id());
                if (holder.isPresent()) {
                    throw MultidbException.conflict("schema database '" + parent + "' is being migrated by job "
                            + holder.get() + ": wait for it to finish (GET .../migrations/" + holder.get() + ") or abort it");
                }
                throw MultidbException.conflict("schema database '" + parent + "' is being created or deleted: retry later");
            }
        }
        // Fence the family's data plane: waits for requests that read the fence before it, so no write they let
        // through can land after the children's changes begin.
        try {
            families.fence(parent, job.id());
        } catch (RuntimeException e) {
            fail(job, "the family could not be fenced: " + e.getMessage());
            throw MultidbException.unavailable("the family could not be fenced for the migration: retry", e);
        }
        // Versions only change under the lock: read them again now that we hold it. The parent's file is the truth
        // (a job whose process died after the parent's commit may not have recorded it): the catalog follows it.
        long version = Math.max(views.schemaDatabase(org, parent).schemaVersion(), migrator.version(parent));
        if (version != p.schemaVersion()) {
            store.setSchemaVersion(org, parent, version);
        }
        if (version != job.fromVersion() && job.plan().isRepair()) {
            families.unfence(parent, job.id());
            fail(job, "the schema database moved to version " + version + " while the repair started");
            throw MultidbException.conflict("schema database '" + parent + "' moved to version " + version
                    + " while the repair started: start the repair again");
        }
        if (version != job.fromVersion()) {
            MigrationJob fixed = job.fromVersion(version);
            store.updateJob(fixed, EnumSet.of(JobStatus.PENDING));
            job = fixed;
        }
        try {
            workflows.start(job);
        } catch (RuntimeException e) {
            families.unfence(parent, job.id());
            fail(job, "the workflow could not be started: " + e.getMessage());
            throw MultidbException.unavailable("the migration workflow could not be started: retry", e);
        }
        return job;
    }

    /** Named canary children must be children of the family now (prepare checks again under the lock). */
    private void checkPlan(String org, String parent, JobPlan plan) {
        if (plan.verify() != null) {
            VerifyQuery.check(plan.verify());
        }
        if (plan.canary() != null) {
            for (String name : plan.canary().names()) {
                Optional<Database> d = catalog.getDatabase(org, name);
                if (d.isEmpty() || !parent.equals(d.get().parent())) {
                    throw MultidbException.invalid("canary '" + name + "' is not a child of '" + parent + "'");
                }
                if (d.get().behind() != null) {
                    throw MultidbException.invalid("canary '" + name + "' is behind its family (left at version "
                            + d.get().behind().version() + " by job " + d.get().behind().jobId()
                            + "): repair it first, or choose another canary");
                }
            }
        }
    }

    private void fail(MigrationJob job, String why) {
        store.updateJob(job.finished(JobStatus.FAILED, why, List.of(), clock.instant()), EnumSet.of(JobStatus.PENDING));
        store.unlockFamily(job.org(), job.schemaDb(), job.id());
    }

    /**
     * Asks a running job to stop: its phase stops at once (no database changes after this), the next step of its
     * workflow sees the request and rolls back what was applied; a job whose workflow is gone is rolled back here.
     * CONFLICT once the parent has been changed (the job can only succeed from there) or when the job has ended.
     */
    public MigrationJob abort(String org, String parent, String jobId) {
        MigrationJob job = views.getJob(org, parent, jobId);
        if (job.status().isFinal()) {
            throw MultidbException.conflict("migration job " + jobId + " has already ended (" + job.status().wire() + ")");
        }
        if (ending.parentApplied(job)) {
            throw MultidbException.conflict("migration job " + jobId + " has already changed the schema database: it can only complete now");
        }
        if (!store.updateJob(job.withAbortRequested(), JobStatus.RUNNING)) {
            return views.getJob(org, parent, jobId);
        }
        families.stopApplying(parent, jobId);
        ending.releaseIfStale(org, parent, jobId);
        return views.getJob(org, parent, jobId);
    }

    /**
     * A new job with the same SQL and plan as a job that failed, rolled back or was aborted; for a job that ended
     * with children quarantined, a repair of those children (those still behind), with the same policy.
     */
    public MigrationJob retry(String org, String parent, String jobId) {
        MigrationJob job = views.getJob(org, parent, jobId);
        if (job.status() == JobStatus.SUCCEEDED_WITH_QUARANTINE) {
            List<String> behind = catalog.listChildren(org, parent).stream()
                    .filter(d -> d.behind() != null && d.behind().jobId().equals(jobId)).map(Database::name).toList();
            if (behind.isEmpty()) {
                throw MultidbException.conflict("no child that migration job " + jobId + " left behind is behind any more");
            }
            return repairs.start(org, parent, behind, job.plan().onChildFailure(), job.maxConcurrency());
        }
        if (job.status().isRunning() || job.status().succeeded()) {
            throw MultidbException.conflict("migration job " + jobId + " is " + job.status().wire()
                    + ": only a failed, rolled back or aborted job (or one that quarantined children) can be retried");
        }
        if (job.plan().isRepair()) {
            return repairs.start(org, parent, job.plan().repair().targets(), job.plan().onChildFailure(),
                    job.maxConcurrency());
        }
        return start(org, parent, job.sql(), job.maxConcurrency(), job.plan());
    }

    /**
     * Resumes a job paused after its canary: it goes on with the other children. CONFLICT unless it is paused.
     */
    public MigrationJob resume(String org, String parent, String jobId) {
        MigrationJob job = views.getJob(org, parent, jobId);
        if (job.resumed() && job.status().isRunning() && !job.abortRequested()) {
            return job; // resumed twice: the same answer
        }
        if (job.status() != JobStatus.PAUSED || job.abortRequested()) {
            throw MultidbException.conflict("migration job " + jobId + " is " + job.status().wire()
                    + (job.abortRequested() ? " (aborted)" : "") + ": only a job paused after its canary can be resumed"
                    + (job.plan().pauseAfterCanary() && job.status().isRunning()
                    ? "; it pauses once its canary children are migrated" : ""));
        }
        if (!store.updateJob(job.resume(), EnumSet.of(JobStatus.PAUSED))) {
            return resume(org, parent, jobId); // it changed meanwhile (aborted, or resumed twice): say what it is now
        }
        return views.getJob(org, parent, jobId);
    }

    /** Starts a repair (see {@link Repairs}). */
    public MigrationJob repair(String org, String parent, List<String> children, JobPlan.FailurePolicy policy,
                               Integer maxConcurrency) {
        return repairs.start(org, parent, children, policy, maxConcurrency);
    }

    /**
     * Releases the family's lock if its job is no longer running (its workflow ended without finishing it, e.g. it
     * was stopped, timed out, or lost with a local engine). Returns the released job; empty if there was no lock.
     * CONFLICT if it runs.
     */
    public Optional<MigrationJob> releaseStaleLock(String org, String parent) {
        Names.database(parent);
        Optional<String> holder = store.lockHolder(org, parent);
        if (holder.isEmpty()) {
            return Optional.empty();
        }
        if (!ending.releaseIfStale(org, parent, holder.get())) {
            throw MultidbException.conflict("migration job " + holder.get() + " is still running: wait for it, or abort it "
                    + "(POST .../migrations/" + holder.get() + "/abort)");
        }
        return store.getJob(org, holder.get());
    }

    /**
     * Ends every job of the organization whose workflow is gone (a local runtime starting again after it was killed
     * runs this once its engine is up). Returns the jobs it ended.
     */
    public List<MigrationJob> recoverAbandoned(String org) {
        List<MigrationJob> ended = new ArrayList<>();
        for (Database d : catalog.listDatabases(org)) {
            if (d.isSchema() && d.migrationJob() != null && ending.releaseIfStale(org, d.name(), d.migrationJob())) {
                store.getJob(org, d.migrationJob()).ifPresent(ended::add);
            }
        }
        return ended;
    }
}
