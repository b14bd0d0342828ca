package io.multidb.migrations;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test hooks for the failures the all-or-nothing promise is about; both null in production.
 *
 * @param failApplyOf        the apply on this database fails (after its dry-run passed), as a SQL error would
 * @param crashAfterCommitOf the first apply on this database crashes after its transaction committed and before
 *                           the task is recorded, as a Lambda timing out there would
 */
public record MigrationFaults(String failApplyOf, String crashAfterCommitOf, Set<String> crashed) {
    public static final MigrationFaults NONE = new MigrationFaults(null, null);

    public MigrationFaults(String failApplyOf, String crashAfterCommitOf) {
        this(failApplyOf, crashAfterCommitOf, ConcurrentHashMap.newKeySet());
    }

    /** From MULTIDB_FAULT_APPLY_FAIL and MULTIDB_FAULT_CRASH_AFTER_COMMIT (system property first, then env). */
    public static MigrationFaults fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The same from the environment the handlers are built with (system property first, then {@code env}), so
     * that a local runtime can be started with faults of its own.
     */
    public static MigrationFaults fromEnvironment(Map<String, String> env) {
        return new MigrationFaults(setting("MULTIDB_FAULT_APPLY_FAIL", env), setting("MULTIDB_FAULT_CRASH_AFTER_COMMIT", env));
    }

    private static String setting(String name, Map<String, String> env) {
        String v = System.getProperty(name);
        if (v == null) {
            v = env.get(name);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    boolean failApply(String db) {
        return db.equals(failApplyOf);
    }

    /** True once per database and process. */
    boolean crashAfterCommit(String db) {
        return db.equals(crashAfterCommitOf) && crashed.add(db);
    }
}
