package io.multidb.sql;

import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.CoreStatement;
import org.sqlite.core.DB;

/**
 * What a pooled connection keeps between requests, so that no request pays it again: the statements prepared on it
 * by SQL text (at most {@link #MAX_PREPARED}, least recently used dropped first) and the progress handler that
 * enforces the statement time limit (installed once, armed only while a statement of a request runs).
 * <p>
 * Nothing here carries one request's state into the next: a statement is reset (its read transaction ended) and its
 * bindings cleared when it has run, and SQLite prepares it again by itself when the schema changed. One thread uses a
 * connection at a time (the pool lends it to one request), so no field here is shared.
 */
public final class ConnectionCache {
    static final int MAX_PREPARED = 64;
    /** SQLite VM instructions between two deadline checks: rare enough to cost nothing, often enough to stop fast. */
    private static final int PROGRESS_INTERVAL = 1000;

    private final SQLiteConnection connection;
    private final DB db;
    private final Map<String, PreparedStatement> internal = new HashMap<>();
    private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() > MAX_PREPARED) {
                closeQuietly(eldest.getValue());
                return true;
            }
            return false;
        }
    };
    private boolean handlerInstalled;

    // Read by the progress handler, which SQLite calls on the request's thread while a statement runs.
    private boolean armed;
    private long deadline;
    private boolean timedOut;

    public ConnectionCache(SQLiteConnection connection) {
        this.connection = Objects.requireNonNull(connection);
        this.db = connection.getDatabase();
    }

    SQLiteConnection connection() {
        return connection;
    }

    DB db() {
        return db;
    }

    /** The statement for this text, prepared now or earlier on this connection. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    /** Forgets a statement (sqlite-jdbc finalizes a statement after most errors). */
    void evict(String sql) {
        closeQuietly(prepared.remove(sql));
    }

    /** A one-value query of this project's own (PRAGMA reads, last_insert_rowid()). */
    long queryLong(String sql) throws SQLException {
        PreparedStatement ps = internal.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            internal.put(sql, ps);
        }
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        } finally {
            reset(ps);
        }
    }

    /**
     * Ends a statement's run: a kept statement left mid-way would hold its read transaction, count as "in progress"
     * (VACUUM refuses to run then) and keep its bindings. Closing the result set does not always reset it in
     * sqlite-jdbc (not after the last row of a one-row query, for one), so it is reset here, always.
     */
    static void reset(PreparedStatement ps) {
        try {
            if (!ps.isClosed()) {
                ((CoreStatement) ps).pointer.safeRunInt((d, p) -> d.reset(p));
            }
        } catch (SQLException ignored) {
            // finalized meanwhile: nothing runs any more
        }
    }

    /** Starts the time limit of one statement. */
    void arm(long timeoutNanos) {
        if (!handlerInstalled) {
            installHandler();
        }
        deadline = System.nanoTime() + timeoutNanos;
        timedOut = false;
        armed = true;
    }

    void disarm() {
        armed = false;
    }

    /** Whether the last armed statement was stopped by its time limit. */
    boolean timedOut() {
        return timedOut;
    }

    void clearTimedOut() {
        timedOut = false;
    }

    private void installHandler() {
        try {
            ProgressHandler.setHandler(connection, PROGRESS_INTERVAL, new ProgressHandler() {
                @Override
                protected int progress() {
                    if (armed && System.nanoTime() - deadline > 0) {
                        timedOut = true;
                        return 1;
                    }
                    return 0;
                }
            });
        } catch (SQLException e) {
            throw new StorageException("cannot set the progress handler", e);
        }
        handlerInstalled = true;
    }

    /**
     * Gives everything back: every statement finalized and the progress handler cleared. For a connection that is
     * not pooled with this cache (the connection outlives it, as it was lent).
     */
    void release() {
        armed = false;
        prepared.values().forEach(ConnectionCache::closeQuietly);
        prepared.clear();
        internal.values().forEach(ConnectionCache::closeQuietly);
        internal.clear();
        if (handlerInstalled) {
            handlerInstalled = false;
            try {
                ProgressHandler.clearHandler(connection);
            } catch (SQLException e) {
                throw new StorageException("cannot clear the progress handler", e);
            }
        }
    }

    static void closeQuietly(PreparedStatement ps) {
        if (ps != null) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // finalizing a statement we no longer use
            }
        }
    }
}
