package io.multidb.migrations;

/**
 * The port to the workflow engine (Step Functions in AWS, aws-local-stepfunctions locally). The execution's
 * input is {@code {"org": ..., "job_id": ..., "max_concurrency": n}}; its name is the job id, so a duplicated start is
 * refused by the engine rather than run twice.
 */
public interface WorkflowStarter {

    /** What the engine says of an execution. */
    enum ExecutionState { RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, NOT_FOUND }

    void start(MigrationJob job);

    /** What the engine says of the execution named {@code jobId} (a job's id, or a drift scan's). */
    ExecutionState describe(String jobId);

    /**
     * Starts a drift scan of {@code schemaDb}'s family (io.multidb.drift): an execution named {@code scanId} with the
     * input {@code {"kind": "drift_scan", "org", "schema_database", "scan_id", "max_concurrency"}}.
     */
    default void startDriftScan(String org, String schemaDb, String scanId, int maxConcurrency) {
        throw new UnsupportedOperationException("this workflow engine does not run drift scans");
    }

    /**
     * Since when the engine remembers executions: an execution it does not know that was started before is lost (a
     * local engine that was restarted), not still starting. Step Functions never forgets a running one.
     */
    default java.time.Instant knowsExecutionsSince() {
        return java.time.Instant.MIN;
    }
}
