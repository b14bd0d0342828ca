package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.multidb.auth.Principal;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What token verification adds to a request, end to end through the handler in one JVM: a point SELECT on a real
 * SQLite file sent with the admin token (the baseline: its check is one SHA-256 of the token, no JWT), a database
 * token and a group token (which also looks the database's group up in the catalog, here the in-memory fake).
 * Rounds alternate between the three so machine load hits them alike; the result per kind is the median of the
 * rounds' mean ns per request. Not JMH: read the differences, not the last digit. Opt-in:
 * <pre>
 * mvn -B -q -pl functions -am test -Dtest=AuthLatencyBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false -Dmultidb.bench=true
 * cat functions/target/surefire-reports/io.multidb.api.AuthLatencyBenchmarkTest-output.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "multidb.bench", matches = "true")
class AuthLatencyBenchmarkTest {
    private static final int WARMUP = 20_000;
    private static final int ROUNDS = 21;
    private static final int PER_ROUND = 2_000;

    @TempDir
    Path root;

    @Test
    void pointSelectWithEachKindOfToken() {
        TestApi api = TestApi.create(root);
        api.group("g1");
        api.database("bench", "g1");
        api.run("bench", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t(v) SELECT hex(randomblob(16)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                        + "SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c)");
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("admin token", TestApi.ADMIN);
        tokens.put("database token", api.token("databases", "bench", null, null));
        tokens.put("group token", api.token("groups", "g1", null, null));
        String body = "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT v FROM t WHERE id = ?\","
                + "\"args\":[{\"type\":\"integer\",\"value\":\"500\"}]}},{\"type\":\"close\"}]}";
        Map<String, APIGatewayV2HTTPEvent> events = new LinkedHashMap<>();
        tokens.forEach((kind, token) -> events.put(kind, TestApi.sql("bench", token, body).build()));

        for (APIGatewayV2HTTPEvent e : events.values()) {
            for (int i = 0; i < WARMUP; i++) {
                check(api.send(e));
            }
        }
        Map<String, long[]> perRound = new LinkedHashMap<>();
        events.keySet().forEach(k -> perRound.put(k, new long[ROUNDS]));
        for (int r = 0; r < ROUNDS; r++) {
            // A different kind goes first each round.
            String[] kinds = events.keySet().toArray(String[]::new);
            for (int j = 0; j < kinds.length; j++) {
                String kind = kinds[(j + r) % kinds.length];
                APIGatewayV2HTTPEvent e = events.get(kind);
                long start = System.nanoTime();
                for (int i = 0; i < PER_ROUND; i++) {
                    check(api.send(e));
                }
                perRound.get(kind)[r] = (System.nanoTime() - start) / PER_ROUND;
            }
        }
        // The checks alone, in the same run: verify (and for the group token the catalog lookup is not in here).
        Map<String, Long> verify = new LinkedHashMap<>();
        tokens.forEach((kind, token) -> verify.put(kind, medianOf(() -> api.tokens.verify(token))));

        long admin = median(perRound.get("admin token"));
        System.out.printf("point SELECT through ApiHandler, median of %d rounds x %d requests (after %d warm-up each)%n",
                ROUNDS, PER_ROUND, WARMUP);
        perRound.forEach((kind, rounds) -> {
            long m = median(rounds);
            System.out.printf("  %-15s %8d ns/request  ratio %.3f  added %+6d ns  (TokenService.verify alone: %d ns)%n",
                    kind, m, (double) m / admin, m - admin, verify.get(kind));
        });
        assertThat(admin).isPositive();
    }

    private static void check(APIGatewayV2HTTPResponse r) {
        if (r.getStatusCode() != 200) {
            throw new AssertionError(r.getBody());
        }
    }

    private static long medianOf(java.util.function.Supplier<Principal> op) {
        int n = 20_000;
        int sink = 0;
        for (int i = 0; i < n; i++) {
            sink += op.get().hashCode();
        }
        long[] rounds = new long[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += op.get().hashCode();
            }
            rounds[r] = (System.nanoTime() - start) / n;
        }
        if (sink == 42) {
            System.out.print(""); // keeps the results alive
        }
        return median(rounds);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
