package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.NOT_RUNNING;
import static io.multidb.migrations.MigrationStepFailed.Reason.TRANSIENT;

import io.multidb.schema.SchemaShape;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageException;
import io.multidb.storage.UndoJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;

/**
 * The per-database migration engine on SQLite files. What one child pays (docs/migrations.md, "What a child
 * pays"):
 * <ul>
 *   <li><b>dry-run</b>: the statements in a transaction whose journal is in memory and whose changed pages never
 *       leave the page cache ({@code journal_mode=MEMORY}, {@code cache_spill=OFF}), then rolled back: SQLite reads
 *       what the change reads and writes nothing, no fsync. Files above {@link #IN_MEMORY_DRY_RUN_LIMIT} dry-run
 *       with the ordinary on-disk journal, so a rewrite of a huge table cannot exhaust memory.</li>
 *   <li><b>apply</b>: the statements and this job's version row in one ordinary transaction, whose rollback journal
 *       is kept as the undo ({@link UndoJournals#keep}: a hard link, no byte copied, made durable by SQLite's own
 *       directory sync at commit). Exactly what the plain transaction costs, plus one link.</li>
 *   <li><b>undo</b> (only on a rollback): the kept journal played back by SQLite, touching only the pages the change
 *       touched; the file is byte for byte what it was.</li>
 * </ul>
 */
public final class SqliteMigrator implements DatabaseMigrator {
    /** The table every migrated database carries: one row per applied job, written in the job's transaction. */
    public static final String VERSION_TABLE = "_multidb_schema";
    /** Files larger than this dry-run with an on-disk journal (memory stays bounded by the page cache). */
    public static final long IN_MEMORY_DRY_RUN_LIMIT = 64L << 20;

    private final SqliteStore sqlite;
    private final UndoJournals undo;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicReference<ParentShape> lastParentShape =
            new java.util.concurrent.atomic.AtomicReference<>();

    public SqliteMigrator(SqliteStore sqlite, UndoJournals undo, Clock clock) {
        this.sqlite = Objects.requireNonNull(sqlite);
        this.undo = Objects.requireNonNull(undo);
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public String dryRun(String db, MigrationJob job) {
        Path file = sqlite.fileOf(db);
        try (SQLiteConnection c = sqlite.connect(file, false); Statement s = c.createStatement()) {
            beginRolledBackRun(s, file, job.program().foreignKeysOff());
            try {
                MigrationSql program = programOf(c, job);
                if (program != null) {
                    run(s, program);
                }
                return job.plan().isRepair() && !job.schemaDb().equals(db) ? divergence(c, job) : null;
            } catch (SQLException e) {
                throwIfTransient(e, db);
                return e.getMessage();
            } finally {
                s.execute("ROLLBACK");
            }
        } catch (SQLException | java.io.IOException e) {
            throw transientFailure(e, db);
        }
    }

    @Override
    public Applied apply(String db, String family, MigrationJob job, boolean keepUndo) {
        Path file = sqlite.fileOf(db);
        try (SQLiteConnection c = sqlite.connect(file, false); Statement s = c.createStatement()) {
            if (job.program().foreignKeysOff()) {
                s.execute("PRAGMA foreign_keys=OFF");
            }
            s.execute("BEGIN IMMEDIATE");
            boolean committed = false;
            try {
                if (hasVersionRow(c, job.id())) {
                    return Applied.ALREADY;
                }
                // Under the file's write lock: a rollback that began stops the phase before it undoes this file, so
                // either it finds this commit, or this finds the phase stopped.
                if (!sqlite.families().isApplying(family, job.id())) {
                    throw new MigrationStepFailed(NOT_RUNNING, "job " + job.id() + " is no longer applying");
                }
                try {
                    MigrationSql program = programOf(c, job);
                    if (program != null) {
                        run(s, program);
                    }
                    s.execute("CREATE TABLE IF NOT EXISTS " + VERSION_TABLE
                            + "(version INTEGER NOT NULL, job_id TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)");
                    try (PreparedStatement p = c.prepareStatement("INSERT INTO " + VERSION_TABLE
                            + "(version, job_id, applied_at) VALUES (?, ?, ?)")) {
                        p.setLong(1, job.toVersion());
                        p.setString(2, job.id());
                        p.setString(3, clock.instant().toString());
                        p.executeUpdate();
                    }
                } catch (SQLException e) {
                    throwIfTransient(e, db);
                    throw new MigrationFailed(e.getMessage());
                }
                if (keepUndo) {
                    undo.keep(job.id(), file);
                }
                s.execute("COMMIT");
                committed = true;
            } finally {
                if (!committed && !c.getAutoCommit()) {
                    rollbackQuietly(s);
                }
            }
        } catch (SQLException e) {
            throw transientFailure(e, db);
        } finally {
            sqlite.evict(db);
        }
        return Applied.APPLIED;
    }

    @Override
    public String verify(String db, String query) {
        // A read-only connection, and query_only on it: the query can read, never write.
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), true); Statement s = c.createStatement()) {
            s.execute("PRAGMA query_only=ON");
            try (ResultSet r = s.executeQuery(query)) {
                if (!r.next()) {
                    return "the verify query returned no row";
                }
                Object v = r.getObject(1);
                int rows = 1;
                while (r.next() && rows < 2) {
                    rows++;
                }
                if (rows > 1) {
                    return "the verify query returned more than one row";
                }
                return isTrue(v) ? null : "the verify query returned " + (v == null ? "NULL" : v.toString());
            }
        } catch (SQLException e) {
            throwIfTransient(e, db);
            return "the verify query failed: " + e.getMessage();
        }
    }

    /**
     * A repaired child must end with its parent's schema: its shape after the replay (inside the dry-run's
     * transaction) against the parent's. A child whose schema no recorded migration explains (diverged) fails its
     * dry-run, so a repair never rewrites it. Null when they match.
     */
    private String divergence(SQLiteConnection c, MigrationJob job) throws SQLException {
        List<String> differences = parentShape(job).differences(SchemaShape.read(c));
        if (differences.isEmpty()) {
            return null;
        }
        return "diverged: after replaying the migrations it lacks, its schema differs from '" + job.schemaDb() + "': "
                + String.join("; ", differences.subList(0, Math.min(5, differences.size())))
                + (differences.size() > 5 ? "; …" : "") + " (see GET …/drift; a repair never rewrites such a child)";
    }

    /** The parent's shape, read once per job (it does not change while its family is locked). */
    private SchemaShape parentShape(MigrationJob job) throws SQLException {
        ParentShape known = lastParentShape.get();
        if (known != null && known.jobId().equals(job.id())) {
            return known.shape();
        }
        try (SQLiteConnection p = sqlite.connect(sqlite.fileOf(job.schemaDb()), true)) {
            SchemaShape shape = SchemaShape.read(p);
            lastParentShape.set(new ParentShape(job.id(), shape));
            return shape;
        }
    }

    private record ParentShape(String jobId, SchemaShape shape) {
    }

    /** SQLite's truth: a non-zero number (a text that reads as one too); NULL and everything else is false. */
    private static boolean isTrue(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String str) {
            try {
                return Double.parseDouble(str.strip()) != 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }

    /** The job's statements; for a repair, those this file lacks (read inside the caller's transaction). */
    private static MigrationSql programOf(SQLiteConnection c, MigrationJob job) throws SQLException {
        return job.plan().isRepair() ? job.programFor(fileVersion(c)) : job.program();
    }

    /**
     * Opens a transaction for statements that will be rolled back (a dry-run, a drift report's replay): its journal
     * and changed pages stay in memory up to {@link #IN_MEMORY_DRY_RUN_LIMIT}, so nothing is written and nothing is
     * synced; foreign keys off first when the statements ask for it (inside a transaction that pragma is a no-op).
     * The caller rolls back.
     */
    public static void beginRolledBackRun(Statement s, Path file, boolean foreignKeysOff)
            throws SQLException, java.io.IOException {
        if (Files.size(file) <= IN_MEMORY_DRY_RUN_LIMIT) {
            s.execute("PRAGMA journal_mode=MEMORY");
            s.execute("PRAGMA cache_spill=OFF");
            s.execute("PRAGMA temp_store=MEMORY");
        }
        if (foreignKeysOff) {
            s.execute("PRAGMA foreign_keys=OFF");
        }
        s.execute("BEGIN IMMEDIATE");
    }

    /** The version a database's file is at: its highest version row, 0 without the table. */
    public static long fileVersion(java.sql.Connection c) throws SQLException {
        if (!hasVersionTable(c)) {
            return 0;
        }
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + VERSION_TABLE)) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    @Override
    public Undone undo(String db, MigrationJob job) {
        Path file = sqlite.fileOf(db);
        try {
            // Hold the write lock while the journal goes back (no other transaction's journal can exist, and an
            // apply in flight has committed or not started), then release it: the next open rolls it back.
            try (SQLiteConnection c = sqlite.connect(file, false); Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                try {
                    if (!hasVersionRow(c, job.id())) {
                        return Undone.UNCHANGED;
                    }
                    undo.putBack(job.id(), file);
                } finally {
                    rollbackQuietly(s);
                }
            }
            sqlite.evict(db);
            if (hasApplied(db, job.id(), false)) {
                throw new StorageException("the undo of " + db + " did not take", null);
            }
            return Undone.UNDONE;
        } catch (SQLException e) {
            throw transientFailure(e, db);
        }
    }

    @Override
    public boolean hasApplied(String db, String jobId, boolean waitForWriter) {
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), false); Statement s = c.createStatement()) {
            if (!waitForWriter) {
                return hasVersionRow(c, jobId);
            }
            s.execute("BEGIN IMMEDIATE");
            try {
                return hasVersionRow(c, jobId);
            } finally {
                s.execute("ROLLBACK");
            }
        } catch (SQLException e) {
            throw transientFailure(e, db);
        }
    }

    @Override
    public long version(String db) {
        try (SQLiteConnection c = sqlite.connect(sqlite.fileOf(db), false)) {
            return fileVersion(c);
        } catch (SQLException e) {
            throw transientFailure(e, db);
        }
    }

    @Override
    public void forget(String jobId, String db) {
        undo.remove(jobId, sqlite.fileOf(db));
    }

    private static void run(Statement s, MigrationSql sql) throws SQLException {
        for (String stmt : sql.statements()) {
            s.execute(stmt);
        }
        if (sql.foreignKeysOff()) {
            try (ResultSet r = s.executeQuery("PRAGMA foreign_key_check")) {
                if (r.next()) {
                    throw new SQLException("FOREIGN KEY constraint failed: table " + r.getString(1) + " row " + r.getLong(2)
                            + " refers to a missing row of " + r.getString(3));
                }
            }
        }
    }

    private static boolean hasVersionTable(java.sql.Connection c) throws SQLException {
        try (PreparedStatement t = c.prepareStatement("SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?")) {
            t.setString(1, VERSION_TABLE);
            try (ResultSet r = t.executeQuery()) {
                return r.next();
            }
        }
    }

    private static boolean hasVersionRow(SQLiteConnection c, String jobId) throws SQLException {
        if (!hasVersionTable(c)) {
            return false;
        }
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM " + VERSION_TABLE + " WHERE job_id = ?")) {
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        }
    }

    /** A locked database is worth a retry; any other SQLite error of a statement is the migration's own failure. */
    /** Another connection held the file's lock for the whole busy timeout: worth the same work again. */
    public static boolean isBusy(SQLException e) {
        int code = e.getErrorCode() & 0xff;
        return code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
    }

    private static void throwIfTransient(SQLException e, String db) {
        if (isBusy(e)) {
            throw new MigrationStepFailed(TRANSIENT, "database " + db + " is busy: " + e.getMessage(), e);
        }
    }

    private static MigrationStepFailed transientFailure(Exception e, String db) {
        return new MigrationStepFailed(TRANSIENT, "database " + db + ": " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction, or the connection is closed next, which rolls back anyway
        }
    }
}
