package io.multidb.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An HMAC-SHA-256 key. Its {@link #id()} (the token header's {@code kid}) is derived from the key by a one-way
 * hash, so it names the key without revealing it, and a token signed with another key is told apart before any
 * MAC is computed. {@link #toString()} never shows the secret.
 */
public final class SigningKey {
    /** HS256 wants a key at least as long as its output (RFC 7518 section 3.2). */
    public static final int MIN_BYTES = 32;

    private final byte[] secret;
    private final String id;

    private SigningKey(byte[] secret) {
        this.secret = secret;
        this.id = deriveId(secret);
    }

    public static SigningKey of(byte[] secret) {
        if (secret == null || secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("a token signing key needs at least " + MIN_BYTES + " bytes ("
                    + (secret == null ? "none" : secret.length) + " given)");
        }
        return new SigningKey(secret.clone());
    }

    public String id() {
        return id;
    }

    /** A copy of the key material. */
    public byte[] secret() {
        return secret.clone();
    }

    private static String deriveId(byte[] secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("multidb token key id\0".getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(Arrays.copyOf(sha.digest(secret), 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigningKey k && MessageDigest.isEqual(secret, k.secret);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "SigningKey[" + id + "]";
    }
}
