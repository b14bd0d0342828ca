package io.multidb.sql;

import java.util.List;

/**
 * SQL text as a sequence of statements, cut where the service cuts it ({@link SqlStatement#split}, a port of
 * sqlite3_complete): the one splitter of the project, for every path that cuts SQL text into statements (the data
 * plane's requests, migrations, the multidb shell, which must know where a statement typed over several lines ends).
 * A statement ends where SQLite itself would end it: not at a semicolon inside a string, an identifier, a comment or
 * a trigger's body, including a trigger body whose statements hold {@code CASE ... END}.
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
