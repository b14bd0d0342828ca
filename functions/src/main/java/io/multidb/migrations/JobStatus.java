package io.multidb.migrations;

import java.util.Locale;
import java.util.Set;

/** Where a migration job is; see package-info for the transitions. */
public enum JobStatus {
    PENDING, DRY_RUNNING, APPLYING, SUCCEEDED, FAILED, ROLLING_BACK, ROLLED_BACK, ABORTED;

    /** Statuses in which the job holds its family's lock and a workflow execution works on it. */
    public static final Set<JobStatus> RUNNING = Set.of(PENDING, DRY_RUNNING, APPLYING, ROLLING_BACK);

    public boolean isRunning() {
        return RUNNING.contains(this);
    }

    public boolean isFinal() {
        return !isRunning();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
