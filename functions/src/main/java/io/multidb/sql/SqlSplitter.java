package io.multidb.sql;

import java.util.List;

/**
 * The one statement splitter of the project, for every path that cuts SQL text into statements (the data plane's
 * requests, migrations, the CLI's shell): a port of sqlite3_complete(), so a statement ends where SQLite itself
 * would end it — not at a semicolon inside a string, an identifier, a comment or a trigger's body, including a
 * trigger body whose statements hold {@code CASE ... END}.
 */
public final class SqlSplitter {
    private SqlSplitter() {
    }

    /** The statements of {@code sql}, each without its terminating semicolon; empty statements are skipped. */
    public static List<String> statements(String sql) {
        return SqlStatement.split(sql).stream().map(SqlStatement::sql).toList();
    }
}
