package io.multidb.auth;

/**
 * Port: the rotation counter of each database and group. A token records the generation current when it was
 * issued; {@code .../auth/rotate} bumps it, and a token whose generation is below the current one is refused.
 * A name never rotated is at generation 0. Implementations: {@code io.multidb.aws.DynamoTokenGenerations}
 * (one item per name, strongly consistent reads); the hot path reads it through {@link CachingTokenGenerations}.
 */
public interface TokenGenerations {
    /** The current generation (0 if never bumped); a read that sees every bump completed before it began. */
    long current(String org, Scope scope, String name);

    /** Atomically adds one and returns the new generation. */
    long bump(String org, Scope scope, String name);
}
