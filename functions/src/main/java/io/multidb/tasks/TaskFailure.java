package io.multidb.tasks;

/**
 * A task that ends in an error the state machine routes on. Lambda reports the exception's class as the error
 * name (errorType), so each outcome is a class of its own and its name is part of the ASL's contract:
 * {@link TransientTaskFailure} is retried; every other failure is caught and leads to rollback or release.
 */
public abstract sealed class TaskFailure extends RuntimeException
        permits PrepareFailed, DryRunFailed, ApplyFailed, MigrationAborted, JobNotRunning, TransientTaskFailure {
    protected TaskFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
