package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.TRANSIENT;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The test seam for the failures the all-or-nothing promise is about, as a decorator of the real migrator: the
 * production path has no fault hooks. Shared with the local runtime's tests (the functions test-jar).
 */
public final class FaultyMigrator implements DatabaseMigrator {
    private final DatabaseMigrator real;
    private final String failApplyOf;
    private final String crashAfterCommitOf;
    private final Set<String> crashed = ConcurrentHashMap.newKeySet();

    private FaultyMigrator(DatabaseMigrator real, String failApplyOf, String crashAfterCommitOf) {
        this.real = real;
        this.failApplyOf = failApplyOf;
        this.crashAfterCommitOf = crashAfterCommitOf;
    }

    /** The apply on this database fails (after its dry-run passed), as a SQL error would; nothing of it commits. */
    public static UnaryOperator<DatabaseMigrator> failApplyOf(String database) {
        return real -> new FaultyMigrator(real, database, null);
    }

    /**
     * The first apply on this database crashes after its transaction committed and before the step records it, as
     * a Lambda timing out there would.
     */
    public static UnaryOperator<DatabaseMigrator> crashAfterCommitOf(String database) {
        return real -> new FaultyMigrator(real, null, database);
    }

    @Override
    public String dryRun(String database, MigrationJob job) {
        return real.dryRun(database, job);
    }

    @Override
    public Applied apply(String database, String family, MigrationJob job, boolean keepUndo) {
        if (database.equals(failApplyOf)) {
            throw new MigrationFailed("injected failure of " + database + " after its dry-run");
        }
        Applied applied = real.apply(database, family, job, keepUndo);
        if (database.equals(crashAfterCommitOf) && crashed.add(database)) {
            throw new MigrationStepFailed(TRANSIENT, "injected crash after the commit on " + database);
        }
        return applied;
    }

    @Override
    public String verify(String database, String query) {
        return real.verify(database, query);
    }

    @Override
    public Undone undo(String database, MigrationJob job) {
        return real.undo(database, job);
    }

    @Override
    public boolean hasApplied(String database, String jobId, boolean waitForWriter) {
        return real.hasApplied(database, jobId, waitForWriter);
    }

    @Override
    public long version(String database) {
        return real.version(database);
    }

    @Override
    public void forget(String jobId, String database) {
        real.forget(jobId, database);
    }
}
