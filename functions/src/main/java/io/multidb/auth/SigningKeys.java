package io.multidb.auth;

import java.util.Optional;

/**
 * Port: where the token signing key comes from. Locally {@link FileSigningKey} (generated in the data dir); in
 * AWS {@code io.multidb.aws.SecretsManagerSigningKey} (read from Secrets Manager at cold start). Implementations
 * load the key once; both methods are on the hot path and must not do I/O.
 */
public interface SigningKeys {
    /** The key new tokens are signed with. */
    SigningKey current();

    /**
     * The key a token's {@code kid} header names, if tokens signed with it are still accepted. By default only
     * the current key; an implementation that rolls keys over can also return the previous one.
     */
    default Optional<SigningKey> forId(String kid) {
        SigningKey k = current();
        return k.id().equals(kid) ? Optional.of(k) : Optional.empty();
    }
}
