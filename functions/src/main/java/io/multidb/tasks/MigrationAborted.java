package io.multidb.tasks;

/** Someone aborted the job; the workflow restores the changed children. */
public final class MigrationAborted extends TaskFailure {
    public MigrationAborted(String message, Throwable cause) {
        super(message, cause);
    }
}
