package io.multidb.sql;

import java.util.List;

/**
 * SQL text as a sequence of statements, cut where the service cuts it ({@link SqlStatement#split}, a port of
 * sqlite3_complete): for clients such as the multidb shell, which must know where a statement typed over several
 * lines ends, a trigger body's semicolons included.
 */
public final class SqlScript {
    private SqlScript() {
    }

    /** The statements of {@code sql}, without their terminating semicolons; empty statements are skipped. */
    public static List<String> statements(String sql) {
        return SqlStatement.split(sql).stream().map(SqlStatement::sql).toList();
    }

    /**
     * Whether {@code sql} ends with a complete statement, as sqlite3_complete() decides: a semicolon that ends a
     * statement (not one inside a string, a comment or a trigger body), followed by nothing but whitespace and
     * comments.
     */
    public static boolean isComplete(String sql) {
        return SqlStatement.complete(sql);
    }
}
