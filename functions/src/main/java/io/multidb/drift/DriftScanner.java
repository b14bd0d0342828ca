package io.multidb.drift;

import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.schema.SchemaShape;
import io.multidb.storage.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sqlite.SQLiteConnection;

/**
 * Compares one child's file with its schema database: reads its version and {@link SchemaShape}, and for a child
 * behind, replays the recorded migrations it lacks inside a transaction that is always rolled back (journal and
 * changed pages in memory, as a migration's dry-run: nothing is written). Never changes a file.
 */
public final class DriftScanner {
    private final SqliteStore sqlite;
    private final MigrationStore migrations;

    public DriftScanner(SqliteStore sqlite, MigrationStore migrations) {
        this.sqlite = Objects.requireNonNull(sqlite);
        this.migrations = Objects.requireNonNull(migrations);
    }

    /**
     * What every child is compared with, read once per scan or batch: the schema database's shape (from its file),
     * its version (the catalog's), and the recorded migrations by the version they lead to.
     */
    public record Baseline(SchemaShape shape, long version, Map<Long, MigrationJob> migrations) {
    }

    /**
     * A migration job of the family that ran at some point after {@code since} (still running, or ended since), if
     * any: a scan that ran alongside one may have compared some children before its change and some after.
     */
    public java.util.Optional<MigrationJob> jobSince(String org, String schemaDb, java.time.Instant since) {
        return migrations.listJobs(org, schemaDb).stream()
                .filter(j -> j.finishedAt() == null || j.finishedAt().isAfter(since)).findFirst();
    }

    public Baseline baseline(String org, String schemaDb, long version) {
        Path file = sqlite.fileOf(schemaDb);
        SchemaShape shape;
        try (SQLiteConnection c = sqlite.connect(file, true)) {
            shape = SchemaShape.read(c);
        } catch (SQLException e) {
            throw new DriftScanFailed(DriftScanFailed.Reason.TRANSIENT,
                    "cannot read the schema of schema database " + schemaDb + ": " + e.getMessage(), e);
        }
        Map<Long, MigrationJob> byVersion = migrations.recordedMigrations(org, schemaDb);
        return new Baseline(shape, version, Map.copyOf(byVersion));
    }

    /** Classifies one child (never throws for a problem of the child's file: that is {@code unreadable}). */
    public ChildDrift classify(String child, Baseline base) {
        Path file = sqlite.fileOf(child);
        if (!Files.isRegularFile(file)) {
            return new ChildDrift(child, DriftClass.UNREADABLE, -1, List.of("the database has no file"));
        }
        long version;
        SchemaShape shape;
        try (SQLiteConnection c = sqlite.connect(file, false); Statement s = c.createStatement()) {
            s.execute("BEGIN");
            try {
                version = SqliteMigrator.fileVersion(c);
                shape = SchemaShape.read(c);
            } finally {
                s.execute("ROLLBACK");
            }
            List<String> asIs = base.shape().differences(shape);
            if (version == base.version()) {
                return asIs.isEmpty() ? new ChildDrift(child, DriftClass.IN_SYNC, version, List.of())
                        : new ChildDrift(child, DriftClass.DIVERGED, version, asIs);
            }
            if (version > base.version()) {
                return diverged(child, version, "schema version " + version + " is ahead of the schema database's "
                        + base.version(), asIs);
            }
            List<MigrationJob> lacking = new ArrayList<>();
            for (long v = version + 1; v <= base.version(); v++) {
                MigrationJob j = base.migrations().get(v);
                if (j == null) {
                    return diverged(child, version, "no recorded migration leads to version " + v
                            + ": the child cannot be brought forward by replaying migrations", asIs);
                }
                lacking.add(j);
            }
            String range = range(version + 1, base.version());
            Replay replayed = null;
            SchemaShape after;
            try {
                after = replay(c, s, file, lacking);
            } catch (Replay r) {
                after = null;
                replayed = r;
            }
            String blockedBy = null;
            if (replayed != null) {
                // The replay failed on the child's rows. Its schema may still be exactly what its version says (a
                // child a quarantining job left behind, whose data broke the change): replay on its schema alone.
                try {
                    after = replayOnSchemaAlone(c, lacking);
                    blockedBy = "its rows block version " + replayed.version + " (fix them before a repair): "
                            + replayed.sqliteError;
                } catch (Replay r) {
                    return diverged(child, version, replayed.getMessage(), asIs);
                }
            }
            List<String> left = base.shape().differences(after);
            if (left.isEmpty()) {
                List<String> details = new ArrayList<>();
                details.add((base.version() - version) + " version(s) behind: lacks " + range + " (job"
                        + (lacking.size() > 1 ? "s " : " ") + String.join(", ", lacking.stream().map(MigrationJob::id).toList()) + ")");
                if (blockedBy != null) {
                    details.add(blockedBy);
                }
                details.addAll(asIs);
                return new ChildDrift(child, DriftClass.BEHIND, version, details);
            }
            List<String> details = new ArrayList<>();
            details.add("after replaying " + range + " it still differs from the schema database:");
            details.addAll(left);
            return new ChildDrift(child, DriftClass.DIVERGED, version, details);
        } catch (SQLException | IOException e) {
            return new ChildDrift(child, DriftClass.UNREADABLE, -1, List.of(unreadable(e)));
        }
    }

    private static String range(long from, long to) {
        return from == to ? "version " + from : "versions " + from + ".." + to;
    }

    private static ChildDrift diverged(String child, long version, String why, List<String> asIs) {
        List<String> details = new ArrayList<>();
        details.add(why);
        details.addAll(asIs);
        return new ChildDrift(child, DriftClass.DIVERGED, version, details);
    }

    /** A replayed migration's SQLite error (the child is diverged), apart from errors reading the file. */
    private static final class Replay extends Exception {
        private final long version;
        private final String sqliteError;

        Replay(MigrationJob job, SQLException e) {
            super("replaying version " + job.toVersion() + " (job " + job.id() + ") fails: " + e.getMessage(), null,
                    false, false);
            this.version = job.toVersion();
            this.sqliteError = e.getMessage();
        }
    }

    /** The lacking migrations, in version order, in one transaction rolled back; the shape they leave. */
    private static SchemaShape replay(SQLiteConnection c, Statement s, Path file, List<MigrationJob> jobs)
            throws SQLException, IOException, Replay {
        // As a migration's dry-run: journal and changed pages in memory, always rolled back.
        SqliteMigrator.beginRolledBackRun(s, file, jobs.stream().anyMatch(j -> j.program().foreignKeysOff()));
        try {
            for (MigrationJob j : jobs) {
                for (String stmt : j.program().statements()) {
                    try {
                        s.execute(stmt);
                    } catch (SQLException e) {
                        if (SqliteMigrator.isBusy(e)) {
                            throw e;
                        }
                        throw new Replay(j, e);
                    }
                }
            }
            return SchemaShape.read(c);
        } finally {
            s.execute("ROLLBACK");
        }
    }

    /**
     * The lacking migrations replayed on an empty in-memory database holding only the child's schema: whether its
     * schema is explained by its version, whatever its rows. SQLite's error (a Replay) if even that fails.
     */
    private static SchemaShape replayOnSchemaAlone(SQLiteConnection child, List<MigrationJob> jobs)
            throws SQLException, Replay {
        List<String> ddl = new ArrayList<>();
        try (Statement s = child.createStatement(); ResultSet r = s.executeQuery("SELECT sql FROM sqlite_schema "
                + "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY CASE type WHEN 'table' "
                + "THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid")) {
            while (r.next()) {
                ddl.add(r.getString(1));
            }
        }
        try (java.sql.Connection empty = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
             Statement s = empty.createStatement()) {
            s.execute("PRAGMA foreign_keys=OFF");
            for (String d : ddl) {
                s.execute(d);
            }
            for (MigrationJob j : jobs) {
                for (String stmt : j.program().statements()) {
                    try {
                        s.execute(stmt);
                    } catch (SQLException e) {
                        throw new Replay(j, e);
                    }
                }
            }
            return SchemaShape.read(empty);
        }
    }

    private static String unreadable(Exception e) {
        if (e instanceof SQLException s && SqliteMigrator.isBusy(s)) {
            return "busy: another connection held the database's write lock for the whole busy timeout; scan again ("
                    + s.getMessage() + ")";
        }
        return e.getMessage();
    }
}
