package io.multidb.migrations;

/**
 * The per-database work of a migration: what one SQLite file goes through. The workflow's steps
 * ({@link MigrationSteps}) decide which databases and when; this decides how, and is the seam where tests inject
 * failures (a decorator), never the production path.
 */
public interface DatabaseMigrator {

    /** What an apply did. */
    enum Applied {
        /** the change and this job's version row committed now */
        APPLIED,
        /** the database already had this job's version row: a retried or duplicated apply changes nothing */
        ALREADY
    }

    /** What an undo did. */
    enum Undone {
        /** this job's transaction was rolled back from its undo journal */
        UNDONE,
        /** the database never had this job's change: nothing to undo */
        UNCHANGED
    }

    /**
     * Runs the migration on the database's real data inside a transaction and rolls it back; nothing is written to
     * the file. Returns SQLite's error text, or null when it passed.
     */
    String dryRun(String database, MigrationJob job);

    /**
     * Applies the migration exactly once: the statements and this job's version row commit together, under the
     * database's write lock, after checking the job may still apply ({@code family}'s phase). With
     * {@code keepUndo}, the transaction's rollback journal is kept as the job's undo of this database.
     *
     * @throws MigrationFailed with SQLite's error when a statement fails (nothing was changed)
     * @throws MigrationStepFailed NOT_RUNNING when the job may no longer apply
     */
    Applied apply(String database, String family, MigrationJob job, boolean keepUndo);

    /**
     * Runs a canary's verify query on the database, read-only: null when it returned one row whose first column is
     * true, else why not (its value, its row count, or SQLite's error).
     */
    String verify(String database, String query);

    /** Undoes this job's change to the database if it has it, from the kept journal; exact to the byte. */
    Undone undo(String database, MigrationJob job);

    /** Whether the database carries this job's version row (waits for a writer in flight when asked to). */
    boolean hasApplied(String database, String jobId, boolean waitForWriter);

    /** The version the database's file is at: the highest version row, 0 without any. */
    long version(String database);

    /** Removes the undo journal a job kept of a database (once the job has ended); nothing if there is none. */
    void forget(String jobId, String database);

    /** A statement of the migration failed on this database: SQLite's error, a normal outcome, not a fault. */
    final class MigrationFailed extends RuntimeException {
        public MigrationFailed(String sqliteError) {
            super(sqliteError, null, false, false);
        }
    }
}
