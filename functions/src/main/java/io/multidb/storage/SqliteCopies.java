package io.multidb.storage;

import io.multidb.databases.Names;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteOpenMode;

/**
 * Pre-migration copies of databases, made and restored through SQLite so that a live file is never replaced
 * behind the back of a connection that has it open.
 *
 * <pre>
 * {root}/copies/{job}/{name}.db   the copy of database {name} taken before job {job} changed it
 * {root}/copies/{job}/.tmp-*      a copy being written (moved into place only when complete)
 * </pre>
 *
 * A copy is {@code VACUUM INTO} a temporary file from a read-only connection (one consistent snapshot), then
 * moved into place; a restore is SQLite's online backup API from the copy onto the live file, which takes the
 * live file's locks and writes through its rollback journal, so readers see the old or the new content and a
 * crash mid-restore is rolled back by the next open. The connections here are this class's own: the tenant
 * sandbox (SqliteStore.connect) forbids ATTACH, which VACUUM INTO needs.
 */
public final class SqliteCopies {
    private static final Pattern JOB = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");

    private final SqliteStore store;
    private final Path copies;
    private final StorageOptions options;

    public SqliteCopies(Path root, SqliteStore store, StorageOptions options) {
        this.store = Objects.requireNonNull(store);
        this.options = Objects.requireNonNull(options);
        this.copies = root.resolve("copies");
        try {
            Files.createDirectories(copies);
        } catch (IOException e) {
            throw new StorageException("cannot prepare " + copies, e);
        }
    }

    public Path copyOf(String job, String name) {
        return dirOf(job).resolve(checkName(name) + ".db");
    }

    public boolean hasCopy(String job, String name) {
        return Files.isRegularFile(copyOf(job, name));
    }

    /**
     * Makes the copy of {@code name} for {@code job} unless it exists already (a retried apply keeps the first
     * copy, which was taken before the change). The caller makes sure nothing writes the database meanwhile.
     */
    public void makeCopy(String job, String name) {
        Path target = copyOf(job, name);
        if (Files.isRegularFile(target)) {
            return;
        }
        Path part = dirOf(job).resolve(".tmp-" + name + "-" + UUID.randomUUID() + ".db");
        try {
            Files.createDirectories(dirOf(job));
            try (SQLiteConnection c = connect(store.fileOf(name), true);
                    PreparedStatement s = c.prepareStatement("VACUUM INTO ?")) {
                s.setString(1, part.toString());
                s.execute();
            }
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target);
            }
        } catch (SQLException | IOException e) {
            deleteQuietly(part);
            throw new StorageException("cannot copy database " + name + " for job " + job, e);
        }
    }

    /** Writes the copy back onto the live database through the backup API. */
    public void restore(String job, String name) {
        Path source = copyOf(job, name);
        if (!Files.isRegularFile(source)) {
            throw new StorageException("no copy of database " + name + " for job " + job, null);
        }
        try (SQLiteConnection c = connect(store.fileOf(name), false)) {
            c.getDatabase().restore("main", source.toString(), null);
        } catch (SQLException e) {
            throw new StorageException("cannot restore database " + name + " from its copy for job " + job, e);
        }
        store.evict(name);
    }

    /** Removes every copy of a job (when the job has ended). */
    public void removeCopies(String job) {
        Path dir = dirOf(job);
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        } catch (IOException e) {
            throw new StorageException("cannot remove copies of job " + job, e);
        }
        if (files.size() < PARALLEL_REMOVAL_FROM) {
            files.forEach(SqliteCopies::deleteQuietly);
        } else {
            // One remove is one round trip to the file server (a few ms on EFS), and a job has a copy per child:
            // one after another, 100,000 of them hold the finish step for minutes (docs/cost-model.md). Removes of
            // different files do not contend, so a few threads divide that time.
            ExecutorService pool = Executors.newFixedThreadPool(REMOVAL_THREADS);
            try {
                int per = (files.size() + REMOVAL_THREADS - 1) / REMOVAL_THREADS;
                List<Future<?>> parts = new ArrayList<>();
                for (int from = 0; from < files.size(); from += per) {
                    List<Path> part = files.subList(from, Math.min(files.size(), from + per));
                    parts.add(pool.submit(() -> part.forEach(SqliteCopies::deleteQuietly)));
                }
                for (Future<?> f : parts) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException("interrupted while removing the copies of job " + job, e);
            } catch (ExecutionException e) {
                throw new StorageException("cannot remove copies of job " + job, e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        deleteQuietly(dir);
    }

    /** Removing copies one by one below this many; with {@link #REMOVAL_THREADS} threads from here on. */
    static final int PARALLEL_REMOVAL_FROM = 64;
    static final int REMOVAL_THREADS = 16;

    private Path dirOf(String job) {
        if (job == null || !JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("not a valid job id");
        }
        return copies.resolve(job);
    }

    private static String checkName(String name) {
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("not a valid database name");
        }
        return name;
    }

    private SQLiteConnection connect(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.resetOpenMode(SQLiteOpenMode.CREATE); // never create a missing database by opening it
        config.setReadOnly(readOnly);
        config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        config.enforceForeignKeys(true);
        config.enableLoadExtension(false);
        return (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover copy is only disk space; the job directory is removed again at the next attempt
        }
    }
}
