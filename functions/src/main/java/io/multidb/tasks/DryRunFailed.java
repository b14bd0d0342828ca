package io.multidb.tasks;

/** The migration failed on at least one database's real data; nothing was changed. */
public final class DryRunFailed extends TaskFailure {
    public DryRunFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
