package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.common.Names;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a job rolls out, fixed when it starts: which children go first (the canary) and what must hold on them, whether
 * the job waits for a person after them, what a child's failure means, and, for a repair, which children it brings
 * forward with which recorded migrations.
 *
 * @param canary           children migrated before the others, or null
 * @param verify           a read-only query run on each canary child after its apply; it must return one row whose
 *                         first column is true, else the job rolls back. Null: none
 * @param pauseAfterCanary the job waits (status paused, the family still write-blocked) until resumed or aborted
 * @param onChildFailure   what a child's failure means (the dry-run still runs everywhere first)
 * @param repair           set for a job that replays recorded migrations on behind children, else null
 */
public record JobPlan(Canary canary, String verify, boolean pauseAfterCanary, FailurePolicy onChildFailure,
                      Repair repair) {
    public static final JobPlan DEFAULT = new JobPlan(null, null, false, FailurePolicy.ROLLBACK_ALL, null);
    /** Canary children at most (they run before the rest, one Map of their own). */
    public static final int MAX_CANARY = 1000;

    public JobPlan {
        Objects.requireNonNull(onChildFailure);
        if (verify != null && canary == null) {
            throw MultidbException.invalid("'verify' runs on the canary children: give 'canary' too");
        }
        if (pauseAfterCanary && canary == null) {
            throw MultidbException.invalid("'pause_after_canary' pauses after the canary children: give 'canary' too");
        }
    }

    public boolean quarantines() {
        return onChildFailure == FailurePolicy.QUARANTINE;
    }

    public boolean isRepair() {
        return repair != null;
    }

    public JobPlan withRepair(Repair r) {
        return new JobPlan(canary, verify, pauseAfterCanary, onChildFailure, r);
    }

    /**
     * The canary: the first {@code count} children by name, or the named ones.
     */
    public record Canary(int count, List<String> names) {
        public Canary {
            names = names == null ? List.of() : List.copyOf(names);
            if (names.isEmpty() == (count <= 0)) {
                throw MultidbException.invalid("'canary' is a number of children (1-" + MAX_CANARY
                        + ", the first by name) or a list of child names");
            }
            if (count > MAX_CANARY || names.size() > MAX_CANARY) {
                throw MultidbException.invalid("'canary' names at most " + MAX_CANARY + " children");
            }
            names.forEach(Names::database);
            if (names.stream().distinct().count() != names.size()) {
                throw MultidbException.invalid("'canary' names a child twice");
            }
        }

        public static Canary first(int count) {
            return new Canary(count, List.of());
        }

        public static Canary named(List<String> names) {
            return new Canary(0, names);
        }
    }

    /** What a child's failure (at its dry-run or its apply) means for the job. */
    public enum FailurePolicy {
        /** any failure rolls every database back: the family stays on one version (the default) */
        ROLLBACK_ALL,
        /**
         * the children that pass are migrated, then the parent; those that fail stay at the old version, marked
         * behind with their error, and keep serving; a failing canary still rolls everything back
         */
        QUARANTINE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static FailurePolicy fromWire(String s) {
            for (FailurePolicy p : values()) {
                if (p.wire().equals(s)) {
                    return p;
                }
            }
            throw MultidbException.invalid("'on_child_failure' is \"rollback_all\" (the default) or \"quarantine\"");
        }
    }

    /**
     * A repair: the given children (behind the parent) get the recorded migrations they lack, each from its own
     * file's version, in one transaction per child; the parent only records the job.
     *
     * @param targets the children to bring forward, in name order
     * @param steps   the parent's recorded migrations after the oldest target's version, in version order
     */
    public record Repair(List<String> targets, List<ReplayStep> steps) {
        public Repair {
            targets = List.copyOf(targets);
            steps = List.copyOf(steps);
        }

        /** The statements a database at {@code version} runs: every step above it, in order (null: none lacking). */
        public MigrationSql programFrom(long version) {
            List<String> out = new java.util.ArrayList<>();
            boolean fkOff = false;
            for (ReplayStep s : steps) {
                if (s.version() > version) {
                    out.addAll(s.program().statements());
                    fkOff |= s.program().foreignKeysOff();
                }
            }
            return out.isEmpty() ? null : new MigrationSql(out, fkOff);
        }

        public boolean anyForeignKeysOff() {
            return steps.stream().anyMatch(s -> s.program().foreignKeysOff());
        }
    }

    /** One recorded migration of the parent: the version it brought and its statements. */
    public record ReplayStep(long version, String jobId, MigrationSql program) {
    }
}
