package io.multidb.migrations;

import java.util.Locale;

/** Where one database of a job is: dry-run outcome, then applied or failed, then possibly restored. */
public enum TaskStatus {
    PENDING, DRY_RUN_OK, DRY_RUN_FAILED, APPLIED, FAILED, RESTORED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TaskStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
