package io.multidb.local.crash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * The family's SQLite files read directly with sqlite-jdbc, bypassing the runtime: what is really on disk. The
 * harness's one opinion about the layout: {@code <data-dir>/sqlite/databases/<name>.db}, a database's version is
 * {@code max(version)} of its {@code _multidb_schema} table (0 without the table).
 */
final class FamilyFiles {
    static final String VERSION_TABLE = "_multidb_schema";

    private final Path databases;

    FamilyFiles(Path dataDir) {
        this.databases = dataDir.resolve("sqlite").resolve("databases");
    }

    Path fileOf(String db) {
        return databases.resolve(db + ".db");
    }

    boolean hasJournal(String db) {
        return Files.exists(databases.resolve(db + ".db-journal"));
    }

    /** What one file holds: its version, its schema (sqlite_schema, sorted) and the columns of t. */
    record State(long version, String schema, List<String> columns) {
    }

    /**
     * Reads a file as the runtime's next reader would (a hot journal left by the kill is rolled back, which is
     * what SQLite does on the first open), or, with {@code readOnly}, without changing anything (a file with a
     * hot journal then fails to open: null).
     */
    State state(String db, boolean readOnly) throws SQLException {
        try (Connection c = open(db, readOnly); Statement s = c.createStatement()) {
            long version = 0;
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='" + VERSION_TABLE + "'")) {
                r.next();
                if (r.getInt(1) > 0) {
                    try (ResultSet v = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + VERSION_TABLE)) {
                        v.next();
                        version = v.getLong(1);
                    }
                }
            }
            StringBuilder schema = new StringBuilder();
            try (ResultSet r = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")) {
                while (r.next()) {
                    schema.append(r.getString(1)).append(' ').append(r.getString(2)).append(" on ").append(r.getString(3))
                            .append(": ").append(r.getString(4)).append('\n');
                }
            }
            List<String> columns = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('t')")) {
                while (r.next()) {
                    columns.add(r.getString(1) + " " + r.getString(2) + (r.getInt(3) == 1 ? " not null" : "")
                            + (r.getString(4) == null ? "" : " default " + r.getString(4)) + (r.getInt(5) > 0 ? " pk" : ""));
                }
            }
            return new State(version, schema.toString(), columns);
        }
    }

    /** The original columns of every row of t, by id. */
    Map<Long, Row> rows(String db) throws SQLException {
        Map<Long, Row> out = new LinkedHashMap<>();
        try (Connection c = open(db, false); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id, tenant, k, v, body FROM t ORDER BY id")) {
            while (r.next()) {
                Row row = new Row(r.getLong(1), r.getString(2), r.getString(3), r.getLong(4), r.getString(5));
                out.put(row.id(), row);
            }
        }
        return out;
    }

    /** One row of t as written through the API (the columns the migration must keep). */
    record Row(long id, String tenant, String k, long v, String body) {
        String values() {
            return "(" + id + ", '" + tenant + "', '" + k + "', " + v + ", '" + body + "')";
        }
    }

    private Connection open(String db, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(readOnly);
        config.setBusyTimeout(10_000);
        return config.createConnection("jdbc:sqlite:" + fileOf(db));
    }
}
