package io.multidb.sql;

import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts a connection back as the pool lent it when a request ends: no transaction, query_only off, the settings the
 * request wrote at their earlier values, no temporary objects, no statement running. Each step costs nothing
 * unless the request did what it undoes.
 */
final class ConnectionReset {
    private ConnectionReset() {
    }

    /**
     * @param release also finalize every statement and clear the progress handler: the connection was lent without
     *                its cache, which ends here
     * @throws StorageException if that fails; the caller then discards the connection
     */
    static void reset(StatementRunner r, boolean release) {
        RuntimeException failure = null;
        r.cache.disarm();
        try {
            r.rollbackIfOpen();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            for (Map.Entry<String, Long> s : r.savedSettings.entrySet()) {
                r.exec("PRAGMA " + s.getKey() + "=" + s.getValue());
            }
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            r.readonlyTransaction = false;
            r.setQueryOnly(false);
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            if (r.createdObjects) {
                dropTemporaryObjects(r);
            }
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        if (release) {
            try {
                r.cache.release();
            } catch (RuntimeException e) {
                failure = first(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Temporary tables, views and triggers live on the connection; the next request must not find them. */
    private static void dropTemporaryObjects(StatementRunner r) {
        List<String> drops = new ArrayList<>();
        try (PreparedStatement ps = r.cache.connection().prepareStatement("SELECT type, name FROM temp.sqlite_master "
                + "WHERE type IN ('trigger', 'view', 'table') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                + "ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                drops.add("DROP " + rs.getString(1).toUpperCase(Locale.ROOT) + " IF EXISTS temp.\""
                        + rs.getString(2).replace("\"", "\"\"") + "\"");
            }
        } catch (SQLException e) {
            throw new StorageException("cannot list temporary objects", e);
        }
        drops.forEach(r::exec);
    }

    private static RuntimeException first(RuntimeException existing, RuntimeException next) {
        if (existing == null) {
            return next;
        }
        existing.addSuppressed(next);
        return existing;
    }
}
