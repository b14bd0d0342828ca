package io.multidb.storage;

import io.multidb.common.Names;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;
import org.sqlite.SQLiteOpenMode;

/**
 * SQLite files under one data root (EFS in AWS, a local folder otherwise).
 *
 * <pre>
 * {root}/databases/{name}.db      a database (and its rollback journal {name}.db-journal while writing)
 * {root}/locks/{name}.lock        an empty SQLite file whose write lock serializes changes to a family
 * {root}/tmp/                     files being built; moved into databases/ only when complete
 * </pre>
 *
 * Paths come only from names that pass {@link Names}. Files are opened with a rollback journal (never WAL: NFS
 * has no shared memory), a busy timeout and foreign keys on, and never created by opening: a database exists
 * only once {@link #createEmpty} or {@link #createCopy} moved a complete file into place. Idle connections are
 * kept per warm container and checked against the file's identity at every checkout, so a database deleted and
 * re-created by another container is never served from a stale handle; SQLite's own locking keeps them correct
 * when another process writes the file.
 */
public final class SqliteStore implements AutoCloseable {

    static {
        try {
            Class.forName("org.sqlite.JDBC");
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Path databases;
    private final Path locks;
    private final Path tmp;
    private final StorageOptions options;
    private final Map<String, Deque<Pooled>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final FamilyLocks families;
    /** Creates and deletes done by this store, by name (see {@link FileIdentity}). */
    private final Map<String, Long> changes = new ConcurrentHashMap<>();

    /** @param attachment what the connection's user keeps with it while pooled (its prepared statements) */
    private static final class Pooled {
        final SQLiteConnection connection;
        final Object fileKey;
        Object attachment;

        Pooled(SQLiteConnection connection, Object fileKey) {
            this.connection = connection;
            this.fileKey = fileKey;
        }

        SQLiteConnection connection() {
            return connection;
        }

        Object fileKey() {
            return fileKey;
        }
    }

    public SqliteStore(Path root, StorageOptions options) {
        this.options = Objects.requireNonNull(options);
        this.databases = root.resolve("databases");
        this.locks = root.resolve("locks");
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(databases);
            Files.createDirectories(locks);
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new StorageException("cannot prepare data root " + root, e);
        }
        this.families = new FamilyLocks(locks, options.busyTimeout());
    }

    public Path fileOf(String name) {
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("not a valid database name");
        }
        return databases.resolve(name + ".db");
    }

    public boolean exists(String name) {
        return Files.isRegularFile(fileOf(name));
    }

    /**
     * Which file a database name stands for now: the file's key (its inode, as the pool checks it) and how many
     * times this store has created or deleted a database of that name. A database deleted and created again has
     * another identity: by the count when it happened in this process, where a file system may hand the new file
     * the freed inode number; by the key when another container did it (EFS does not reuse file ids soon).
     */
    public record FileIdentity(Object fileKey, long changes) {
    }

    /** The database's {@link FileIdentity}, or null if it has no file. */
    public FileIdentity fileIdentity(String name) {
        Path file = fileOf(name);
        // The count before the key: a change between the two reads then shows as a different identity next time.
        long changes = this.changes.getOrDefault(name, 0L);
        Object key = fileKey(file);
        return key == null ? null : new FileIdentity(key, changes);
    }

    private void changed(String name) {
        changes.merge(name, 1L, Long::sum);
    }

    /** A connection borrowed for one request; closing it returns it to the pool. */
    public final class Lease implements AutoCloseable {
        private final String name;
        private Pooled pooled;
        private boolean broken;

        private Lease(String name, Pooled pooled) {
            this.name = name;
            this.pooled = pooled;
        }

        public SQLiteConnection connection() {
            return pooled.connection();
        }

        /** What the last user of this connection attached to it (null for a new connection). */
        public Object attachment() {
            return pooled.attachment;
        }

        /** Keeps {@code value} with the connection for its next users; dropped with the connection. */
        public void attach(Object value) {
            pooled.attachment = value;
        }

        /** Do not pool this connection again (its state is unknown after a failure). */
        public void discard() {
            broken = true;
        }

        @Override
        public void close() {
            if (pooled == null) {
                return;
            }
            Pooled p = pooled;
            pooled = null;
            giveBack(name, p, broken);
        }
    }

    /** Borrows a connection to an existing database; empty if the database file does not exist. */
    public Optional<Lease> open(String name) {
        Path file = fileOf(name);
        Object key = fileKey(file);
        if (key == null) {
            return Optional.empty();
        }
        Deque<Pooled> q = idle.get(name);
        if (q != null) {
            while (true) {
                Pooled p;
                synchronized (q) {
                    p = q.pollFirst();
                }
                if (p == null) {
                    break;
                }
                idleCount.decrementAndGet();
                if (p.fileKey().equals(key)) {
                    return Optional.of(new Lease(name, p));
                }
                closeQuietly(p.connection());
            }
        }
        try {
            return Optional.of(new Lease(name, new Pooled(connect(file, false), key)));
        } catch (SQLException e) {
            if (fileKey(file) == null) {
                return Optional.empty();
            }
            throw new StorageException("cannot open database " + name, e);
        }
    }

    private void giveBack(String name, Pooled p, boolean broken) {
        if (broken || idleCount.get() >= options.maxIdleTotal()) {
            closeQuietly(p.connection());
            return;
        }
        Deque<Pooled> q = idle.computeIfAbsent(name, k -> new ArrayDeque<>());
        synchronized (q) {
            if (q.size() < options.maxIdlePerDb()) {
                q.addFirst(p);
                idleCount.incrementAndGet();
                return;
            }
        }
        closeQuietly(p.connection());
    }

    /**
     * Opens a connection for tenant SQL: this store's settings plus the sandbox limits (no ATTACH, which also
     * rules out VACUUM INTO; bounded statement and value sizes). readOnly opens the file read-only.
     */
    public SQLiteConnection connect(Path file, boolean readOnly) throws SQLException {
        SQLiteConnection c = connectInternal(file, readOnly);
        try {
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_SQL_LENGTH, options.maxSqlLength());
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_LENGTH, options.maxValueLength());
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_EXPR_DEPTH, 200);
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_COMPOUND_SELECT, 100);
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_VARIABLE_NUMBER, 10_000);
            c.setLimit(SQLiteLimits.SQLITE_LIMIT_TRIGGER_DEPTH, 100);
            try (Statement s = c.createStatement()) {
                // Functions with side effects may not run from inside views and triggers a tenant defines.
                s.execute("PRAGMA trusted_schema=OFF");
                long pageSize;
                try (java.sql.ResultSet r = s.executeQuery("PRAGMA page_size")) {
                    pageSize = r.next() ? r.getLong(1) : 4096;
                }
                s.execute("PRAGMA max_page_count=" + Math.max(1, options.maxDatabaseBytes() / pageSize));
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    /** A connection for this store's own work (copies, restores): no sandbox limits, never given tenant SQL. */
    private SQLiteConnection connectInternal(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        if (readOnly) {
            config.setReadOnly(true);
        }
        config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        config.enforceForeignKeys(true);
        config.enableLoadExtension(false);
        // Otherwise sqlite-jdbc runs its own SELECT last_insert_rowid() after every INSERT (a statement prepared and
        // left open per INSERT, which also keeps a kept statement "in progress"); nothing here reads those keys.
        config.setGetGeneratedKeys(false);
        return (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
    }

    /** Creates an empty database; false if one already exists under that name. */
    public boolean createEmpty(String name) {
        Path target = fileOf(name);
        Path part = tmp.resolve(name + "." + UUID.randomUUID() + ".db");
        try {
            try (Connection c = connectCreating(part); Statement s = c.createStatement()) {
                // Writes the header now, so that the file is a complete database before it is moved into place.
                s.execute("PRAGMA user_version=0");
                s.execute("CREATE TABLE IF NOT EXISTS _multidb_init(x)");
                s.execute("DROP TABLE _multidb_init");
            }
            return moved(name, moveIntoPlace(part, target));
        } catch (SQLException | IOException e) {
            deleteQuietly(part);
            throw new StorageException("cannot create database " + name, e);
        }
    }

    /**
     * Creates {@code target} as a consistent copy of {@code source} (schema and rows), made by SQLite
     * ({@code VACUUM INTO} a temporary file, which reads one snapshot) and moved into place only when complete.
     * False if target already exists. The caller holds the source family's lock when the copy must not
     * interleave with changes to the source.
     */
    public boolean createCopy(String source, String target) {
        Path src = fileOf(source);
        Path dst = fileOf(target);
        Path part = tmp.resolve(target + "." + UUID.randomUUID() + ".db");
        try {
            try (Connection c = connectInternal(src, true); PreparedStatement s = c.prepareStatement("VACUUM INTO ?")) {
                s.setString(1, part.toString());
                s.execute();
            }
            return moved(target, moveIntoPlace(part, dst));
        } catch (SQLException | IOException e) {
            deleteQuietly(part);
            throw new StorageException("cannot copy database " + source + " to " + target, e);
        }
    }

    private boolean moved(String name, boolean moved) {
        if (moved) {
            changed(name);
        }
        return moved;
    }

    private SQLiteConnection connectCreating(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        return (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
    }

    private boolean moveIntoPlace(Path part, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        if (Files.exists(target)) {
            deleteQuietly(part);
            return false;
        }
        // A journal left by a crashed writer of an earlier database of this name must not be replayed into ours.
        Files.deleteIfExists(journalOf(target));
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target);
        }
        return true;
    }

    /**
     * Removes a garbage file under a name the caller has just claimed in the catalog (left by a create that
     * crashed after moving its file into place, or a delete that crashed before removing it).
     */
    public void removeLeftover(String name) {
        delete(name);
    }

    /** Deletes the database file and its journal; idle connections to it are closed. */
    public void delete(String name) {
        Path file = fileOf(name);
        changed(name);
        evict(name);
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(journalOf(file));
        } catch (IOException e) {
            throw new StorageException("cannot delete database " + name, e);
        }
    }

    /** Closes this container's idle connections to a database. */
    public void evict(String name) {
        Deque<Pooled> q = idle.remove(name);
        if (q != null) {
            synchronized (q) {
                for (Pooled p : q) {
                    idleCount.decrementAndGet();
                    closeQuietly(p.connection());
                }
                q.clear();
            }
        }
    }

    /** The families' lock files and migration fences (see {@link FamilyLocks}). */
    public FamilyLocks families() {
        return families;
    }

    /** Deletes a family's lock file once the family is gone. */
    public void deleteFamilyLock(String schemaDb) {
        if (Names.isValid(schemaDb)) {
            families.evict(schemaDb);
            deleteQuietly(locks.resolve(schemaDb + ".lock"));
            deleteQuietly(locks.resolve(schemaDb + ".lock-journal"));
        }
    }

    private static Path journalOf(Path db) {
        return db.resolveSibling(db.getFileName() + "-journal");
    }

    private static Object fileKey(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                return null;
            }
            Object k = a.fileKey();
            // Without an inode (some file systems), fall back to the creation time as the file's identity.
            return k != null ? k : a.creationTime();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("cannot stat " + file, e);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing a connection we no longer want: nothing to do about a failure
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless; tmp/ is cleaned of old files at start
        }
    }

    @Override
    public void close() {
        for (String name : idle.keySet()) {
            evict(name);
        }
        families.close();
    }
}
