package io.multidb.tasks;

/** The migration failed on a database after the dry-run passed; the workflow restores the changed children. */
public final class ApplyFailed extends TaskFailure {
    public ApplyFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
