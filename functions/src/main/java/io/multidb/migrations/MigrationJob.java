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
        boolean abortRequested) {

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
        if (!isValidId(id)) {
            throw new IllegalArgumentException("not a valid job id");
        }
    }

    /** Job ids become execution names and file names (copies/{job}/): checked like database names. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public MigrationJob withStatus(JobStatus s) {
        return new MigrationJob(id, org, schemaDb, sql, program, s, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, batchCount, failedChildren, abortRequested);
    }

    public MigrationJob withBatchCount(int n) {
        return new MigrationJob(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, n, failedChildren, abortRequested);
    }

    /** A new job, pending, with its SQL split once. */
    public static MigrationJob pending(String id, String org, String schemaDb, String sql, long fromVersion,
                                       java.time.Instant createdAt, int maxConcurrency) {
        return new MigrationJob(id, org, schemaDb, sql, MigrationSql.parse(sql), JobStatus.PENDING, fromVersion,
                fromVersion + 1, null, createdAt, null, maxConcurrency, 0, List.of(), false);
    }

    /** The same job starting from another version (read again under the family's lock). */
    public MigrationJob fromVersion(long version) {
        return new MigrationJob(id, org, schemaDb, sql, program, status, version, version + 1, error, createdAt,
                finishedAt, maxConcurrency, batchCount, failedChildren, abortRequested);
    }

    public MigrationJob withAbortRequested() {
        return new MigrationJob(id, org, schemaDb, sql, program, status, fromVersion, toVersion, error, createdAt, finishedAt,
                maxConcurrency, batchCount, failedChildren, true);
    }

    public MigrationJob finished(JobStatus s, String err, List<ChildFailure> failures, Instant at) {
        return new MigrationJob(id, org, schemaDb, sql, program, s, fromVersion, toVersion, err, createdAt, at,
                maxConcurrency, batchCount, failures, abortRequested);
    }
}
