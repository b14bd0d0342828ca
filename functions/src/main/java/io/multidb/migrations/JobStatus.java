package io.multidb.migrations;

import java.util.Locale;
import java.util.Set;

/** Where a migration job is; see package-info for the transitions. */
public enum JobStatus {
    PENDING, DRY_RUNNING, APPLYING,
    /** applied to its canary children and waiting for a resume or an abort; the family stays write-blocked */
    PAUSED,
    SUCCEEDED,
    /** the parent and every child that passed are migrated; the children that failed stayed behind (quarantine) */
    SUCCEEDED_WITH_QUARANTINE,
    FAILED, ROLLING_BACK, ROLLED_BACK, ABORTED;

    /** Statuses in which the job holds its family's lock and a workflow execution works on it. */
    public static final Set<JobStatus> RUNNING = Set.of(PENDING, DRY_RUNNING, APPLYING, PAUSED, ROLLING_BACK);

    /** The parent carries the job: it reached its new version. */
    public boolean succeeded() {
        return this == SUCCEEDED || this == SUCCEEDED_WITH_QUARANTINE;
    }

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
