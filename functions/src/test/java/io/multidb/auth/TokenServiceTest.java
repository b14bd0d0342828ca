package io.multidb.auth;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenServiceTest {
    static final String ORG = "acme-corp";
    static final String ADMIN = "admin-token-0123456789abcdef";
    static final SigningKey KEY = SigningKey.of(bytes(1));
    static final SigningKey OTHER_KEY = SigningKey.of(bytes(2));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock();
    private final InMemoryTokenGenerations store = new InMemoryTokenGenerations();
    private final TokenService tokens = service(ORG, () -> KEY);

    private TokenService service(String org, SigningKeys keys) {
        return new TokenService(org, ADMIN, keys, store, Duration.ofSeconds(5), clock);
    }

    static byte[] bytes(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------------ round trips

    static Stream<Arguments> scopesAndAccess() {
        return Stream.of(
                Arguments.of(Scope.DATABASE, Access.FULL_ACCESS, new Principal.DatabasePrincipal("tenant-1", false)),
                Arguments.of(Scope.DATABASE, Access.READ_ONLY, new Principal.DatabasePrincipal("tenant-1", true)),
                Arguments.of(Scope.GROUP, Access.FULL_ACCESS, new Principal.GroupPrincipal("tenant-1", false)),
                Arguments.of(Scope.GROUP, Access.READ_ONLY, new Principal.GroupPrincipal("tenant-1", true)));
    }

    @ParameterizedTest
    @MethodSource("scopesAndAccess")
    void issuedTokensVerifyToTheirPrincipal(Scope scope, Access access, Principal expected) {
        String jwt = tokens.issue(scope, "tenant-1", Expiration.parse("2w"), access);
        assertThat(tokens.verify(jwt)).isEqualTo(expected);
        assertThat(tokens.verify(tokens.issue(scope, "tenant-1", Expiration.NEVER, access))).isEqualTo(expected);
    }

    @Test
    void aTokenCarriesTheDocumentedHeaderAndClaims() {
        long now = clock.instant().getEpochSecond();
        String jwt = tokens.issue(Scope.GROUP, "blue", Expiration.parse("1d12h"), Access.READ_ONLY);
        JsonNode header = part(jwt, 0);
        JsonNode claims = part(jwt, 1);

        assertThat(header.get("alg").asText()).isEqualTo("HS256");
        assertThat(header.get("typ").asText()).isEqualTo("JWT");
        assertThat(header.get("kid").asText()).isEqualTo(KEY.id());
        assertThat(claims.get("org").asText()).isEqualTo(ORG);
        assertThat(claims.get("scope").asText()).isEqualTo("group");
        assertThat(claims.get("name").asText()).isEqualTo("blue");
        assertThat(claims.get("access").asText()).isEqualTo("read-only");
        assertThat(claims.get("gen").asLong()).isZero();
        assertThat(claims.get("iat").asLong()).isEqualTo(now);
        assertThat(claims.get("exp").asLong()).isEqualTo(now + 36 * 3600);
        assertThat(claims.get("jti").asText()).hasSize(36);

        String never = tokens.issue(Scope.DATABASE, "blue", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(part(never, 1).has("exp")).isFalse();
        assertThat(part(never, 1).get("jti").asText()).isNotEqualTo(claims.get("jti").asText());
    }

    @Test
    void theAdminTokenIsTheAdminAndNothingLikeItIs() {
        assertThat(tokens.verify(ADMIN)).isEqualTo(Principal.Admin.INSTANCE);
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MALFORMED, () -> tokens.verify(ADMIN + "x"));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MALFORMED,
                () -> tokens.verify(ADMIN.substring(1)));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MALFORMED,
                () -> tokens.verify(ADMIN.toUpperCase()));
    }

    @Test
    void issuingChecksTheName() {
        for (String bad : new String[] {"../etc", "A", "", "x".repeat(64), "a/b", "a\u0000"}) {
            assertThatThrownBy(() -> tokens.issue(Scope.DATABASE, bad, Expiration.NEVER, Access.FULL_ACCESS))
                    .isInstanceOfSatisfying(MultidbException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
            assertThatThrownBy(() -> tokens.rotate(Scope.GROUP, bad))
                    .isInstanceOfSatisfying(MultidbException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        }
    }

    // ------------------------------------------------------------------------------------------------ expiry

    @Test
    void aTokenIsValidUntilItsExpiryAndNotFromThen() {
        String jwt = tokens.issue(Scope.DATABASE, "a", Expiration.parse("1h"), Access.FULL_ACCESS);
        clock.advance(Duration.ofMinutes(59).plusSeconds(59));
        assertThat(tokens.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", false));

        clock.advance(Duration.ofSeconds(1));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, "expired token: it expired at 2025-06-01T13:00:00Z",
                () -> tokens.verify(jwt));
    }

    @Test
    void aTokenSentAgainIsNotVerifiedAgainButItsExpiryStillCounts() {
        String jwt = tokens.issue(Scope.DATABASE, "a", Expiration.parse("1h"), Access.READ_ONLY);
        for (int i = 0; i < 3; i++) {
            assertThat(tokens.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", true));
        }
        assertThat(tokens.signatureChecks()).isEqualTo(1);

        clock.advance(Duration.ofHours(1));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, "expired token", () -> tokens.verify(jwt));
        // A token that differs in one character is checked in full, not matched to the remembered one.
        // The second-to-last character changed (never to itself: that made this test fail 1 time in 64).
        char was = jwt.charAt(jwt.length() - 2);
        String altered = jwt.substring(0, jwt.length() - 2) + (was == 'A' ? 'B' : 'A') + jwt.charAt(jwt.length() - 1);
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(altered));
        assertThat(tokens.signatureChecks()).isEqualTo(2);
    }

    @Test
    void aRememberedTokenIsRefusedOnceItsKeyIsNoLongerAccepted() {
        SigningKey[] current = {KEY};
        TokenService rolling = service(ORG, () -> current[0]);
        String jwt = rolling.issue(Scope.GROUP, "g", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(rolling.verify(jwt)).isEqualTo(new Principal.GroupPrincipal("g", false));

        current[0] = OTHER_KEY;
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> rolling.verify(jwt));
        current[0] = KEY;
        assertThat(rolling.verify(jwt)).isEqualTo(new Principal.GroupPrincipal("g", false));
    }

    @Test
    void aNeverExpiringTokenOutlivesAnyClock() {
        String jwt = tokens.issue(Scope.GROUP, "g", Expiration.NEVER, Access.FULL_ACCESS);
        clock.advance(Duration.ofDays(365 * 50));
        assertThat(tokens.verify(jwt)).isEqualTo(new Principal.GroupPrincipal("g", false));
    }

    // ------------------------------------------------------------------------------------------------ forgery

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() throws Exception {
        TokenService foreign = service(ORG, () -> OTHER_KEY);
        String jwt = foreign.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(foreign.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", false));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(jwt));

        // The same, claiming our key's id: now the MAC itself must fail.
        String lying = sign(OTHER_KEY, KEY.id(), validClaims().build());
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(lying));
        // Control: the same claims with our key pass, so the refusals above are the signature's doing.
        assertThat(tokens.verify(sign(KEY, KEY.id(), validClaims().build())))
                .isEqualTo(new Principal.DatabasePrincipal("a", false));
    }

    @Test
    void unsignedTokensAreRefused() {
        String plain = new PlainJWT(validClaims().build()).serialize();
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MALFORMED, () -> tokens.verify(plain));

        // alg=none in a three-part token, with and without our kid, with and without a signature part.
        String payload = b64(validClaims().build().toString());
        for (String header : new String[] {"{\"alg\":\"none\"}", "{\"alg\":\"none\",\"kid\":\"" + KEY.id() + "\"}",
                "{\"alg\":\"NONE\",\"kid\":\"" + KEY.id() + "\"}"}) {
            for (String sig : new String[] {"", "AAAA"}) {
                String token = b64(header) + "." + payload + "." + sig;
                assertThatThrownBy(() -> tokens.verify(token)).isInstanceOfSatisfying(MultidbException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAUTHORIZED));
            }
        }
    }

    @Test
    void otherAlgorithmsAreRefusedEvenWithAValidMacUnderThatAlgorithm() throws Exception {
        // A correct HMAC-SHA-512 under our own key: only the algorithm is wrong.
        String signingInput = b64("{\"alg\":\"HS512\",\"kid\":\"" + KEY.id() + "\"}") + "."
                + b64(validClaims().build().toString());
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA512");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY.secret(), "HmacSHA512"));
        String hs512 = signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(hs512));

        String rs256 = b64("{\"alg\":\"RS256\",\"kid\":\"" + KEY.id() + "\"}") + "." + b64(validClaims().build().toString())
                + ".c2ln";
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(rs256));
    }

    @Test
    void aLongKeyStillOnlyAcceptsHs256() throws Exception {
        // With a 64-byte key Nimbus itself would accept HS512: only our algorithm check refuses it.
        SigningKey longKey = SigningKey.of(new byte[64]);
        TokenService service = service(ORG, () -> longKey);
        String signingInput = b64("{\"alg\":\"HS512\",\"kid\":\"" + longKey.id() + "\"}") + "."
                + b64(validClaims().build().toString());
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA512");
        mac.init(new javax.crypto.spec.SecretKeySpec(longKey.secret(), "HmacSHA512"));
        String hs512 = signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> service.verify(hs512));
        // Control: HS256 under the same key passes.
        assertThat(service.verify(sign(longKey, longKey.id(), validClaims().build())))
                .isEqualTo(new Principal.DatabasePrincipal("a", false));
    }

    @Test
    void aTamperedPayloadIsRefused() {
        String jwt = tokens.issue(Scope.DATABASE, "tenant-a", Expiration.parse("1h"), Access.READ_ONLY);
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE,
                () -> tokens.verify(withClaims(jwt, c -> c.put("name", "tenant-b"))));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE,
                () -> tokens.verify(withClaims(jwt, c -> c.put("access", "full-access"))));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE,
                () -> tokens.verify(withClaims(jwt, c -> c.put("scope", "group"))));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE,
                () -> tokens.verify(withClaims(jwt, c -> c.remove("exp"))));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE,
                () -> tokens.verify(withClaims(jwt, c -> c.put("gen", 99))));
        // A flipped bit in the signature itself.
        String[] parts = jwt.split("\\.");
        char last = parts[2].charAt(0);
        String flipped = parts[0] + "." + parts[1] + "." + (last == 'A' ? 'B' : 'A') + parts[2].substring(1);
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.BAD_SIGNATURE, () -> tokens.verify(flipped));
        // Control: untouched it passes.
        assertThat(tokens.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("tenant-a", true));
    }

    @Test
    void aTokenOfAnotherOrganizationIsRefusedEvenWithTheSameKey() {
        String jwt = service("other-org", () -> KEY).issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.WRONG_ORG, () -> tokens.verify(jwt));
    }

    @Test
    void wellSignedButMalformedClaimsAreRefused() throws Exception {
        for (Consumer<JWTClaimsSet.Builder> spoil : java.util.List.<Consumer<JWTClaimsSet.Builder>>of(
                c -> c.claim("gen", null),
                c -> c.claim("gen", "0"),
                c -> c.claim("scope", "organization"),
                c -> c.claim("scope", null),
                c -> c.claim("access", "write"),
                c -> c.claim("name", "../other"),
                c -> c.claim("name", null),
                c -> c.claim("name", 7),
                c -> c.claim("org", null))) {
            JWTClaimsSet.Builder b = validClaims();
            spoil.accept(b);
            String token = sign(KEY, KEY.id(), b.build());
            assertThatThrownBy(() -> tokens.verify(token)).isInstanceOfSatisfying(MultidbException.class, e -> {
                assertThat(e.kind()).isEqualTo(ErrorKind.UNAUTHORIZED);
                assertThat(e.getMessage()).isIn(TokenService.MALFORMED, TokenService.WRONG_ORG);
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "a.b", "a.b.c", "...", "e30.e30.e30", "Bearer x", "\u0000", "ü.ö.ä", "eyJ.eyJ.x"})
    void garbageIsRefusedAsMalformed(String token) {
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, null, () -> tokens.verify(token));
    }

    @Test
    void missingAndOversizedTokens() {
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MISSING, () -> tokens.verify(null));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MISSING, () -> tokens.verify("  "));
        String huge = "eyJhbGciOiJIUzI1NiJ9." + "A".repeat(1_000_000) + ".AAAA";
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, TokenService.MALFORMED, () -> tokens.verify(huge));
    }

    // ------------------------------------------------------------------------------------------------ rotation

    @Test
    void rotationRefusesEarlierTokensAndNotLaterOnes() {
        String before = tokens.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        String otherDb = tokens.issue(Scope.DATABASE, "b", Expiration.NEVER, Access.FULL_ACCESS);
        String sameNameGroup = tokens.issue(Scope.GROUP, "a", Expiration.NEVER, Access.FULL_ACCESS);

        assertThat(tokens.rotate(Scope.DATABASE, "a")).isEqualTo(1);
        String after = tokens.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);

        expect(MultidbException.class, ErrorKind.UNAUTHORIZED,
                "revoked token: the tokens of database 'a' were rotated", () -> tokens.verify(before));
        assertThat(tokens.verify(after)).isEqualTo(new Principal.DatabasePrincipal("a", false));
        assertThat(tokens.verify(otherDb)).isEqualTo(new Principal.DatabasePrincipal("b", false));
        assertThat(tokens.verify(sameNameGroup)).isEqualTo(new Principal.GroupPrincipal("a", false));

        tokens.rotate(Scope.DATABASE, "a");
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, "revoked token", () -> tokens.verify(after));
        tokens.rotate(Scope.GROUP, "a");
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED,
                "revoked token: the tokens of group 'a' were rotated", () -> tokens.verify(sameNameGroup));
    }

    @Test
    void anotherInstanceHonoursARotationWithinTheCacheTime() {
        TokenService other = service(ORG, () -> KEY);   // a second function instance, same store
        String jwt = tokens.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(other.verify(jwt)).isNotNull();      // now cached there at generation 0

        tokens.rotate(Scope.DATABASE, "a");
        clock.advance(Duration.ofMillis(4_999));
        assertThat(other.verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", false)); // stale, within bound
        clock.advance(Duration.ofMillis(1));
        expect(MultidbException.class, ErrorKind.UNAUTHORIZED, "revoked token", () -> other.verify(jwt));
    }

    @Test
    void issuingReadsTheGenerationFreshSoANewTokenIsValidEverywhereAtOnce() {
        TokenService other = service(ORG, () -> KEY);
        other.verify(other.issue(Scope.GROUP, "g", Expiration.NEVER, Access.FULL_ACCESS)); // other caches gen 0
        tokens.rotate(Scope.GROUP, "g");

        String fresh = other.issue(Scope.GROUP, "g", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(part(fresh, 1).get("gen").asLong()).isEqualTo(1);
        assertThat(tokens.verify(fresh)).isEqualTo(new Principal.GroupPrincipal("g", false));
        clock.advance(Duration.ofMinutes(1));
        assertThat(other.verify(fresh)).isEqualTo(new Principal.GroupPrincipal("g", false));
    }

    @Test
    void anUnavailableStoreFailsVerificationClosed() {
        String jwt = tokens.issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        store.down(true);
        clock.advance(Duration.ofSeconds(5));
        expect(MultidbException.class, ErrorKind.UNAVAILABLE, null, () -> tokens.verify(jwt));
        assertThat(tokens.verify(ADMIN)).isEqualTo(Principal.Admin.INSTANCE); // the admin needs no store
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static JWTClaimsSet.Builder validClaims() {
        return new JWTClaimsSet.Builder().claim("org", ORG).claim("scope", "database").claim("name", "a")
                .claim("access", "full-access").claim("gen", 0L).issueTime(new Date()).jwtID("j");
    }

    static String sign(SigningKey key, String kid, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
        jwt.sign(new MACSigner(key.secret()));
        return jwt.serialize();
    }

    static JsonNode part(String jwt, int i) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String withClaims(String jwt, Consumer<ObjectNode> change) {
        String[] p = jwt.split("\\.");
        ObjectNode claims = (ObjectNode) part(jwt, 1);
        change.accept(claims);
        return p[0] + "." + b64(claims.toString()) + "." + p[2];
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static void expect(Class<MultidbException> type, ErrorKind kind, String messageStart, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(type, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            if (messageStart != null) {
                assertThat(e.getMessage()).startsWith(messageStart);
            }
        });
    }
}
