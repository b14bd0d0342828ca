package io.multidb.bench;

import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * JMH benchmarks inside one JVM (run by {@link Bench} through JMH's Runner, each in a forked JVM):
 * <ul>
 *   <li>the floor of scenario 2: the same point SELECT and single-row INSERT as over HTTP, with sqlite-jdbc on a copy
 *       of the same database file, one connection per thread, rollback journal and SQLite's default synchronous
 *       FULL, the product's busy timeout;</li>
 *   <li>opening a database cold ({@code SqliteStore.open} with nothing pooled: a new connection and its sandbox
 *       settings, then SQLite reads the schema at the first statement) versus a pooled connection, each followed by
 *       the point SELECT, on the product's own {@link SqliteStore}.</li>
 * </ul>
 */
public class SqlFloorJmh {
    static final String SELECT_SQL = SqlHttpBench.SELECT_SQL;
    static final String INSERT_SQL = SqlHttpBench.INSERT_SQL;

    /** A copy of the scenario's database file. */
    @State(Scope.Benchmark)
    public static class Db {
        @Param("")
        public String file;
    }

    @State(Scope.Thread)
    public static class Conn {
        Connection c;
        int i;

        @Setup(Level.Trial)
        public void open(Db db) throws SQLException {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
            config.setBusyTimeout((int) StorageOptions.defaults().busyTimeout().toMillis());
            c = config.createConnection("jdbc:sqlite:" + db.file);
            i = (int) (Thread.currentThread().threadId() * 7919);
        }

        @TearDown(Level.Trial)
        public void close() throws SQLException {
            c.close();
        }
    }

    @Benchmark
    public String select(Conn s) throws SQLException {
        return pointSelect(s.c, 1 + Math.floorMod(s.i++, FleetBench.ROWS));
    }

    /**
     * Retries SQLITE_BUSY: with many writers on one file SQLite's busy handler (sleeps of up to 100 ms) can starve a
     * writer past the busy timeout. A plain program retries; the time it waits is part of the operation.
     */
    @Benchmark
    public int insert(Conn s) throws SQLException {
        int n = s.i++;
        while (true) {
            try (PreparedStatement p = s.c.prepareStatement(INSERT_SQL)) {
                p.setString(1, "floor-" + n);
                p.setInt(2, Math.floorMod(n, 97));
                p.setString(3, "2025-01-01T00:00:00Z");
                return p.executeUpdate();
            } catch (SQLException e) {
                if ((e.getErrorCode() & 0xff) != SQLiteErrorCode.SQLITE_BUSY.code) {
                    throw e;
                }
            }
        }
    }

    /** The product's data root holding a copy of the database (databases/{name}.db). */
    @State(Scope.Benchmark)
    public static class Store {
        @Param("")
        public String root;
        @Param("")
        public String name;
        SqliteStore store;
        int i;

        @Setup(Level.Trial)
        public void open() {
            store = new SqliteStore(Path.of(root), StorageOptions.defaults());
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    @Benchmark
    public String coldOpen(Store s) throws SQLException {
        s.store.evict(s.name);
        try (SqliteStore.Lease lease = s.store.open(s.name).orElseThrow()) {
            return pointSelect(lease.connection(), 1 + Math.floorMod(s.i++, FleetBench.ROWS));
        }
    }

    @Benchmark
    public String pooledOpen(Store s) throws SQLException {
        try (SqliteStore.Lease lease = s.store.open(s.name).orElseThrow()) {
            return pointSelect(lease.connection(), 1 + Math.floorMod(s.i++, FleetBench.ROWS));
        }
    }

    /** Prepared for each call, as a request's SQL text arrives with each request. */
    static String pointSelect(Connection c, int id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(SELECT_SQL)) {
            p.setInt(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(2) : null;
            }
        }
    }
}
