package io.multidb.migrations;

import java.util.Locale;

/** Where one database of a job is: dry-run outcome, then applied or failed, then possibly restored. */
public enum TaskStatus {
    PENDING, DRY_RUN_OK, DRY_RUN_FAILED, APPLIED, FAILED,
    /** a canary child applied, then its verify query did not return true (undone with the rest) */
    VERIFY_FAILED,
    RESTORED;

    /** The database failed this job (its dry-run, its apply or its canary check). */
    public boolean isFailure() {
        return this == DRY_RUN_FAILED || this == FAILED || this == VERIFY_FAILED;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TaskStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
