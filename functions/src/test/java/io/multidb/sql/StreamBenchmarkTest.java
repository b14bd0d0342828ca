package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opt-in ({@code -Dmultidb.bench=true}): the added latency per HTTP request of a 10-statement interactive
 * transaction against 10 plain executes, in one run, in process (real SQLite file, in-memory stream store: the
 * store's own round trips, two per request on DynamoDB, come on top). Prints medians and the ratio, and writes
 * them to target/stream-benchmark.txt.
 */
@EnabledIfSystemProperty(named = "multidb.bench", matches = "true")
class StreamBenchmarkTest {
    private static final int STATEMENTS = 10;
    private static final int WARMUP = 30;
    private static final int ROUNDS = 100;

    @TempDir
    Path dir;

    @Test
    void tenStatementTransactionAgainstTenPlainExecutes() throws Exception {
        try (Harness h = new Harness(dir)) {
            h.pipeline(Harness.sequence("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);"));
            Function<JsonNode, JsonNode> open = body -> h.run(Harness.open(), body).body();
            String insert = "INSERT INTO t(k, v) VALUES (?, ?)";
            List<Double> plain = new ArrayList<>();
            List<Double> stream = new ArrayList<>();
            List<List<Double>> byPosition = new ArrayList<>();
            for (int i = 0; i < STATEMENTS; i++) {
                byPosition.add(new ArrayList<>());
            }
            List<Double> commit = new ArrayList<>();
            List<Double> plainTotal = new ArrayList<>();
            List<Double> streamTotal = new ArrayList<>();
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                boolean measured = round >= WARMUP;
                long t0 = System.nanoTime();
                for (int i = 0; i < STATEMENTS; i++) {
                    long s = System.nanoTime();
                    new StreamClient(null).send(open, Harness.execute(insert, Harness.integer(Integer.toString(i)),
                            Harness.text("plain")), Harness.closeReq());
                    if (measured) {
                        plain.add(ms(s));
                    }
                }
                if (measured) {
                    plainTotal.add(ms(t0));
                }
                StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
                t0 = System.nanoTime();
                for (int i = 0; i < STATEMENTS; i++) {
                    long s = System.nanoTime();
                    tx.execute(open, insert, Harness.integer(Integer.toString(i)), Harness.text("stream"));
                    if (measured) {
                        double took = ms(s);
                        stream.add(took);
                        byPosition.get(i).add(took);
                    }
                }
                long s = System.nanoTime();
                assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
                if (measured) {
                    commit.add(ms(s));
                    streamTotal.add(ms(t0));
                }
            }
            assertThat(h.query("SELECT count(*) FROM t WHERE v = 'stream'"))
                    .isEqualTo(List.of(List.of((WARMUP + ROUNDS) * STATEMENTS)));
            double perPlain = median(plain);
            double perStream = median(stream);
            String report = String.format(Locale.ROOT, """
                    stream benchmark: %d rounds (after %d warm-up), %d INSERTs each, one SQLite file, in-memory stream store
                      plain execute, per request (median):               %.3f ms
                      transaction statement request, per request (median): %.3f ms
                      transaction COMMIT request (median):                %.3f ms (replays %d statements, then commits)
                      added latency per request (statement requests):    %+.3f ms, ratio %.2f
                      10 plain executes, total (median):                  %.3f ms
                      10-statement transaction incl. COMMIT, total (median): %.3f ms, ratio %.2f
                      transaction statement request by position (median, request k replays k-1 statements): %s
                    """, ROUNDS, WARMUP, STATEMENTS, perPlain, perStream, median(commit), STATEMENTS,
                    perStream - perPlain, perStream / perPlain, median(plainTotal), median(streamTotal),
                    median(streamTotal) / median(plainTotal), positions(byPosition));
            System.out.println(report);
            Path out = Path.of("target", "stream-benchmark.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
        }
    }

    private static String positions(List<List<Double>> byPosition) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < byPosition.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(i + 1).append(": ")
                    .append(String.format(Locale.ROOT, "%.3f", median(byPosition.get(i))));
        }
        return b.append(" ms").toString();
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
