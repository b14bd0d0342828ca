package io.multidb.sql;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite failures as the libSQL server reports them: the primary result code's name (SQLITE_CONSTRAINT, not
 * SQLITE_CONSTRAINT_UNIQUE: that is what rusqlite's ErrorCode gives libSQL, and what client code compares with)
 * and the message "SQLite error: " + SQLite's own message.
 */
final class SqliteErrors {
    static final int SQLITE_ERROR = 1;
    static final int SQLITE_READONLY = 8;
    static final int SQLITE_INTERRUPT = 9;

    private static final String[] NAMES = {
            "SQLITE_OK", "SQLITE_ERROR", "SQLITE_INTERNAL", "SQLITE_PERM", "SQLITE_ABORT", "SQLITE_BUSY",
            "SQLITE_LOCKED", "SQLITE_NOMEM", "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR",
            "SQLITE_CORRUPT", "SQLITE_NOTFOUND", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL",
            "SQLITE_EMPTY", "SQLITE_SCHEMA", "SQLITE_TOOBIG", "SQLITE_CONSTRAINT", "SQLITE_MISMATCH",
            "SQLITE_MISUSE", "SQLITE_NOLFS", "SQLITE_AUTH", "SQLITE_FORMAT", "SQLITE_RANGE", "SQLITE_NOTADB",
            "SQLITE_NOTICE", "SQLITE_WARNING"};

    private SqliteErrors() {
    }

    static int primaryCode(SQLiteException e) {
        SQLiteErrorCode rc = e.getResultCode();
        int code = rc != null && rc.code >= 0 ? rc.code : e.getErrorCode();
        return code & 0xff;
    }

    static String codeName(int primary) {
        return primary >= 0 && primary < NAMES.length ? NAMES[primary] : "SQLITE_UNKNOWN";
    }

    /**
     * SQLite's own message: sqlite-jdbc formats "[SQLITE_CONSTRAINT_UNIQUE] A UNIQUE constraint failed (UNIQUE
     * constraint failed: t.x)", and only the part in parentheses comes from SQLite.
     */
    static String sqliteMessage(SQLException e) {
        String m = e.getMessage();
        if (m == null) {
            return "unknown error";
        }
        if (e instanceof SQLiteException se && m.startsWith("[")) {
            int close = m.indexOf("] ");
            SQLiteErrorCode rc = se.getResultCode();
            if (close > 0) {
                String rest = m.substring(close + 2);
                String prefix = rc != null && rc.message != null ? rc.message + " (" : null;
                if (prefix != null && rest.startsWith(prefix) && rest.endsWith(")")) {
                    return rest.substring(prefix.length(), rest.length() - 1);
                }
                return rest;
            }
        }
        return m;
    }

    /** The messages SQLite's tokenizer and parser give; other SQLITE_ERRORs at prepare are semantic. */
    static boolean isSyntaxError(String sqliteMessage) {
        return sqliteMessage.endsWith("syntax error") || sqliteMessage.startsWith("unrecognized token")
                || sqliteMessage.equals("incomplete input");
    }
}
