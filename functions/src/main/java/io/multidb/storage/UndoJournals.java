package io.multidb.storage;

import io.multidb.databases.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A migration's undo log: for each database it changed, SQLite's own rollback journal of that change, kept.
 *
 * <pre>
 * {root}/undo/{job}/{name}.journal   the rollback journal of job {job}'s transaction on database {name}
 * </pre>
 *
 * <p>A transaction in rollback-journal mode writes, before it changes a page, the page's original content to
 * {@code {name}.db-journal}; at commit SQLite syncs the journal, finalizes its header, writes the database and
 * deletes the journal. That journal is an exact page-level undo of the transaction and costs nothing extra: so just
 * before COMMIT, {@link #keep} adds a second name (a hard link) to it here. SQLite's delete at commit removes only
 * its own name; this one keeps the synced, finalized journal. Only the pages the change touched are in it (an
 * {@code ADD COLUMN} is a page or two; pages the change appended are not journaled at all: the header records the
 * original size and a rollback truncates back to it).
 *
 * <p>To undo ({@link #putBack}), the kept journal is linked back as {@code {name}.db-journal} while the caller holds
 * the database's write lock (so no other journal can exist); once the lock is released, the next connection to open
 * the file finds a hot journal and rolls it back, as SQLite does after a crash: the file is then byte for byte what
 * it was before the transaction. A crash during the roll-back is itself rolled back by the next open. Nothing ever
 * renames over the live database file.
 */
public final class UndoJournals {
    private static final Pattern JOB = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
    /** The first 8 bytes of a finalized rollback journal (sqlite3 pager.c, aJournalMagic). */
    private static final long JOURNAL_MAGIC = 0xd9d505f920a163d7L;

    private final Path root;

    public UndoJournals(Path dataRoot) {
        this.root = Objects.requireNonNull(dataRoot).resolve("undo");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new StorageException("cannot prepare " + root, e);
        }
    }

    public Path undoOf(String job, String name) {
        return dirOf(job).resolve(checkName(name) + ".journal");
    }

    public boolean has(String job, String name) {
        return Files.isRegularFile(undoOf(job, name));
    }

    /**
     * Keeps the open transaction's journal of {@code dbFile} as {@code job}'s undo of {@code name}; call it after
     * the change's last write and before COMMIT. A link left by an earlier attempt that never committed (its
     * transaction was rolled back, so its journal is not this one) is replaced. The link's directory is synced, so
     * the undo survives a crash right after the commit.
     */
    public void keep(String job, String name, Path dbFile) {
        Path journal = journalOf(dbFile);
        Path undo = undoOf(job, name);
        try {
            Files.createDirectories(undo.getParent());
            Files.deleteIfExists(undo);
            Files.createLink(undo, journal);
            syncDirectory(undo.getParent());
        } catch (NoSuchFileException e) {
            throw new StorageException("the transaction on " + name + " has no rollback journal to keep", e);
        } catch (IOException e) {
            throw new StorageException("cannot keep the undo journal of " + name, e);
        }
    }

    /**
     * Links the kept journal back next to the database as its hot journal. The caller holds the database's write
     * lock (RESERVED: no other transaction's journal can exist) and releases it afterwards; the next open rolls the
     * journal back. Fails if there is no finalized undo journal (never committed, or removed).
     */
    public void putBack(String job, String name, Path dbFile) {
        Path undo = undoOf(job, name);
        Path journal = journalOf(dbFile);
        requireFinalized(undo, name);
        try {
            Files.createLink(journal, undo);
            syncDirectory(journal.getParent());
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("database " + name + " has a journal of another transaction: retry the undo", e);
        } catch (IOException e) {
            throw new StorageException("cannot put back the undo journal of " + name, e);
        }
    }

    /** Removes a job's undo journals (once the job has ended). */
    public void removeAll(String job) {
        Path dir = dirOf(job);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new StorageException("cannot remove the undo journals of job " + job, e);
        }
    }

    private static void requireFinalized(Path undo, String name) {
        try (FileChannel ch = FileChannel.open(undo, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // read the magic
            }
            head.flip();
            if (head.remaining() < 8 || head.getLong() != JOURNAL_MAGIC) {
                throw new StorageException("the undo journal of " + name + " is not a committed transaction's journal", null);
            }
        } catch (NoSuchFileException e) {
            throw new StorageException("no undo journal of " + name, e);
        } catch (IOException e) {
            throw new StorageException("cannot read the undo journal of " + name, e);
        }
    }

    static Path journalOf(Path db) {
        return db.resolveSibling(db.getFileName() + "-journal");
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open a directory for sync; their metadata is synchronous (NFS, EFS).
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    private Path dirOf(String job) {
        if (job == null || !JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("not a valid job id");
        }
        return root.resolve(job);
    }

    private static String checkName(String name) {
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("not a valid database name");
        }
        return name;
    }
}
