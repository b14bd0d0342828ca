package io.multidb.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The normalized schema of one SQLite database: every object of {@code sqlite_schema} but SQLite's own
 * ({@code sqlite_%}: autoindexes, sqlite_sequence, sqlite_stat*) and multidb's version table, with its SQL text's
 * whitespace collapsed, plus each table's columns as {@code pragma table_xinfo} reports them (hidden columns of
 * virtual and generated columns included). Two databases with equal shapes answer the same SQL the same way.
 *
 * <p>Objects are keyed by type and lower-cased name (SQLite names are case-insensitive; triggers have a namespace
 * of their own), so that comparing two shapes is a walk over sorted keys: {@link #differences} is deterministic.
 */
public record SchemaShape(Map<String, SchemaObject> objects, Map<String, List<Column>> columns) {
    /** The table every migrated database carries; its rows are versions, not schema. */
    public static final String VERSION_TABLE = "_multidb_schema";
    /** The order the objects are compared and listed in. */
    private static final List<String> TYPES = List.of("table", "view", "index", "trigger");

    public SchemaShape {
        objects = java.util.Collections.unmodifiableMap(new TreeMap<>(objects));
        Map<String, List<Column>> cols = new TreeMap<>();
        columns.forEach((k, v) -> cols.put(k, List.copyOf(v)));
        columns = java.util.Collections.unmodifiableMap(cols);
    }

    /** One object of sqlite_schema. */
    public record SchemaObject(String type, String name, String table, String sql) {
        public SchemaObject {
            Objects.requireNonNull(type);
            Objects.requireNonNull(name);
        }

        String key() {
            return key(type, name);
        }

        static String key(String type, String name) {
            int rank = TYPES.indexOf(type);
            return (rank < 0 ? TYPES.size() : rank) + ":" + type + ":" + name.toLowerCase(Locale.ROOT);
        }
    }

    /** One column of a table, as {@code pragma table_xinfo} reports it. */
    public record Column(String name, String type, boolean notNull, String defaultValue, int pk, int hidden) {
        /** The column as one reads it in a CREATE TABLE: {@code TEXT NOT NULL DEFAULT 'x'}. */
        public String describe() {
            StringBuilder b = new StringBuilder(type == null || type.isEmpty() ? "(no type)" : type);
            if (notNull) {
                b.append(" NOT NULL");
            }
            if (defaultValue != null) {
                b.append(" DEFAULT ").append(defaultValue);
            }
            if (pk > 0) {
                b.append(" PRIMARY KEY");
                if (pk > 1) {
                    b.append(" (key column ").append(pk).append(')');
                }
            }
            if (hidden == 1) {
                b.append(" HIDDEN");
            } else if (hidden == 2) {
                b.append(" GENERATED VIRTUAL");
            } else if (hidden == 3) {
                b.append(" GENERATED STORED");
            }
            return b.toString();
        }
    }

    /** Reads the shape of the database {@code c} is connected to (in one read transaction if none is open). */
    public static SchemaShape read(Connection c) throws SQLException {
        Map<String, SchemaObject> objects = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE substr(name, 1, 7) <> 'sqlite_' AND name <> '"
                        + VERSION_TABLE + "' COLLATE NOCASE ORDER BY type, name")) {
            while (r.next()) {
                SchemaObject o = new SchemaObject(r.getString(1), r.getString(2), r.getString(3), normalize(r.getString(4)));
                objects.put(o.key(), o);
            }
        }
        Map<String, List<Column>> columns = new LinkedHashMap<>();
        try (PreparedStatement p = c.prepareStatement(
                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?)")) {
            for (SchemaObject o : objects.values()) {
                if (!o.type().equals("table")) {
                    continue;
                }
                p.setString(1, o.name());
                List<Column> cols = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        cols.add(new Column(r.getString(1), r.getString(2), r.getInt(3) != 0, r.getString(4),
                                r.getInt(5), r.getInt(6)));
                    }
                }
                columns.put(o.name().toLowerCase(Locale.ROOT), cols);
            }
        }
        return new SchemaShape(objects, columns);
    }

    /**
     * Runs of whitespace become one space, none around parentheses, one after a comma: the same statement written
     * with other layout compares equal (inside string literals too, a difference no schema comparison needs).
     */
    static String normalize(String sql) {
        if (sql == null) {
            return null;
        }
        return sql.strip().replaceAll("\\s+", " ").replaceAll(" ?\\( ?", "(").replaceAll(" ?\\)", ")")
                .replaceAll(" ?, ?", ", ");
    }

    /**
     * What differs from {@code this} (the expected shape: the schema database's) to {@code actual} (a child's), one
     * sentence each, in a fixed order: tables (then their columns), views, indexes, triggers, each by name. Empty
     * when the shapes are equal.
     */
    public List<String> differences(SchemaShape actual) {
        List<String> out = new ArrayList<>();
        TreeMap<String, Boolean> keys = new TreeMap<>(Comparator.naturalOrder());
        objects.keySet().forEach(k -> keys.put(k, true));
        actual.objects.keySet().forEach(k -> keys.put(k, true));
        for (String key : keys.keySet()) {
            SchemaObject want = objects.get(key);
            SchemaObject got = actual.objects.get(key);
            if (got == null) {
                out.add("missing " + label(want));
            } else if (want == null) {
                out.add("extra " + label(got));
            } else if (want.type().equals("table")) {
                List<String> cols = columnDifferences(want.name(), columns.get(lower(want.name())),
                        actual.columns.get(lower(got.name())));
                out.addAll(cols);
                if (cols.isEmpty() && !Objects.equals(want.sql(), got.sql())) {
                    out.add("table " + want.name() + " differs: " + want.sql() + " vs " + got.sql());
                }
            } else if (!Objects.equals(want.sql(), got.sql()) || !want.table().equalsIgnoreCase(got.table())) {
                out.add(want.type() + " " + want.name() + " differs: " + want.sql() + " vs " + got.sql());
            }
        }
        return out;
    }

    private static String label(SchemaObject o) {
        return switch (o.type()) {
            case "index", "trigger" -> o.type() + " " + o.name() + " on " + o.table();
            default -> o.type() + " " + o.name();
        };
    }

    private static List<String> columnDifferences(String table, List<Column> want, List<Column> got) {
        want = want == null ? List.of() : want;
        got = got == null ? List.of() : got;
        Map<String, Column> wanted = byName(want);
        Map<String, Column> found = byName(got);
        List<String> out = new ArrayList<>();
        for (Column w : want) {
            Column g = found.get(lower(w.name()));
            if (g == null) {
                out.add("missing column " + table + "." + w.name());
            } else if (!same(w, g)) {
                out.add("column " + table + "." + w.name() + " differs: " + w.describe() + " vs " + g.describe());
            }
        }
        for (Column g : got) {
            if (!wanted.containsKey(lower(g.name()))) {
                out.add("extra column " + table + "." + g.name());
            }
        }
        if (out.isEmpty() && !names(want).equals(names(got))) {
            out.add("columns of " + table + " are in another order: " + String.join(", ", names(want)) + " vs "
                    + String.join(", ", names(got)));
        }
        return out;
    }

    private static boolean same(Column a, Column b) {
        return a.name().equals(b.name()) && Objects.equals(norm(a.type()), norm(b.type())) && a.notNull() == b.notNull()
                && Objects.equals(a.defaultValue(), b.defaultValue()) && a.pk() == b.pk() && a.hidden() == b.hidden();
    }

    private static String norm(String type) {
        return type == null ? "" : normalize(type).toUpperCase(Locale.ROOT);
    }

    private static Map<String, Column> byName(List<Column> cols) {
        Map<String, Column> m = new LinkedHashMap<>();
        cols.forEach(c -> m.put(lower(c.name()), c));
        return m;
    }

    private static List<String> names(List<Column> cols) {
        return cols.stream().map(Column::name).toList();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
