package io.multidb.sql;

import io.multidb.storage.StorageException;
import java.sql.SQLException;
import java.util.Arrays;
import org.sqlite.core.DB;

/**
 * Schema changes refused on a child: a statement that could change a schema runs inside a savepoint between two
 * readings of the main and temp schema cookies; if one moved, the savepoint is rolled back. Nesting makes this
 * work inside the user's own transaction. Only statements of kinds that may change a schema pay for it.
 */
final class SchemaGuard {
    private static final String NAME = "multidb_schema_guard";

    private final ConnectionCache cache;
    private final DB db;
    private boolean open;
    private long[] before;

    SchemaGuard(ConnectionCache cache) {
        this.cache = cache;
        this.db = cache.db();
    }

    /** A savepoint may be open (a transaction then is too). */
    boolean isOpen() {
        return open;
    }

    void open() {
        exec("SAVEPOINT " + NAME);
        open = true;
        before = cookies();
    }

    /** After the statement worked: true (and undone) if it changed a schema. */
    boolean closeChanged() {
        boolean changed = !Arrays.equals(before, cookies());
        if (changed) {
            exec("ROLLBACK TO " + NAME);
        }
        exec("RELEASE " + NAME);
        open = false;
        return changed;
    }

    /** After the statement failed: undone, whatever it did. */
    void closeAfterFailure() {
        try {
            db._exec("ROLLBACK TO " + NAME);
            db._exec("RELEASE " + NAME);
        } catch (SQLException e) {
            // A failure that rolls the transaction back (SQLITE_FULL, RAISE(ROLLBACK), ...) takes the savepoint.
            if (!SqliteErrors.sqliteMessage(e).startsWith("no such savepoint")) {
                throw new StorageException("cannot undo the schema guard's savepoint", e);
            }
        }
        open = false;
    }

    /** The transaction was rolled back as a whole, and the savepoint with it. */
    void forget() {
        open = false;
    }

    private long[] cookies() {
        try {
            return new long[] {cache.queryLong("PRAGMA main.schema_version"), cache.queryLong("PRAGMA temp.schema_version")};
        } catch (SQLException e) {
            throw new StorageException("cannot read the schema version", e);
        }
    }

    private void exec(String sql) {
        try {
            db._exec(sql);
        } catch (SQLException e) {
            throw new StorageException("cannot run " + sql, e);
        }
    }
}
