package io.multidb.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What token checks add to a request: median ns per {@code verify()} (a database token, its generation cached,
 * as on the hot path; and the admin token) and per {@code issue()}. Not a JMH harness: rounds of many calls after
 * a warm-up, the median of the rounds' averages. Opt-in, not run by default:
 * <pre>
 * mvn -B -q -pl functions -am test -Dtest=TokenBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false -Dmultidb.bench=true
 * cat functions/target/surefire-reports/io.multidb.auth.TokenBenchmarkTest-output.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "multidb.bench", matches = "true")
class TokenBenchmarkTest {
    private static final int WARMUP = 50_000;
    private static final int ROUNDS = 15;
    private static final int PER_ROUND = 20_000;

    @Test
    void verifyAndIssue() {
        TokenService tokens = new TokenService("org", TokenServiceTest.ADMIN, () -> TokenServiceTest.KEY,
                new InMemoryTokenGenerations(), Duration.ofSeconds(5), Clock.systemUTC());
        String[] jwts = new String[64];
        for (int i = 0; i < jwts.length; i++) {
            jwts[i] = tokens.issue(Scope.DATABASE, "tenant-" + i, Expiration.parse("2w"), Access.FULL_ACCESS);
        }
        long verify = median(i -> tokens.verify(jwts[i & 63]));
        long admin = median(i -> tokens.verify(TokenServiceTest.ADMIN));
        long issue = median(i -> tokens.issue(Scope.DATABASE, "tenant-" + (i & 63), Expiration.NEVER, Access.READ_ONLY));
        System.out.printf("token verify (database token, generation cached): median %d ns/op%n", verify);
        System.out.printf("token verify (admin token): median %d ns/op%n", admin);
        System.out.printf("token issue: median %d ns/op%n", issue);
        System.out.printf("token length: %d characters%n", jwts[0].length());
        assertThat(verify).isPositive();
    }

    private static long median(IntFunction<Object> op) {
        int sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += op.apply(i).hashCode();
        }
        long[] perOp = new long[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += op.apply(i).hashCode();
            }
            perOp[r] = (System.nanoTime() - start) / PER_ROUND;
        }
        if (sink == 42) {
            System.out.print("");   // keeps the results alive
        }
        Arrays.sort(perOp);
        return perOp[ROUNDS / 2];
    }
}
