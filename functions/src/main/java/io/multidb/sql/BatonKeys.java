package io.multidb.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * The secret keys batons are signed with (HMAC-SHA256). Every instance that serves a database must see the same
 * keys, or a baton issued by one instance fails on the next. The wiring derives the baton key from the token
 * signing key ({@link #derivedFrom}): locally the key file in the data dir, in AWS the secret named by
 * {@code MULTIDB_SIGNING_KEY_SECRET}, so there is one secret to keep and rotate. Rotation: {@link #current()}
 * signs, {@link #find(int)} also answers for the previous key during an overlap of at least one idle expiry
 * ({@link #rotating}); without an overlap, open transactions fail with BATON_INVALID and nothing else happens.
 */
public interface BatonKeys {

    /** The key new batons are signed with. */
    SigningKey current();

    /** The key with this id (the current one, or an older one still accepted), if any. */
    Optional<SigningKey> find(int id);

    /**
     * @param id     a short id carried in the clear by each baton, so a verifier picks the right key
     * @param secret at least 32 random bytes
     */
    record SigningKey(int id, byte[] secret) {
        public SigningKey {
            Objects.requireNonNull(secret);
            if (secret.length < 32) {
                throw new IllegalArgumentException("a baton signing key needs at least 32 bytes");
            }
            secret = secret.clone();
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        /** A key whose id is derived from the secret, so that every holder of the secret agrees on it. */
        public static SigningKey of(byte[] secret) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update("multidb-baton-key-id".getBytes(StandardCharsets.US_ASCII));
                byte[] h = sha.digest(secret);
                return new SigningKey(((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8)
                        | (h[3] & 0xff), secret);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SigningKey k && k.id == id && MessageDigest.isEqual(k.secret, secret);
        }

        @Override
        public int hashCode() {
            return id;
        }

        @Override
        public String toString() {
            return "SigningKey[id=" + id + "]"; // never the secret
        }
    }

    /**
     * A baton key derived from another secret (the token signing key): HMAC-SHA256(secret, a label of its own),
     * so a baton's MAC can never stand for a token's, nor reveal anything of the secret it comes from.
     */
    static BatonKeys derivedFrom(byte[] secret) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            return of(mac.doFinal("multidb baton signing key v1".getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** One fixed key (tests, or a secret read once at start). */
    static BatonKeys of(byte[] secret) {
        SigningKey key = SigningKey.of(secret);
        return new BatonKeys() {
            @Override
            public SigningKey current() {
                return key;
            }

            @Override
            public Optional<SigningKey> find(int id) {
                return id == key.id() ? Optional.of(key) : Optional.empty();
            }
        };
    }

    /** Signs with {@code current} and still accepts {@code previous} (a rotation's overlap). */
    static BatonKeys rotating(SigningKey current, SigningKey previous) {
        return new BatonKeys() {
            @Override
            public SigningKey current() {
                return current;
            }

            @Override
            public Optional<SigningKey> find(int id) {
                if (id == current.id()) {
                    return Optional.of(current);
                }
                return id == previous.id() ? Optional.of(previous) : Optional.empty();
            }
        };
    }
}
