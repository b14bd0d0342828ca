package io.multidb.migrations;

import java.util.Objects;

/**
 * A workflow step that cannot complete. The task handler turns each reason into an error name of its own, which
 * the state machine routes on: TRANSIENT is retried, everything else goes to rollback or release.
 */
public final class MigrationStepFailed extends RuntimeException {
    public enum Reason {
        /** The children could not be listed in a settled state (a child create is still in progress). */
        PREPARE_FAILED,
        /** The migration failed on at least one database's real data; nothing was changed. */
        DRY_RUN_FAILED,
        /** The migration failed on a database after the dry-run passed. */
        APPLY_FAILED,
        /** An abort was requested. */
        ABORTED,
        /** The job is not in a state where this step may run (already ended, or its lock was lost). */
        NOT_RUNNING,
        /** A busy database, a throttled metadata store, a crash: the same step may succeed when retried. */
        TRANSIENT
    }

    private final Reason reason;

    public MigrationStepFailed(Reason reason, String message) {
        this(reason, message, null);
    }

    public MigrationStepFailed(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }
}
