package io.multidb.sql;

import java.time.Duration;

/**
 * Bounds on the work one data-plane request may do, so one tenant cannot exhaust a function's memory or time.
 *
 * @param maxRequestsPerPipeline stream requests in one pipeline body
 * @param maxStatementsPerRequest statements in one pipeline (batch steps and sequence statements counted)
 * @param maxResultRows          rows returned by one pipeline, in all
 * @param maxResultBytes         approximate bytes of values returned by one pipeline (Lambda answers at most 6 MB)
 * @param statementTimeout       run time of one statement, enforced by SQLite's progress handler
 */
public record SqlLimits(
        int maxRequestsPerPipeline,
        int maxStatementsPerRequest,
        int maxResultRows,
        long maxResultBytes,
        Duration statementTimeout) {

    public static SqlLimits defaults() {
        return new SqlLimits(1_000, 10_000, 100_000, 4L * 1024 * 1024, Duration.ofSeconds(10));
    }
}
