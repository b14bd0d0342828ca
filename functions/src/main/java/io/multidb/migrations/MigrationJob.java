package io.multidb.migrations;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One schema change carried from a schema database to its whole family.
 *
 * @param id             also the workflow execution's name: lowercase letters, digits and dashes
 * @param schemaDb       the schema database (parent) whose family the job migrates
 * @param sql            the migration as sent (shown back to people)
 * @param program        its statements, split and checked once by {@link MigrationSql} when the job started: every
 *                       database runs these, nothing splits the text again
 * @param fromVersion    the parent's schema version when the job started; every database is back here after a
 *                       failure
 * @param toVersion      fromVersion + 1: the version every database has after success
 * @param error          why the job failed, rolled back or was aborted; null otherwise
 * @param finishedAt     null while running
 * @param maxConcurrency how many batches run at once (the Map state's MaxConcurrency)
 * @param batchCount     how many batches prepare split the children into (0 before prepare)
 * @param failedChildren the first few databases that failed and why (the tasks hold all of them)
 * @param abortRequested set by an abort; the next task to run sees it and routes the workflow to rollback
 * @param plan           how it rolls out (canary, verify, pause, failure policy, repair): fixed at start
 * @param canaryBatches  how many of the batches (the first ones) hold the canary children (0: no canary)
 * @param resumed        a person resumed the job after its canary (only with {@code plan.pauseAfterCanary()})
 */
public record MigrationJob(
        String id,
        String org,
        String schemaDb,
        String sql,
        MigrationSql program,
        JobStatus status,
        long fromVersion,
        long toVersion,
        String error,
        Instant createdAt,
        Instant finishedAt,
        int maxConcurrency,
        int batchCount,
        List<ChildFailure> failedChildren,
        boolean abortRequested,
        JobPlan plan,
        int canaryBatches,
        boolean resumed) {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
    /** How many failures a job keeps in its own record; a single DynamoDB item must stay small. */
    public static final int MAX_FAILURES_KEPT = 20;

    public MigrationJob {
        Objects.requireNonNull(id);
        Objects.requireNonNull(org);
        Objects.requireNonNull(schemaDb);
        Objects.requireNonNull(sql);
        Objects.requireNonNull(program);
        Objects.requireNonNull(status);
        Objects.requireNonNull(createdAt);
        failedChildren = failedChildren == null ? List.of() : List.copyOf(failedChildren);
        plan = plan == null ? JobPlan.DEFAULT : plan;
        if (!isValidId(id)) {
            throw new IllegalArgumentException("not a valid job id");
        }
    }

    /** A job with the default plan (all or nothing, no canary). */
    public MigrationJob(String id, String org, String schemaDb, String sql, MigrationSql program, JobStatus status,
                        long fromVersion, long toVersion, String error, Instant createdAt, Instant finishedAt,
                        int maxConcurrency, int batchCount, List<ChildFailure> failedChildren, boolean abortRequested) {
        this(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, batchCount, failedChildren, abortRequested, JobPlan.DEFAULT, 0, false);
    }

    /** Job ids become execution names and file names (copies/{job}/): checked like database names. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public MigrationJob withStatus(JobStatus s) {
        return new MigrationJob(id, org, schemaDb, sql, program, s, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, batchCount, failedChildren, abortRequested, plan, canaryBatches, resumed);
    }

    public MigrationJob withBatchCount(int n) {
        return new MigrationJob(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, n, failedChildren, abortRequested, plan, canaryBatches, resumed);
    }

    /** A new job, pending, with its SQL split once. */
    public static MigrationJob pending(String id, String org, String schemaDb, String sql, long fromVersion,
                                       java.time.Instant createdAt, int maxConcurrency) {
        return pending(id, org, schemaDb, sql, fromVersion, createdAt, maxConcurrency, JobPlan.DEFAULT);
    }

    /** A new job with a plan; a repair stays at the parent's version (its children catch up to it). */
    public static MigrationJob pending(String id, String org, String schemaDb, String sql, long fromVersion,
                                       java.time.Instant createdAt, int maxConcurrency, JobPlan plan) {
        MigrationSql program = plan.isRepair() ? new MigrationSql(List.of(), plan.repair().anyForeignKeysOff())
                : MigrationSql.parse(sql);
        return new MigrationJob(id, org, schemaDb, sql, program, JobStatus.PENDING, fromVersion,
                plan.isRepair() ? fromVersion : fromVersion + 1, null, createdAt, null, maxConcurrency, 0, List.of(),
                false, plan, 0, false);
    }

    public MigrationJob withCanaryBatches(int n) {
        return new MigrationJob(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt,
                finishedAt, maxConcurrency, batchCount, failedChildren, abortRequested, plan, n, resumed);
    }

    /** Resumed after its canary: applying again. */
    public MigrationJob resume() {
        return new MigrationJob(id, org, schemaDb, sql, program, JobStatus.APPLYING, fromVersion, toVersion, error,
                createdAt, finishedAt, maxConcurrency, batchCount, failedChildren, abortRequested, plan, canaryBatches,
                true);
    }

    public boolean isCanaryBatch(int batch) {
        return batch >= 0 && batch < canaryBatches;
    }

    /** The statements a database at {@code version} runs: the job's own, or for a repair the steps it lacks. */
    public MigrationSql programFor(long version) {
        return plan.isRepair() ? plan.repair().programFrom(version) : program;
    }

    /** The same job starting from another version (read again under the family's lock). */
    public MigrationJob fromVersion(long version) {
        return new MigrationJob(id, org, schemaDb, sql, program, status, version, plan.isRepair() ? version : version + 1, error, createdAt,
                finishedAt, maxConcurrency, batchCount, failedChildren, abortRequested, plan, canaryBatches, resumed);
    }

    public MigrationJob withAbortRequested() {
        return new MigrationJob(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, batchCount, failedChildren, true, plan, canaryBatches, resumed);
    }

    public MigrationJob finished(JobStatus s, String err, List<ChildFailure> failures, Instant at) {
        return new MigrationJob(id, org, schemaDb, sql, program, s, fromVersion, toVersion, err, createdAt, at,
                maxConcurrency, batchCount, failures, abortRequested, plan, canaryBatches, resumed);
    }
}
