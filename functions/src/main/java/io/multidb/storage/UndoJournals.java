package io.multidb.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * A migration's undo log: for each database it changed, SQLite's own rollback journal of that change, kept.
 *
 * <pre>
 * {databases}/{name}.db-undo-{job}   the rollback journal of job {job}'s transaction on database {name}
 * </pre>
 *
 * <p>A transaction in rollback-journal mode writes, before it changes a page, the page's original content to
 * {@code {name}.db-journal}; at commit SQLite syncs the journal, finalizes its header, writes the database and
 * deletes the journal. That journal is an exact page-level undo of the transaction and costs nothing extra: so just
 * before COMMIT, {@link #keep} adds a second name (a hard link) to it. SQLite's delete at commit removes only its
 * own name; this one keeps the synced, finalized journal. Only the pages the change touched are in it (an
 * {@code ADD COLUMN} is a page or two; pages the change appended are not journaled at all: the header records the
 * original size and a rollback truncates back to it).
 *
 * <p>The link lives next to the database, in the journal's directory, so that it is made durable by the directory
 * sync SQLite itself does when it first syncs a new journal (at commit): no fsync of our own. Only when the journal
 * was synced earlier (a transaction that spilled its cache) does {@link #keep} sync the directory itself.
 *
 * <p>To undo ({@link #putBack}), the kept journal is linked back as {@code {name}.db-journal} while the caller holds
 * the database's write lock (so no other journal can exist); once the lock is released, the next connection to open
 * the file finds a hot journal and rolls it back, as SQLite does after a crash: the file is then byte for byte what
 * it was before the transaction. A crash during the roll-back is itself rolled back by the next open; a crash before
 * the link reached the disk leaves the change in place, and the undo is simply run again. Nothing ever renames over
 * the live database file.
 */
public final class UndoJournals {
    private static final Pattern JOB = Pattern.compile("[a-z0-9][a-z0-9-]{0,79}");
    /** The first 8 bytes of a finalized rollback journal (sqlite3 pager.c, aJournalMagic). */
    private static final long JOURNAL_MAGIC = 0xd9d505f920a163d7L;

    public UndoJournals() {
    }

    /** The undo journal of {@code job} on the database whose file is {@code dbFile}. */
    public Path undoOf(String job, Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + "-undo-" + checkJob(job));
    }

    /**
     * Keeps the open transaction's journal of {@code dbFile} as {@code job}'s undo; call it after the change's last
     * write and before COMMIT. A link left by an earlier attempt that never committed (its transaction was rolled
     * back, so its journal is not this one) is replaced.
     */
    public void keep(String job, Path dbFile) {
        Path journal = journalOf(dbFile);
        Path undo = undoOf(job, dbFile);
        try {
            Files.deleteIfExists(undo);
            Files.createLink(undo, journal);
            if (isFinalized(undo)) {
                // The journal was synced before now (its directory with it): our link needs a sync of its own.
                syncDirectory(undo.getParent());
            }
        } catch (NoSuchFileException e) {
            throw new StorageException("the transaction on " + dbFile.getFileName() + " has no rollback journal to keep", e);
        } catch (IOException e) {
            throw new StorageException("cannot keep the undo journal of " + dbFile.getFileName(), e);
        }
    }

    /**
     * Links the kept journal back next to the database as its hot journal. The caller holds the database's write
     * lock (RESERVED: no other transaction's journal can exist) and releases it afterwards; the next open rolls the
     * journal back. Fails if there is no finalized undo journal (never committed, or removed).
     */
    public void putBack(String job, Path dbFile) {
        Path undo = undoOf(job, dbFile);
        Path journal = journalOf(dbFile);
        try {
            if (!isFinalized(undo)) {
                throw new StorageException("the undo journal of " + dbFile.getFileName()
                        + " is not a committed transaction's journal", null);
            }
            Files.createLink(journal, undo);
        } catch (NoSuchFileException e) {
            throw new StorageException("no undo journal of " + dbFile.getFileName(), e);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("database " + dbFile.getFileName() + " has a journal of another transaction: retry the undo", e);
        } catch (IOException e) {
            throw new StorageException("cannot put back the undo journal of " + dbFile.getFileName(), e);
        }
    }

    /** Removes a job's undo journal of one database (once the job has ended); absent is fine. */
    public void remove(String job, Path dbFile) {
        try {
            Files.deleteIfExists(undoOf(job, dbFile));
        } catch (IOException e) {
            throw new StorageException("cannot remove the undo journal of " + dbFile.getFileName(), e);
        }
    }

    private static boolean isFinalized(Path journal) throws IOException {
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // read the magic
            }
            head.flip();
            return head.remaining() == 8 && head.getLong() == JOURNAL_MAGIC;
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

    private static String checkJob(String job) {
        if (job == null || !JOB.matcher(job).matches()) {
            throw new IllegalArgumentException("not a valid job id");
        }
        return job;
    }
}
