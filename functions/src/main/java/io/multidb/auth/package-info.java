/**
 * Who may do what: database and group tokens, the admin token, rotation, and the one authorizer.
 *
 * <h2>The model</h2>
 * <ul>
 *   <li><b>Principals.</b> A request speaks for the admin (the platform token: the whole control plane and every
 *       database), a group (the data plane of every database in it) or a database (its data plane; for a schema
 *       database also its job endpoints), each of the last two with full or read-only access
 *       ({@link io.multidb.auth.Principal}). {@link io.multidb.auth.TokenService#verify} turns a bearer token
 *       into a principal or refuses it with UNAUTHORIZED saying why (missing, malformed, bad signature, another
 *       organization, expired, rotated).</li>
 *   <li><b>Decisions.</b> {@link io.multidb.auth.Authorizer} is the only place that compares a principal with
 *       an {@link io.multidb.auth.Action} (control plane, data plane of a database, job endpoints of a schema
 *       database); it returns a {@link io.multidb.auth.Grant} or FORBIDDEN. Its class comment has the table.
 *       A group token's refusal reads the same for a database of another group and for no database at all, so
 *       tokens do not reveal which databases exist.</li>
 *   <li><b>Read-only</b> is not decided here by reading SQL: the grant carries the flag, the executor runs the
 *       request with {@code PRAGMA query_only} so SQLite itself refuses every write, and the refusal is an error
 *       result with code {@value io.multidb.auth.Grant#READONLY_TOKEN}.</li>
 * </ul>
 *
 * <h2>Tokens</h2>
 * A token is a JWT (RFC 7519) signed with HS256 (HMAC-SHA-256, a 256-bit key), made and checked by Nimbus
 * JOSE+JWT. Header: {@code alg=HS256}, {@code typ=JWT}, {@code kid} (a one-way id of the key). Claims:
 * <pre>
 * org     the organization                      scope   "database" | "group"
 * name    the database or group                 access  "full-access" | "read-only"
 * gen     the rotation generation at issue       iat     issued at (seconds)
 * exp     expiry (absent for expiration=never)   jti     a random UUID
 * </pre>
 * Verification, in order: the admin token is compared (constant time, on SHA-256 digests); a token over 2048
 * characters is refused unparsed; the header must say HS256 (never {@code none}, never another algorithm the
 * token picks) and name a known key; the MAC must verify; the claims must be well formed, name this
 * organization, not be expired, and carry a generation not below the current one.
 *
 * <p><b>Why HS256, not EdDSA.</b> Only this deployment ever verifies its tokens, and the same functions issue
 * them, so a public key buys nothing: nobody else needs to check a token. HS256 verifies in a couple of
 * microseconds with the JDK's own HMAC, needs no dependency beyond Nimbus (EdDSA in Nimbus needs Tink), and its
 * key never leaves the deployment (Secrets Manager in AWS, a 0600 file locally). If third parties ever need to
 * verify tokens, switch to EdDSA and publish the public key; the {@code kid} header lets both kinds coexist
 * during the change.
 *
 * <h2>Rotation</h2>
 * Each database and group has a generation counter ({@link io.multidb.auth.TokenGenerations}, in AWS one
 * DynamoDB item per name, separate from the catalog's items). Issuing reads it fresh and writes it into the
 * token; {@code .../auth/rotate} bumps it; a token whose {@code gen} is below the counter is refused. A group
 * token is checked against its group's counter only: rotating a database does not revoke group tokens, and
 * rotating a group does not revoke database tokens. The hot path reads counters through
 * {@link io.multidb.auth.CachingTokenGenerations}: a rotation is honoured by every function instance at most
 * 5 seconds (the cache time) after it returns; a failing metadata store fails verification closed
 * (UNAVAILABLE). The counters are never deleted, so a caller that bumps them when a database or group is
 * deleted makes the old name's tokens useless for a new database of the same name.
 *
 * <h2>Keys</h2>
 * {@link io.multidb.auth.SigningKeys} is the port. Locally {@link io.multidb.auth.FileSigningKey}: generated at
 * first start in the data dir with mode 0600 and reused; a key file with looser permissions is refused.
 * In AWS {@code io.multidb.aws.SecretsManagerSigningKey} reads a secret once at cold start. Replacing the key
 * invalidates every token signed with the old one.
 *
 * <h2>Expiration and authorization parameters</h2>
 * {@link io.multidb.auth.Expiration#parse}: absent, empty or {@code never} → no {@code exp}; else one or more
 * {@code <n><unit>} parts, units {@code w d h m s}, largest first, each once ({@code 2w}, {@code 1d12h},
 * {@code 2w1d30m}), positive, at most 3650 days. {@link io.multidb.auth.Access#parse}: absent or empty →
 * {@code full-access}; {@code full-access} or {@code read-only}; anything else is INVALID_REQUEST.
 *
 * <p>This package has no AWS types; its adapters live in {@code io.multidb.aws}.
 */
package io.multidb.auth;
