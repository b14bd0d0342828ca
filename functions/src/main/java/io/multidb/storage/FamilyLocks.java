package io.multidb.storage;

import io.multidb.common.Names;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;

/**
 * A family's lock file ({@code locks/{schema db}.lock}, a small SQLite database) and the migration fence in it.
 * SQLite's own file locks make these work across processes and containers that share the file system.
 *
 * <ul>
 *   <li>{@link #shared}: a read transaction on the lock file (SQLite SHARED lock) for the length of one data-plane
 *       request on a child, which reads the fence: a job id there means the family is being migrated and the
 *       request's writes are refused;</li>
 *   <li>{@link #write}: a write transaction (RESERVED) for requests on the schema database and for copying it into
 *       a new child, so that a child never misses a change to its parent;</li>
 *   <li>{@link #fence}/{@link #unfence}: an EXCLUSIVE transaction that sets or clears the fence. Taking it waits
 *       until every request that read the fence before it has ended, so once a migration has fenced its family,
 *       no write that was let through before can still land: no acknowledged write is lost when a rollback
 *       rolls back the changed children.</li>
 *   <li>{@link #startApplying}/{@link #stopApplying}/{@link #isApplying}: whether a job may still change a
 *       database of the family. A job's phase goes from applying to stopped once and never back; an apply checks it
 *       while holding the database's write lock, and a rollback stops the phase before it undoes anything. So an
 *       apply still in flight when a rollback starts (a lingering batch, a task retried late) either committed
 *       before the rollback reached that database (and is undone) or never changes it. The lock file is on the same
 *       file system as the databases and read under SQLite's locks, so every container sees one answer.</li>
 * </ul>
 */
public final class FamilyLocks implements AutoCloseable {
    private final Path dir;
    private final Duration busyTimeout;
    private final Duration fenceTimeout;
    private final Map<String, Deque<SQLiteConnection>> idle = new ConcurrentHashMap<>();
    private final Set<String> initialized = ConcurrentHashMap.newKeySet();

    /** Work done while holding a family's lock; receives the job fencing the family, or null. */
    @FunctionalInterface
    public interface Work<T> {
        T run(String migratingJob) throws Exception;
    }

    FamilyLocks(Path dir, Duration busyTimeout) {
        this.dir = dir;
        this.busyTimeout = busyTimeout;
        // Fencing waits for in-flight requests, which API Gateway ends after 30 s.
        this.fenceTimeout = Duration.ofSeconds(60);
    }

    public <T> T shared(String family, Work<T> work) throws Exception {
        return locked(family, "BEGIN DEFERRED", work);
    }

    public <T> T write(String family, Work<T> work) throws Exception {
        return locked(family, "BEGIN IMMEDIATE", work);
    }

    private <T> T locked(String family, String begin, Work<T> work) throws Exception {
        SQLiteConnection c = borrow(family);
        boolean ok = false;
        try {
            Prepared p = prepared(c);
            String job;
            (begin.equals("BEGIN IMMEDIATE") ? p.beginImmediate() : p.beginDeferred()).execute();
            job = readFence(p);
            try {
                T result = work.run(job);
                ok = true;
                return result;
            } finally {
                p.rollback().execute();
            }
        } finally {
            giveBack(family, c, ok);
        }
    }

    /**
     * The statements every request runs on a lock connection, prepared once per connection: a request on a child
     * otherwise prepared three statements on the lock file before its own SQL (docs/benchmarks.md).
     */
    private record Prepared(PreparedStatement beginDeferred, PreparedStatement beginImmediate,
                            PreparedStatement readFence, PreparedStatement rollback) {
    }

    private final Map<SQLiteConnection, Prepared> preparedByConnection = new ConcurrentHashMap<>();

    private Prepared prepared(SQLiteConnection c) throws SQLException {
        Prepared p = preparedByConnection.get(c);
        if (p == null) {
            p = new Prepared(c.prepareStatement("BEGIN DEFERRED"), c.prepareStatement("BEGIN IMMEDIATE"),
                    c.prepareStatement("SELECT job_id FROM fence LIMIT 1"), c.prepareStatement("ROLLBACK"));
            preparedByConnection.put(c, p);
        }
        return p;
    }

    /** The job fencing the family, if any (a snapshot: use {@link #shared} to act on it). */
    public Optional<String> fenced(String family) {
        try {
            return Optional.ofNullable(shared(family, job -> job));
        } catch (Exception e) {
            throw new StorageException("cannot read the fence of " + family, e);
        }
    }

    /** Fences the family for {@code jobId}, waiting for requests already past the fence to end. Idempotent. */
    public void fence(String family, String jobId) {
        exclusive(family, c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM fence");
                 PreparedStatement i = c.prepareStatement("INSERT INTO fence(job_id) VALUES (?)")) {
                d.executeUpdate();
                i.setString(1, jobId);
                i.executeUpdate();
            }
        });
    }

    /** Clears the fence if {@code jobId} holds it. */
    public void unfence(String family, String jobId) {
        exclusive(family, c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM fence WHERE job_id = ?")) {
                d.setString(1, jobId);
                d.executeUpdate();
            }
        });
    }

    /**
     * Lets {@code jobId} change the family's databases, unless it was stopped before (a stopped job stays stopped).
     * Forgets the phases of the family's earlier jobs: a job with no phase may not apply either.
     */
    public void startApplying(String family, String jobId) {
        exclusive(family, c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM job_phase WHERE job_id <> ?");
                 PreparedStatement i = c.prepareStatement("INSERT OR IGNORE INTO job_phase(job_id, applying) VALUES (?, 1)")) {
                d.setString(1, jobId);
                d.executeUpdate();
                i.setString(1, jobId);
                i.executeUpdate();
            }
        });
    }

    /** From now on {@code jobId} changes no database of the family (idempotent). */
    public void stopApplying(String family, String jobId) {
        exclusive(family, c -> {
            try (PreparedStatement i = c.prepareStatement("INSERT OR REPLACE INTO job_phase(job_id, applying) VALUES (?, 0)")) {
                i.setString(1, jobId);
                i.executeUpdate();
            }
        });
    }

    /** Whether {@code jobId} may change a database of the family now (see the class comment for when to ask). */
    public boolean isApplying(String family, String jobId) {
        // One autocommit SELECT: its own read transaction under SQLite's SHARED lock.
        SQLiteConnection c = borrow(family);
        boolean ok = false;
        try (PreparedStatement p = c.prepareStatement("SELECT applying FROM job_phase WHERE job_id = ?")) {
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                boolean applying = r.next() && r.getInt(1) == 1;
                ok = true;
                return applying;
            }
        } catch (SQLException e) {
            throw new StorageException("cannot read the migration phase of " + family, e);
        } finally {
            giveBack(family, c, ok);
        }
    }

    private interface SqlWork {
        void run(SQLiteConnection c) throws SQLException;
    }

    private void exclusive(String family, SqlWork work) {
        SQLiteConnection c = borrow(family);
        boolean ok = false;
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=" + fenceTimeout.toMillis());
            s.execute("BEGIN EXCLUSIVE");
            try {
                work.run(c);
                s.execute("COMMIT");
                ok = true;
            } finally {
                if (!ok) {
                    s.execute("ROLLBACK");
                }
                s.execute("PRAGMA busy_timeout=" + busyTimeout.toMillis());
            }
        } catch (SQLException e) {
            throw new StorageException("cannot change the migration fence of " + family, e);
        } finally {
            giveBack(family, c, ok);
        }
    }

    private static String readFence(Prepared p) throws SQLException {
        // Closing the result set resets the statement; the SHARED lock stays with the open transaction.
        try (ResultSet r = p.readFence().executeQuery()) {
            return r.next() ? r.getString(1) : null;
        }
    }

    private SQLiteConnection borrow(String family) {
        if (!Names.isValid(family)) {
            throw new IllegalArgumentException("not a valid database name");
        }
        Deque<SQLiteConnection> q = idle.get(family);
        if (q != null) {
            synchronized (q) {
                SQLiteConnection c = q.pollFirst();
                if (c != null) {
                    return c;
                }
            }
        }
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
            config.setBusyTimeout((int) busyTimeout.toMillis());
            SQLiteConnection c = (SQLiteConnection) config.createConnection("jdbc:sqlite:" + dir.resolve(family + ".lock"));
            if (!initialized.contains(family)) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS fence(job_id TEXT NOT NULL)");
                    s.execute("CREATE TABLE IF NOT EXISTS job_phase(job_id TEXT PRIMARY KEY, applying INTEGER NOT NULL)");
                }
                initialized.add(family);
            }
            return c;
        } catch (SQLException e) {
            throw new StorageException("cannot open the lock file of " + family, e);
        }
    }

    private void giveBack(String family, SQLiteConnection c, boolean healthy) {
        if (healthy) {
            Deque<SQLiteConnection> q = idle.computeIfAbsent(family, k -> new ArrayDeque<>());
            synchronized (q) {
                // As many as StorageOptions keeps per database: one per request running on the family at once.
                if (q.size() < 16) {
                    q.addFirst(c);
                    return;
                }
            }
        }
        preparedByConnection.remove(c);
        try {
            c.close();
        } catch (SQLException ignored) {
            // an unwanted connection: nothing to do
        }
    }

    /** Forgets a deleted family's connections. */
    void evict(String family) {
        initialized.remove(family);
        Deque<SQLiteConnection> q = idle.remove(family);
        if (q != null) {
            synchronized (q) {
                q.forEach(c -> {
                    preparedByConnection.remove(c);
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // closing
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        idle.keySet().forEach(this::evict);
    }
}
