package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.ABORTED;
import static io.multidb.migrations.MigrationStepFailed.Reason.APPLY_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.DRY_RUN_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.NOT_RUNNING;
import static io.multidb.migrations.MigrationStepFailed.Reason.PREPARE_FAILED;
import static io.multidb.migrations.MigrationStepFailed.Reason.TRANSIENT;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.databases.Names;
import io.multidb.storage.SqliteCopies;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;

/**
 * The migration use cases: the control plane's (start, abort, retry, release a stale lock, read) and the
 * workflow's steps (prepare, dry-run, apply, restore, finish). See package-info for the whole story.
 */
public final class MigrationService {
    /** The table every migrated database carries: one row per applied job, written in the job's transaction. */
    public static final String VERSION_TABLE = "_multidb_schema";
    private static final Set<JobStatus> ACTIVE = EnumSet.of(JobStatus.DRY_RUNNING, JobStatus.APPLYING);

    private final Catalog catalog;
    private final MigrationStore store;
    private final SqliteStore sqlite;
    private final SqliteCopies copies;
    private final WorkflowStarter workflows;
    private final MigrationOptions options;
    private final MigrationFaults faults;
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waiting between looks at the family (injectable so tests never sleep). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(java.time.Duration d) throws InterruptedException;
    }

    public MigrationService(Catalog catalog, MigrationStore store, SqliteStore sqlite, SqliteCopies copies,
                            WorkflowStarter workflows, MigrationOptions options, MigrationFaults faults, Clock clock,
                            Sleeper sleeper) {
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.sqlite = Objects.requireNonNull(sqlite);
        this.copies = Objects.requireNonNull(copies);
        this.workflows = Objects.requireNonNull(workflows);
        this.options = Objects.requireNonNull(options);
        this.faults = Objects.requireNonNull(faults);
        this.clock = Objects.requireNonNull(clock);
        this.sleeper = Objects.requireNonNull(sleeper);
    }

    // ------------------------------------------------------------------------------------------------ control plane

    /**
     * Starts a migration of {@code parent}'s family: records the job, takes the family's lock (releasing it first
     * if its holder is stale), and starts the workflow named after the job. CONFLICT naming the running job if
     * another holds the lock.
     */
    public MigrationJob start(String org, String parent, String sql, Integer maxConcurrency) {
        Names.database(parent);
        MigrationSql.parse(sql);
        int mc = maxConcurrency == null ? options.defaultMaxConcurrency() : maxConcurrency;
        if (mc < 1 || mc > MigrationOptions.MAX_CONCURRENCY) {
            throw MultidbException.invalid("'max_concurrency' must be between 1 and " + MigrationOptions.MAX_CONCURRENCY);
        }
        Database p = schemaDatabase(org, parent);
        MigrationJob job = new MigrationJob(UUID.randomUUID().toString(), org, parent, sql, JobStatus.PENDING,
                p.schemaVersion(), p.schemaVersion() + 1, null, now(), null, mc, 0, List.of(), false);
        // The job is recorded before the lock is taken, so that a lock never names a job nobody can look up.
        store.createJob(job);
        if (!store.lockFamily(org, parent, job.id())) {
            Optional<String> holder = store.lockHolder(org, parent);
            boolean retaken = holder.isPresent() && releaseIfStale(org, parent, holder.get())
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
        // through can land after the children's pre-migration copies are made.
        try {
            sqlite.families().fence(parent, job.id());
        } catch (RuntimeException e) {
            store.updateJob(job.finished(JobStatus.FAILED, "the family could not be fenced: " + e.getMessage(),
                    List.of(), now()), EnumSet.of(JobStatus.PENDING));
            store.unlockFamily(org, parent, job.id());
            throw MultidbException.unavailable("the family could not be fenced for the migration: retry", e);
        }
        // Versions only change under the lock: read them again now that we hold it.
        Database locked = schemaDatabase(org, parent);
        if (locked.schemaVersion() != job.fromVersion()) {
            MigrationJob fixed = new MigrationJob(job.id(), org, parent, sql, JobStatus.PENDING, locked.schemaVersion(),
                    locked.schemaVersion() + 1, null, job.createdAt(), null, mc, 0, List.of(), false);
            store.updateJob(fixed, EnumSet.of(JobStatus.PENDING));
            job = fixed;
        }
        try {
            workflows.start(job);
        } catch (RuntimeException e) {
            store.updateJob(job.finished(JobStatus.FAILED, "the workflow could not be started: " + e.getMessage(),
                    List.of(), now()), EnumSet.of(JobStatus.PENDING));
            sqlite.families().unfence(parent, job.id());
            store.unlockFamily(org, parent, job.id());
            throw MultidbException.unavailable("the migration workflow could not be started: retry", e);
        }
        return job;
    }

    public MigrationJob getJob(String org, String parent, String jobId) {
        MigrationJob job = store.getJob(org, jobId).filter(j -> j.schemaDb().equals(parent))
                .orElseThrow(() -> MultidbException.notFound("migration job '" + jobId + "' of '" + parent + "' does not exist"));
        return job;
    }

    public List<MigrationJob> listJobs(String org, String parent) {
        Names.database(parent);
        return store.listJobs(org, parent);
    }

    public Page<MigrationTask> progress(String jobId, String cursor, int limit) {
        return store.listTasks(jobId, cursor, Math.max(1, Math.min(limit, 1000)));
    }

    /**
     * Asks a running job to stop: the next step of its workflow sees the request and rolls back what was applied.
     * A job whose workflow is gone is rolled back and released here. CONFLICT once the parent has been changed
     * (the job can only succeed from there) or when the job has ended.
     */
    public MigrationJob abort(String org, String parent, String jobId) {
        MigrationJob job = getJob(org, parent, jobId);
        if (job.status().isFinal()) {
            throw MultidbException.conflict("migration job " + jobId + " has already ended (" + job.status().wire() + ")");
        }
        if (parentApplied(job)) {
            throw MultidbException.conflict("migration job " + jobId + " has already changed the schema database: it can only complete now");
        }
        MigrationJob asked = job.withAbortRequested();
        if (!store.updateJob(asked, JobStatus.RUNNING)) {
            return getJob(org, parent, jobId);
        }
        releaseIfStale(org, parent, jobId);
        return getJob(org, parent, jobId);
    }

    /** A new job with the same SQL as a job that failed, rolled back or was aborted. */
    public MigrationJob retry(String org, String parent, String jobId) {
        MigrationJob job = getJob(org, parent, jobId);
        if (job.status().isRunning() || job.status() == JobStatus.SUCCEEDED) {
            throw MultidbException.conflict("migration job " + jobId + " is " + job.status().wire()
                    + ": only a failed, rolled back or aborted job can be retried");
        }
        return start(org, parent, job.sql(), job.maxConcurrency());
    }

    /**
     * Releases the family's lock if its job is no longer running (its workflow ended without finishing it, e.g.
     * it was stopped or timed out). Returns the released job; empty if there was no lock. CONFLICT if it runs.
     */
    public Optional<MigrationJob> releaseStaleLock(String org, String parent) {
        Names.database(parent);
        Optional<String> holder = store.lockHolder(org, parent);
        if (holder.isEmpty()) {
            return Optional.empty();
        }
        if (!releaseIfStale(org, parent, holder.get())) {
            throw MultidbException.conflict("migration job " + holder.get() + " is still running");
        }
        return store.getJob(org, holder.get());
    }

    /**
     * If the lock's job is not running, finishes it the way its workflow would have (rolling back children it
     * changed, unless the parent was changed too: then it succeeded) and releases the lock.
     */
    boolean releaseIfStale(String org, String parent, String jobId) {
        Optional<MigrationJob> found = store.getJob(org, jobId);
        if (found.isEmpty() || found.get().status().isFinal()) {
            sqlite.families().unfence(parent, jobId);
            store.unlockFamily(org, parent, jobId);
            return true;
        }
        MigrationJob job = found.get();
        WorkflowStarter.ExecutionState state = workflows.describe(jobId);
        if (state == WorkflowStarter.ExecutionState.RUNNING) {
            return false;
        }
        if (state == WorkflowStarter.ExecutionState.NOT_FOUND
                && job.createdAt().plus(options.startGrace()).isAfter(now())) {
            return false; // its start may still be on the way
        }
        String why = "the workflow ended (" + state.name().toLowerCase(java.util.Locale.ROOT) + ") before the job finished";
        if (!parentApplied(job)) {
            // As restoreBatch does: once rolling back, no apply can start, even one from a lingering task.
            store.updateJob(job.withStatus(JobStatus.ROLLING_BACK), ACTIVE);
            forEachTaskPage(job, page -> restoreAll(job, page));
        }
        finish(org, jobId, false, why);
        return true;
    }

    // ------------------------------------------------------------------------------------------------ workflow steps

    /**
     * Lists the children once no child create is in flight, records one task per database, and splits the
     * children into batches. Returns the number of batches. Repeating it (a retried task) returns the same.
     *
     * <p>A child create that claimed its name before the lock was taken may still be "creating": its copy of the
     * parent is at the old version, so it must either be in the job or not exist. The catalog's create re-reads
     * the parent after claiming and backs off when it sees the lock, so no new claim can appear now; those in
     * flight either finish (then they are listed) or abort (then they are gone). We wait for that, bounded; a
     * claim that outlives the wait (a crashed create, until its lease expires) fails the job, which is safe and
     * can be retried.
     */
    public int prepare(String org, String jobId) {
        MigrationJob job = load(org, jobId);
        if (job.status() == JobStatus.DRY_RUNNING && job.batchCount() >= 0 && store.getTask(jobId, job.schemaDb()).isPresent()) {
            return job.batchCount();
        }
        requireStatus(job, EnumSet.of(JobStatus.PENDING));
        if (!store.lockHolder(org, job.schemaDb()).map(jobId::equals).orElse(false)) {
            throw new MigrationStepFailed(NOT_RUNNING, "job " + jobId + " no longer holds the lock of '" + job.schemaDb() + "'");
        }
        List<Database> children = settledChildren(org, job.schemaDb());
        List<String> names = children.stream().map(Database::name).sorted().toList();
        int size = options.batchSize(names.size());
        List<MigrationTask> tasks = new ArrayList<>(names.size() + 1);
        for (int i = 0; i < names.size(); i++) {
            tasks.add(new MigrationTask(jobId, names.get(i), i / size, TaskStatus.PENDING, null, job.fromVersion()));
        }
        store.putTasks(tasks);
        int batches = (names.size() + size - 1) / size;
        // The parent's task last: its presence marks prepare as done for a retry.
        store.putTask(new MigrationTask(jobId, job.schemaDb(), MigrationTask.PARENT_BATCH, TaskStatus.PENDING, null,
                job.fromVersion()));
        if (!store.updateJob(job.withStatus(JobStatus.DRY_RUNNING).withBatchCount(batches), EnumSet.of(JobStatus.PENDING))) {
            throw new MigrationStepFailed(TRANSIENT, "job " + jobId + " changed while being prepared");
        }
        return batches;
    }

    private List<Database> settledChildren(String org, String parent) {
        Instant deadline = now().plus(options.settleTimeout());
        while (true) {
            List<Database> ready = catalog.listChildren(org, parent);
            int all = catalog.countChildren(org, parent);
            if (all == ready.size()) {
                return ready;
            }
            if (!now().isBefore(deadline)) {
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
        MigrationTask task = task(job, job.schemaDb());
        String error = dryRun(job, job.schemaDb());
        store.putTask(task.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion()));
        if (error != null) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, "schema database " + job.schemaDb() + ": " + error);
        }
    }

    /** The migration on each child of one batch, rolled back; every outcome recorded; DRY_RUN_FAILED naming them. */
    public void dryRunBatch(String org, String jobId, int batch) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.DRY_RUNNING));
        Queue<MigrationTask> outcomes = new ConcurrentLinkedQueue<>();
        List<ChildFailure> failed = recordingOutcomes(outcomes, () -> parallel(store.listBatch(jobId, batch), t -> {
            String error = dryRun(job, t.database());
            outcomes.add(t.with(error == null ? TaskStatus.DRY_RUN_OK : TaskStatus.DRY_RUN_FAILED, error, job.fromVersion()));
            return error == null ? null : new ChildFailure(t.database(), error);
        }, () -> false));
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(DRY_RUN_FAILED, describe(failed, "failed the dry run"));
        }
    }

    /**
     * Applies the migration to each child of one batch: a copy first, then the SQL and the version row in one
     * transaction, then the task and the catalog's version. Stops starting new children at the first failure;
     * APPLY_FAILED naming the failures.
     */
    public void applyBatch(String org, String jobId, int batch) {
        MigrationJob job = toApplying(org, jobId);
        AtomicBoolean stop = new AtomicBoolean();
        Queue<MigrationTask> outcomes = new ConcurrentLinkedQueue<>();
        List<ChildFailure> failed = recordingOutcomes(outcomes, () -> parallel(store.listBatch(jobId, batch), t -> {
            if (t.status() == TaskStatus.APPLIED) {
                return null;
            }
            String error = apply(job, t.database(), true);
            if (error != null) {
                stop.set(true);
                outcomes.add(t.with(TaskStatus.FAILED, error, job.fromVersion()));
                return new ChildFailure(t.database(), error);
            }
            // The task's APPLIED is written with the batch's other outcomes; the catalog's version right away.
            outcomes.add(t.with(TaskStatus.APPLIED, null, job.toVersion()));
            store.setSchemaVersion(job.org(), t.database(), job.toVersion());
            return null;
        }, stop::get));
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, describe(failed, "failed to apply the migration"));
        }
    }

    /** Once every child is applied: the parent, which makes the job's outcome final. */
    public void applyParent(String org, String jobId) {
        MigrationJob job = toApplying(org, jobId);
        List<ChildFailure> notApplied = new ArrayList<>();
        forEachTaskPage(job, page -> page.stream()
                .filter(t -> !t.isParent() && t.status() != TaskStatus.APPLIED)
                .limit(MigrationJob.MAX_FAILURES_KEPT - notApplied.size())
                .forEach(t -> notApplied.add(new ChildFailure(t.database(), "not applied (" + t.status().wire() + ")"))));
        if (!notApplied.isEmpty()) {
            throw new MigrationStepFailed(APPLY_FAILED, describe(notApplied, "are not migrated"));
        }
        MigrationTask task = task(job, job.schemaDb());
        String error = apply(job, job.schemaDb(), false);
        if (error != null) {
            store.putTask(task.with(TaskStatus.FAILED, error, job.fromVersion()));
            throw new MigrationStepFailed(APPLY_FAILED, "schema database " + job.schemaDb() + ": " + error);
        }
        recordApplied(job, task);
    }

    /**
     * Puts back, from their copies, the children of one batch that carry this job's version. The first call
     * moves the job to rolling_back, which stops every apply still in flight from starting (see apply()). Does
     * nothing once the parent itself was migrated: from there the job can only succeed.
     */
    public void restoreBatch(String org, String jobId, int batch) {
        MigrationJob job = load(org, jobId);
        if (ACTIVE.contains(job.status())) {
            store.updateJob(job.withStatus(JobStatus.ROLLING_BACK), ACTIVE);
            job = load(org, jobId);
        }
        if (job.status() != JobStatus.ROLLING_BACK || parentApplied(job)) {
            return;
        }
        restoreAll(job, store.listBatch(jobId, batch));
    }

    private void restoreAll(MigrationJob job, List<MigrationTask> tasks) {
        List<ChildFailure> failed = parallel(tasks.stream().filter(t -> !t.isParent()).toList(), t -> {
            restore(job, t);
            return null;
        }, () -> false);
        if (!failed.isEmpty()) {
            throw new MigrationStepFailed(TRANSIENT, describe(failed, "could not be restored yet"));
        }
    }

    private void restore(MigrationJob job, MigrationTask t) {
        // Taking the write lock waits for an apply in flight, so its commit is seen here.
        boolean has = hasVersionRow(t.database(), job.id(), true);
        if (has) {
            if (!copies.hasCopy(job.id(), t.database())) {
                throw new StorageException("no copy of " + t.database() + " to restore", null);
            }
            copies.restore(job.id(), t.database());
            if (hasVersionRow(t.database(), job.id(), false)) {
                throw new StorageException("restore of " + t.database() + " did not take", null);
            }
        }
        if (has || t.status() == TaskStatus.APPLIED) {
            store.putTask(t.with(TaskStatus.RESTORED, t.error(), job.fromVersion()));
            store.setSchemaVersion(job.org(), t.database(), job.fromVersion());
        }
    }

    /**
     * Ends the job: succeeded (the parent was migrated), or failed / rolled back / aborted naming the databases
     * that failed and why; then removes the copies and releases the lock. Repeating it changes nothing.
     *
     * @param error the workflow's error (name and cause) on a failure path, else null
     */
    public MigrationJob finish(String org, String jobId, boolean succeeded, String error) {
        MigrationJob job = load(org, jobId);
        MigrationJob done = null;
        if (job.status().isRunning()) {
            if (parentApplied(job)) {
                done = job.finished(JobStatus.SUCCEEDED, null, List.of(), now());
            } else {
                List<ChildFailure> failures = new ArrayList<>();
                List<String> unrestored = new ArrayList<>();
                boolean[] changed = {false};
                forEachTaskPage(job, page -> page.forEach(t -> {
                    if ((t.status() == TaskStatus.DRY_RUN_FAILED || t.status() == TaskStatus.FAILED)
                            && failures.size() < MigrationJob.MAX_FAILURES_KEPT) {
                        failures.add(new ChildFailure(t.database(), t.error() == null ? "failed" : t.error()));
                    }
                    if (t.status() == TaskStatus.APPLIED && !t.isParent()) {
                        unrestored.add(t.database());
                    }
                    changed[0] |= t.status() == TaskStatus.RESTORED;
                }));
                JobStatus status;
                String message;
                if (!unrestored.isEmpty()) {
                    status = JobStatus.FAILED;
                    message = "could not restore " + unrestored.size() + " database(s) (" + String.join(", ",
                            unrestored.stream().limit(10).toList()) + "): they are at version " + job.toVersion()
                            + " while the schema database is at " + job.fromVersion() + "; " + summary(failures, error);
                } else if (job.abortRequested()) {
                    status = JobStatus.ABORTED;
                    message = "aborted" + (changed[0] ? "; changed databases were restored" : "");
                } else if (changed[0] || job.status() == JobStatus.ROLLING_BACK || job.status() == JobStatus.APPLYING) {
                    status = JobStatus.ROLLED_BACK;
                    message = summary(failures, error) + "; every database was put back to version " + job.fromVersion();
                } else {
                    status = JobStatus.FAILED;
                    message = summary(failures, error) + "; nothing was changed";
                }
                done = job.finished(status, message, failures, now());
            }
        }
        // The final status only once the fence is down: a client told the job has ended must find its family
        // writable (removing a big family's copies takes a while). The lock goes last, so that a failure before
        // the status is written leaves a lock the next start or the unlock call can finish the job from.
        copies.removeCopies(jobId);
        sqlite.families().unfence(job.schemaDb(), jobId);
        if (done != null) {
            store.updateJob(done, JobStatus.RUNNING);
        }
        store.unlockFamily(org, job.schemaDb(), jobId);
        return load(org, jobId);
    }

    private static String summary(List<ChildFailure> failures, String error) {
        if (failures.isEmpty()) {
            return error == null ? "the migration failed" : error;
        }
        return describe(failures, "failed");
    }

    // ------------------------------------------------------------------------------------------------ one database

    /** Runs the migration in a transaction on the database's real file and rolls it back; SQLite's error or null. */
    private String dryRun(MigrationJob job, String db) {
        MigrationSql sql = MigrationSql.parse(job.sql());
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), false); Statement s = c.createStatement()) {
            if (sql.foreignKeysOff()) {
                s.execute("PRAGMA foreign_keys=OFF");
            }
            s.execute("BEGIN IMMEDIATE");
            try {
                run(s, sql);
                return null;
            } catch (SQLException e) {
                transientOrNot(e, db);
                return e.getMessage();
            } finally {
                s.execute("ROLLBACK");
            }
        } catch (SQLException e) {
            throw transientOrNot(e, db);
        }
    }

    /**
     * Applies the migration to one database, exactly once: the SQL and this job's row in {@value #VERSION_TABLE}
     * commit together, and a database that already has the row is left alone (a retried or duplicated apply
     * reports success). Under the database's write lock, and before anything changes, it checks the job is still
     * applying (so an apply that arrives after a rollback began cannot change a database the rollback has
     * already passed) and keeps a copy of the file. Returns SQLite's error, or null on success.
     */
    private String apply(MigrationJob job, String db, boolean keepCopy) {
        MigrationSql sql = MigrationSql.parse(job.sql());
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), false); Statement s = c.createStatement()) {
            if (sql.foreignKeysOff()) {
                s.execute("PRAGMA foreign_keys=OFF");
            }
            s.execute("BEGIN IMMEDIATE");
            boolean committed = false;
            try {
                if (hasVersionRow(c, job.id())) {
                    return null;
                }
                MigrationJob now = load(job.org(), job.id());
                if (now.abortRequested()) {
                    throw new MigrationStepFailed(ABORTED, "job " + job.id() + " was aborted");
                }
                if (now.status() != JobStatus.APPLYING) {
                    throw new MigrationStepFailed(NOT_RUNNING, "job " + job.id() + " is " + now.status().wire() + ", not applying");
                }
                if (keepCopy) {
                    copies.makeCopy(job.id(), db);
                }
                try {
                    if (faults.failApply(db)) {
                        throw new SQLException("injected failure (MULTIDB_FAULT_APPLY_FAIL=" + db + ")");
                    }
                    run(s, sql);
                    s.execute("CREATE TABLE IF NOT EXISTS " + VERSION_TABLE
                            + "(version INTEGER NOT NULL, job_id TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)");
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO " + VERSION_TABLE
                            + "(version, job_id, applied_at) VALUES (?, ?, ?)")) {
                        p.setLong(1, job.toVersion());
                        p.setString(2, job.id());
                        p.setString(3, now().toString());
                        p.executeUpdate();
                    }
                } catch (SQLException e) {
                    transientOrNot(e, db);
                    return e.getMessage();
                }
                s.execute("COMMIT");
                committed = true;
            } finally {
                if (!committed && !c.getAutoCommit()) {
                    rollbackQuietly(s);
                }
            }
        } catch (SQLException e) {
            throw transientOrNot(e, db);
        }
        sqlite.evict(db);
        if (faults.crashAfterCommit(db)) {
            throw new MigrationStepFailed(TRANSIENT, "injected crash after commit (MULTIDB_FAULT_CRASH_AFTER_COMMIT=" + db + ")");
        }
        return null;
    }

    private void recordApplied(MigrationJob job, MigrationTask t) {
        store.putTask(t.with(TaskStatus.APPLIED, null, job.toVersion()));
        store.setSchemaVersion(job.org(), t.database(), job.toVersion());
    }

    private static void run(Statement s, MigrationSql sql) throws SQLException {
        for (String stmt : sql.statements()) {
            s.execute(stmt);
        }
        if (sql.foreignKeysOff()) {
            try (ResultSet r = s.executeQuery("PRAGMA foreign_key_check")) {
                if (r.next()) {
                    throw new SQLException("FOREIGN KEY constraint failed: table " + r.getString(1) + " row " + r.getLong(2)
                            + " refers to a missing row of " + r.getString(3));
                }
            }
        }
    }

    private boolean parentApplied(MigrationJob job) {
        return hasVersionRow(job.schemaDb(), job.id(), false);
    }

    private boolean hasVersionRow(String db, String jobId, boolean waitForWriter) {
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), false); Statement s = c.createStatement()) {
            if (!waitForWriter) {
                return hasVersionRow(c, jobId);
            }
            s.execute("BEGIN IMMEDIATE");
            try {
                return hasVersionRow(c, jobId);
            } finally {
                s.execute("ROLLBACK");
            }
        } catch (SQLException e) {
            throw transientOrNot(e, db);
        }
    }

    private static boolean hasVersionRow(SQLiteConnection c, String jobId) throws SQLException {
        try (PreparedStatement t = c.prepareStatement("SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?")) {
            t.setString(1, VERSION_TABLE);
            try (ResultSet r = t.executeQuery()) {
                if (!r.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM " + VERSION_TABLE + " WHERE job_id = ?")) {
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        }
    }

    /** A locked database is worth a retry; any other SQLite error is the migration's own failure. */
    private static MigrationStepFailed transientOrNot(SQLException e, String db) {
        int code = e.getErrorCode() & 0xff;
        if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
            throw new MigrationStepFailed(TRANSIENT, "database " + db + " is busy: " + e.getMessage(), e);
        }
        return new MigrationStepFailed(TRANSIENT, "database " + db + ": " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // the connection is closed next, which rolls back anyway
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private MigrationJob toApplying(String org, String jobId) {
        MigrationJob job = running(org, jobId, EnumSet.of(JobStatus.DRY_RUNNING, JobStatus.APPLYING));
        if (job.status() == JobStatus.DRY_RUNNING) {
            store.updateJob(job.withStatus(JobStatus.APPLYING), EnumSet.of(JobStatus.DRY_RUNNING));
            job = running(org, jobId, EnumSet.of(JobStatus.APPLYING));
        }
        return job;
    }

    private MigrationJob running(String org, String jobId, Set<JobStatus> allowed) {
        MigrationJob job = load(org, jobId);
        if (job.abortRequested()) {
            throw new MigrationStepFailed(ABORTED, "job " + jobId + " was aborted");
        }
        requireStatus(job, allowed);
        return job;
    }

    private static void requireStatus(MigrationJob job, Set<JobStatus> allowed) {
        if (!allowed.contains(job.status())) {
            throw new MigrationStepFailed(NOT_RUNNING, "job " + job.id() + " is " + job.status().wire());
        }
    }

    private MigrationJob load(String org, String jobId) {
        return store.getJob(org, jobId).orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING, "no job " + jobId));
    }

    private MigrationTask task(MigrationJob job, String db) {
        return store.getTask(job.id(), db).orElseThrow(() -> new MigrationStepFailed(NOT_RUNNING,
                "job " + job.id() + " has no task for " + db + ": was it prepared?"));
    }

    private Database schemaDatabase(String org, String parent) {
        Database p = catalog.getDatabase(org, parent)
                .orElseThrow(() -> MultidbException.notFound("database '" + parent + "' does not exist"));
        if (!p.isSchema()) {
            throw MultidbException.invalid("'" + parent + "' is not a schema database: migrations run on a database "
                    + "created with is_schema: true and carry its change to its children");
        }
        return p;
    }

    private void forEachTaskPage(MigrationJob job, java.util.function.Consumer<List<MigrationTask>> each) {
        String cursor = null;
        do {
            Page<MigrationTask> page = store.listTasks(job.id(), cursor, 1000);
            each.accept(page.items());
            cursor = page.next();
        } while (cursor != null);
    }

    /**
     * Runs {@code work} on each task with the batch's bounded parallelism; returns the failures it reports. A
     * thrown exception (transient, or a step failure) is rethrown after every started item has ended, so no
     * work of this batch is still running when the workflow moves on.
     */
    private List<ChildFailure> parallel(List<MigrationTask> tasks, Function<MigrationTask, ChildFailure> work,
                                        java.util.function.BooleanSupplier stop) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        int n = Math.min(options.batchParallelism(), tasks.size());
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<ChildFailure>> futures = new ArrayList<>();
            for (MigrationTask t : tasks) {
                futures.add(pool.submit(() -> stop.getAsBoolean() ? null : work.apply(t)));
            }
            List<ChildFailure> failed = new ArrayList<>();
            RuntimeException thrown = null;
            for (Future<ChildFailure> f : futures) {
                try {
                    ChildFailure r = f.get();
                    if (r != null) {
                        failed.add(r);
                    }
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    if (thrown == null || rank(cause) > rank(thrown)) {
                        thrown = cause;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationStepFailed(TRANSIENT, "interrupted");
                }
            }
            if (thrown != null) {
                throw thrown;
            }
            failed.sort(Comparator.comparing(ChildFailure::database));
            return failed;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs a batch step and then records its databases' outcomes in one batched write instead of one write per
     * database (a request per database was most of the dry-run's time locally, and is a round trip per database in
     * AWS: docs/benchmarks.md). Written also when the step throws, so that progress shows what was done; a failed
     * write then does not hide the step's own failure. Nothing depends on these records being written before the batch ends: a retried batch finds each
     * database's version row (apply skips it and records it again), and a restore is driven by the version rows,
     * not by the records.
     */
    private <T> T recordingOutcomes(Queue<MigrationTask> outcomes, java.util.function.Supplier<T> step) {
        T result;
        try {
            result = step.get();
        } catch (RuntimeException e) {
            try {
                store.putTaskOutcomes(List.copyOf(outcomes));
            } catch (RuntimeException w) {
                e.addSuppressed(w);
            }
            throw e;
        }
        store.putTaskOutcomes(List.copyOf(outcomes));
        return result;
    }

    /** An abort outranks a transient failure: retrying an aborted job's step is pointless. */
    private static int rank(RuntimeException e) {
        return e instanceof MigrationStepFailed m && m.reason() != TRANSIENT ? 1 : 0;
    }

    private static String describe(List<ChildFailure> failed, String what) {
        StringBuilder b = new StringBuilder();
        b.append(failed.size()).append(failed.size() == 1 ? " database " : " databases ").append(what).append(": ");
        for (int i = 0; i < Math.min(failed.size(), 10); i++) {
            b.append(i == 0 ? "" : "; ").append(failed.get(i));
        }
        if (failed.size() > 10) {
            b.append("; …");
        }
        return b.toString();
    }

    private Instant now() {
        return clock.instant();
    }

    /**
     * Waits until the job has ended and released its family's lock, or {@code timeout} has passed, looking every
     * {@code poll}; returns the job as it is then (still running if the time ran out). Used by callers that answer
     * when the migration is done: after that answer, children can be created and deleted again.
     */
    public MigrationJob await(String org, String parent, String jobId, java.time.Duration timeout, java.time.Duration poll) {
        Instant deadline = now().plus(timeout);
        MigrationJob job = getJob(org, parent, jobId);
        while ((job.status().isRunning() || store.lockHolder(org, parent).filter(jobId::equals).isPresent())
                && now().isBefore(deadline)) {
            try {
                sleeper.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return job;
            }
            job = getJob(org, parent, jobId);
        }
        return job;
    }
}
