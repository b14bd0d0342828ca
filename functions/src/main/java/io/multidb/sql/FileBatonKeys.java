package io.multidb.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * One baton signing key kept in a file on the shared data root ({@code {root}/keys/baton-signing.key}, 64 hex
 * digits, mode 600), made on first use. Instances racing to make it agree on one key: each writes a complete
 * candidate file and hard-links it into place, which fails if the name exists, so the first link wins and the
 * others read it. Deleting the file rotates the key with no overlap: open transactions then fail with
 * BATON_INVALID, nothing else.
 */
public final class FileBatonKeys implements BatonKeys {
    private final SigningKey key;

    private FileBatonKeys(SigningKey key) {
        this.key = key;
    }

    /** Reads the key file, creating it (and its directory) if it does not exist yet. */
    public static FileBatonKeys open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!Files.exists(file)) {
                create(file);
            }
            return new FileBatonKeys(SigningKey.of(read(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the baton signing key " + file, e);
        }
    }

    private static void create(Path file) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path candidate = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try {
                Files.createFile(candidate,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(candidate);
            }
            try (FileChannel ch = FileChannel.open(candidate, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap((HexFormat.of().formatHex(secret) + "\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                Files.createLink(file, candidate);
            } catch (FileAlreadyExistsException lost) {
                // Another instance made the key first: use theirs.
            } catch (UnsupportedOperationException noLinks) {
                if (!Files.exists(file)) {
                    Files.move(candidate, file); // no hard links here: a race loser then reads the winner's key
                }
            }
        } finally {
            Files.deleteIfExists(candidate);
        }
    }

    private static byte[] read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (text.length() < 64 || text.length() % 2 != 0) {
            throw new IllegalStateException("the baton signing key file " + file + " is damaged (it must hold at "
                    + "least 64 hex digits): delete it to make a new key; open transactions will then fail");
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the baton signing key file " + file + " is damaged (not hex): delete "
                    + "it to make a new key; open transactions will then fail");
        }
    }

    @Override
    public SigningKey current() {
        return key;
    }

    @Override
    public Optional<SigningKey> find(int id) {
        return id == key.id() ? Optional.of(key) : Optional.empty();
    }
}
