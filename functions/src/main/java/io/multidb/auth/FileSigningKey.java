package io.multidb.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The local runtime's signing key: {@value #FILE_NAME} in the data dir, 32 random bytes in base64, generated at
 * first start with mode 0600 and reused afterwards (so tokens survive restarts). A key file that the group or
 * others may read or write is refused: whoever reads it can mint tokens for every database.
 */
public final class FileSigningKey implements SigningKeys {
    public static final String FILE_NAME = "token-signing-key";
    static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private final SigningKey key;
    private final Path path;

    private FileSigningKey(SigningKey key, Path path) {
        this.key = key;
        this.path = path;
    }

    /** Reads the key in {@code dataDir}, creating the directory and the key first if they are absent. */
    public static FileSigningKey open(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                create(file);
            }
            return new FileSigningKey(read(file), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the token signing key " + file, e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public SigningKey current() {
        return key;
    }

    /**
     * Writes a complete key to a private temporary file, then links it into place: the key file appears whole
     * or not at all, and of two processes starting at once, one key wins and both use it.
     */
    private static void create(Path file) throws IOException {
        byte[] secret = new byte[SigningKey.MIN_BYTES];
        new SecureRandom().nextBytes(secret);
        byte[] content = (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
        boolean posix = posix(file);
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(file.getParent(), "." + FILE_NAME + "-", ".tmp", attrs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(content));
                ch.force(true);
            }
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                // Another process made it first: use theirs.
            } catch (UnsupportedOperationException e) {
                // No hard links here: a move without replace is the next best (not atomic against a racer).
                try {
                    Files.move(tmp, file);
                } catch (FileAlreadyExistsException alreadyThere) {
                    // as above
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static SigningKey read(Path file) throws IOException {
        if (posix(file)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException("the token signing key " + file + " has mode "
                        + PosixFilePermissions.toString(perms) + ": anyone who can read it can mint tokens for every "
                        + "database; run 'chmod 600 " + file + "' (or delete it to get a new key, which invalidates "
                        + "every token issued so far)");
            }
        }
        String text = Files.readString(file, StandardCharsets.ISO_8859_1).strip();
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            secret = null;
        }
        if (secret == null || secret.length < SigningKey.MIN_BYTES) {
            throw new IllegalStateException("the token signing key " + file + " is not " + SigningKey.MIN_BYTES
                    + " or more bytes in base64: delete it to get a new key (this invalidates every token issued so far)");
        }
        return SigningKey.of(secret);
    }

    private static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
