package io.multidb.tasks;

/** The children could not be listed in a settled state; nothing was changed. */
public final class PrepareFailed extends TaskFailure {
    public PrepareFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
