package io.multidb.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.common.Names;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues and verifies database and group tokens (HS256 JWTs), checks the admin token, and rotates. See the
 * package description for the claims and the checks. Thread-safe; build one per process.
 */
public final class TokenService {
    /** Tokens of ours are about 300 characters; anything much longer is refused before it is parsed. */
    static final int MAX_TOKEN_LENGTH = 2048;
    static final String CLAIM_ORG = "org";
    static final String CLAIM_SCOPE = "scope";
    static final String CLAIM_NAME = "name";
    static final String CLAIM_ACCESS = "access";
    static final String CLAIM_GENERATION = "gen";

    static final String MISSING = "missing token: send 'Authorization: Bearer <token>'";
    static final String MALFORMED = "invalid token: it is not a token issued by this service";
    static final String BAD_SIGNATURE = "invalid token: its signature does not verify (forged, altered, or signed "
            + "with a key this deployment no longer has); ask for a new token";
    static final String WRONG_ORG = "invalid token: it was issued for another organization";
    static final String EXPIRED = "expired token: it expired at %s; ask for a new token";
    static final String ROTATED = "revoked token: the tokens of %s '%s' were rotated after it was issued; ask for "
            + "a new token";

    private final String org;
    private final byte[] adminTokenHash;
    private final SigningKeys keys;
    private final CachingTokenGenerations generations;
    private final Clock clock;
    private final ConcurrentHashMap<String, MACVerifier> verifiers = new ConcurrentHashMap<>();
    /**
     * The claims of tokens whose signature verified, by the token's exact text: parsing and the MAC were most of a
     * verification's cost, paid again on every request a client sent with the same token (docs/benchmarks.md).
     * What can change for a token is checked at every use all the same: its key is still accepted, its organization,
     * its expiry, its rotation generation. Only tokens that verified get in, so the map holds valid tokens only;
     * emptied when full.
     */
    private final ConcurrentHashMap<String, Claims> verified = new ConcurrentHashMap<>();
    static final int MAX_VERIFIED = 10_000;
    private final AtomicLong signatureChecks = new AtomicLong();
    private final ConcurrentHashMap<String, MACSigner> signers = new ConcurrentHashMap<>();

    /**
     * @param org         the organization this deployment serves; tokens name it and are refused elsewhere
     * @param adminToken  the platform token (at least 16 characters), compared in constant time
     * @param generations the store of rotation counters; wrapped here in a cache that lives {@code cacheTtl}
     */
    public TokenService(String org, String adminToken, SigningKeys keys, TokenGenerations generations,
                        Duration cacheTtl, Clock clock) {
        this.org = Names.organization(org);
        if (adminToken == null || adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
        this.adminTokenHash = sha256(adminToken);
        this.keys = Objects.requireNonNull(keys);
        this.clock = Objects.requireNonNull(clock);
        this.generations = new CachingTokenGenerations(generations, cacheTtl, clock);
    }

    /** With the system clock and the default cache time ({@link CachingTokenGenerations#DEFAULT_TTL}). */
    public static TokenService create(String org, String adminToken, SigningKeys keys, TokenGenerations generations) {
        return new TokenService(org, adminToken, keys, generations, CachingTokenGenerations.DEFAULT_TTL,
                Clock.systemUTC());
    }

    public String org() {
        return org;
    }

    /**
     * A new token for a database or a group. Does not check that the database or group exists: the caller does
     * (and answers 404 if not) before issuing.
     */
    public String issue(Scope scope, String name, Expiration expiration, Access access) {
        Objects.requireNonNull(scope);
        Objects.requireNonNull(expiration);
        Objects.requireNonNull(access);
        scope.checkName(name);
        // Read the counter fresh: a cached value older than a rotation would mint a token refused shortly after.
        long generation = generations.fresh(org, scope, name);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .claim(CLAIM_ORG, org)
                .claim(CLAIM_SCOPE, scope.wire())
                .claim(CLAIM_NAME, name)
                .claim(CLAIM_ACCESS, access.wire())
                .claim(CLAIM_GENERATION, generation)
                .issueTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString());
        expiration.lifetime().ifPresent(d -> claims.expirationTime(Date.from(now.plus(d))));
        SigningKey key = keys.current();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.id())
                .type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(signers.computeIfAbsent(key.id(), id -> signer(key)));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a token failed", e);
        }
        return jwt.serialize();
    }

    /** Makes every token issued so far for this database or group invalid; returns the new generation. */
    public long rotate(Scope scope, String name) {
        Objects.requireNonNull(scope);
        scope.checkName(name);
        return generations.bump(org, scope, name);
    }

    /**
     * Who the token speaks for, or UNAUTHORIZED saying why not: missing, malformed, bad signature, another
     * organization, expired, or rotated. The messages name nothing the token does not already name.
     */
    public Principal verify(String token) {
        if (token == null || token.isBlank()) {
            throw unauthorized(MISSING);
        }
        // A token whose signature verified before is no admin token: only such tokens skip the comparison below, so
        // its timing still says nothing about the admin token (what an attacker sends never verified).
        Claims claims = token.length() > MAX_TOKEN_LENGTH ? null : verified.get(token);
        if (claims != null && keys.forId(claims.keyId()).isPresent()) {
            return principal(claims);
        }
        // Compared in constant time (of fixed-length hashes), so timing says nothing about it.
        if (MessageDigest.isEqual(sha256(token), adminTokenHash)) {
            return Principal.Admin.INSTANCE;
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw unauthorized(MALFORMED);
        }
        // A key's id is a hash of the key, so a token that verified under an id still accepted verifies again.
        if (claims == null || keys.forId(claims.keyId()).isEmpty()) {
            verified.remove(token);
            claims = verifySignature(token);
            if (verified.size() >= MAX_VERIFIED) {
                verified.clear();
            }
            verified.put(token, claims);
        }
        return principal(claims);
    }

    /** How many tokens had their signature checked (test hook: repeated tokens are checked once). */
    long signatureChecks() {
        return signatureChecks.get();
    }

    /** What a verified token says; everything that cannot change for the same token text. */
    private record Claims(String keyId, String org, Scope scope, String name, Access access, long generation,
                          Instant expires) {
    }

    /** Parses the token, checks its algorithm, key and MAC, and reads its claims; UNAUTHORIZED saying why not. */
    private Claims verifySignature(String token) {
        signatureChecks.incrementAndGet();
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw unauthorized(MALFORMED);
        }
        JWSHeader header = jwt.getHeader();
        // Only HS256 is ever accepted: no "none", no algorithm chosen by the token.
        if (!JWSAlgorithm.HS256.equals(header.getAlgorithm()) || header.getKeyID() == null) {
            throw unauthorized(BAD_SIGNATURE);
        }
        SigningKey key = keys.forId(header.getKeyID()).orElseThrow(() -> unauthorized(BAD_SIGNATURE));
        boolean valid;
        try {
            valid = jwt.verify(verifiers.computeIfAbsent(key.id(), id -> verifier(key)));
        } catch (JOSEException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw unauthorized(BAD_SIGNATURE);
        }
        String tokenOrg;
        Scope scope;
        String name;
        Access access;
        Long generation;
        Date expires;
        try {
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            tokenOrg = claims.getStringClaim(CLAIM_ORG);
            scope = Scope.fromWire(claims.getStringClaim(CLAIM_SCOPE));
            name = claims.getStringClaim(CLAIM_NAME);
            access = Access.fromWire(claims.getStringClaim(CLAIM_ACCESS));
            generation = claims.getLongClaim(CLAIM_GENERATION);
            expires = claims.getExpirationTime();
        } catch (ParseException | RuntimeException e) {
            throw unauthorized(MALFORMED);
        }
        // The signature is ours, so these hold for every token this code issued; checked all the same.
        if (scope == null || access == null || generation == null || !Names.isValid(name)) {
            throw unauthorized(MALFORMED);
        }
        return new Claims(key.id(), tokenOrg, scope, name, access, generation,
                expires == null ? null : expires.toInstant());
    }

    /** The checks that can change for the same token: organization, expiry, rotation. */
    private Principal principal(Claims c) {
        if (!org.equals(c.org())) {
            throw unauthorized(WRONG_ORG);
        }
        if (c.expires() != null && !clock.instant().isBefore(c.expires())) {
            throw unauthorized(String.format(EXPIRED, c.expires()));
        }
        if (c.generation() < generations.current(org, c.scope(), c.name())) {
            throw unauthorized(String.format(ROTATED, c.scope().wire(), c.name()));
        }
        boolean readOnly = c.access() == Access.READ_ONLY;
        return c.scope() == Scope.DATABASE
                ? new Principal.DatabasePrincipal(c.name(), readOnly)
                : new Principal.GroupPrincipal(c.name(), readOnly);
    }

    private static MACSigner signer(SigningKey key) {
        try {
            return new MACSigner(key.secret());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable token signing key " + key, e);
        }
    }

    private static MACVerifier verifier(SigningKey key) {
        try {
            return new MACVerifier(key.secret());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable token signing key " + key, e);
        }
    }

    private static MultidbException unauthorized(String message) {
        return new MultidbException(ErrorKind.UNAUTHORIZED, message);
    }

    /** Looking the algorithm up in the providers cost more than the hash itself, on every request. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    });

    private static byte[] sha256(String s) {
        MessageDigest d = SHA256.get();
        d.reset();
        return d.digest(s.getBytes(StandardCharsets.UTF_8));
    }
}
