package io.multidb.local.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.local.crash.CrashTrial.Kind;
import io.multidb.local.crash.CrashTrial.KillPoint;
import io.multidb.local.crash.CrashTrial.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The crash-injection suite (docs/migrations.md#crash-injection-suite): the local runtime, a separate process
 * group, SIGKILLed at random points of migrations of 50-200 children, restarted on the same data; then every
 * check of {@link CrashTrial}. Each trial prints its seed, kind, kill point and timings, and how to run it alone.
 *
 * <ul>
 *   <li>default suite: {@link #fastTrials()}, three small trials;</li>
 *   <li>{@code -Dmultidb.crash.trials=20} (optionally {@code -Dmultidb.crash.seed=N}): that many trials of 50-200
 *       children with 100-400 rows each, over every kind and kill point;</li>
 *   <li>{@code -Dmultidb.crash.trial=seed:KIND:POINT:children:rows}: one trial again, as printed.</li>
 * </ul>
 * Reports go to stdout and {@code local/target/crash/report.md}; a failed trial's data directory and runtime log
 * stay under {@code local/target/crash/}.
 */
class CrashInjectionTest {
    /** Which kill points make sense for each kind: round-robin over these pairs covers every phase. */
    static final List<Spec> COMBOS = List.of(
            combo(Kind.SUCCEEDS, KillPoint.PREPARE), combo(Kind.DRY_RUN_FAILS, KillPoint.DRY_RUN),
            combo(Kind.APPLY_FAILS, KillPoint.APPLY_CHILDREN), combo(Kind.SUCCEEDS, KillPoint.APPLY_PARENT),
            combo(Kind.APPLY_FAILS, KillPoint.ROLLBACK), combo(Kind.SUCCEEDS, KillPoint.PARENT_COMMITTED),
            combo(Kind.SUCCEEDS, KillPoint.DRY_RUN),
            combo(Kind.DRY_RUN_FAILS, KillPoint.RANDOM), combo(Kind.SUCCEEDS, KillPoint.APPLY_CHILDREN),
            combo(Kind.APPLY_FAILS, KillPoint.DRY_RUN), combo(Kind.SUCCEEDS, KillPoint.RANDOM),
            combo(Kind.DRY_RUN_FAILS, KillPoint.PREPARE), combo(Kind.APPLY_FAILS, KillPoint.RANDOM),
            combo(Kind.PAUSED, KillPoint.PAUSED), combo(Kind.PAUSED, KillPoint.APPLY_CHILDREN),
            combo(Kind.QUARANTINED, KillPoint.APPLY_CHILDREN), combo(Kind.QUARANTINED, KillPoint.PARENT_COMMITTED),
            combo(Kind.QUARANTINED, KillPoint.RANDOM));

    private static Spec combo(Kind kind, KillPoint point) {
        return new Spec(0, kind, point, 0, 0);
    }

    private static final Path ROOT = Path.of("target", "crash").toAbsolutePath();
    /** How long a restarted job is watched for ending by itself before the harness unlocks it as an operator would. */
    private static final Duration OBSERVE = Duration.ofSeconds(Long.getLong("multidb.crash.observe", 20));
    private static final Duration OPERATOR_LIMIT = Duration.ofMinutes(4);

    @Test
    void fastTrials() throws Exception {
        // Lean: no operator fallback here; a job that does not end by itself fails check (1) at once.
        run("fast", List.of(
                new Spec(1101, Kind.SUCCEEDS, KillPoint.PARENT_COMMITTED, 50, 20),
                new Spec(1102, Kind.DRY_RUN_FAILS, KillPoint.DRY_RUN, 50, 20),
                new Spec(1103, Kind.APPLY_FAILS, KillPoint.APPLY_CHILDREN, 50, 20),
                new Spec(1104, Kind.PAUSED, KillPoint.PAUSED, 50, 20),
                new Spec(1105, Kind.QUARANTINED, KillPoint.PARENT_COMMITTED, 50, 20)),
                CrashTrial.SELF_END_TARGET, Duration.ZERO);
    }

    @Test
    @EnabledIfSystemProperty(named = "multidb.crash.trials", matches = "\\d+")
    void manyTrials() throws Exception {
        int n = Integer.getInteger("multidb.crash.trials");
        long base = Long.getLong("multidb.crash.seed", System.currentTimeMillis() % 1_000_000);
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long seed = base + i;
            SplittableRandom r = new SplittableRandom(seed); // java.util.Random's first draws of near seeds are alike
            Spec combo = COMBOS.get(i % COMBOS.size());
            specs.add(new Spec(seed, combo.kind(), combo.point(), 50 + r.nextInt(151), 100 + r.nextInt(301)));
        }
        run("opt-in, base seed " + base, specs, OBSERVE, OPERATOR_LIMIT);
    }

    @Test
    @EnabledIfSystemProperty(named = "multidb.crash.trial", matches = ".+")
    void oneTrial() throws Exception {
        run("one", List.of(Spec.parse(System.getProperty("multidb.crash.trial"))), OBSERVE, OPERATOR_LIMIT);
    }

    private static void run(String title, List<Spec> specs, Duration observe, Duration operatorLimit) throws Exception {
        Files.createDirectories(ROOT);
        report("\n## Crash trials (" + title + "), " + Instant.now() + "\n");
        List<CrashTrial.Result> results = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec spec = specs.get(i);
            Path dir = ROOT.resolve("trial-" + spec.seed() + "-" + spec.kind() + "-" + spec.point());
            deleteTree(dir);
            Instant t0 = Instant.now();
            String line;
            try {
                CrashTrial.Result r = new CrashTrial(spec, dir, observe, operatorLimit).run();
                results.add(r);
                line = r.line();
                if (r.failures().isEmpty()) {
                    deleteTree(dir);
                } else {
                    failed.add("seed " + spec.seed() + ": " + String.join(" / ", r.failures()) + "  [" + spec.reproduce() + "]");
                }
            } catch (Exception | AssertionError e) {
                line = "seed=" + spec.seed() + " kind=" + spec.kind() + " point=" + spec.point() + " | HARNESS ERROR: " + e;
                failed.add("seed " + spec.seed() + ": harness error " + e + "  [" + spec.reproduce() + "]");
                e.printStackTrace(System.out);
            }
            report(String.format("%d. %s | trial took %ds | rerun: %s", i + 1, line,
                    Duration.between(t0, Instant.now()).toSeconds(), spec.reproduce()));
        }
        report(summary(results));
        assertThat(failed).as("failed crash trials (details in target/crash/report.md)").isEmpty();
    }

    private static String summary(List<CrashTrial.Result> results) {
        List<Double> self = results.stream().filter(CrashTrial.Result::endedByItself)
                .map(r -> r.endedAfterRestart().toMillis() / 1000.0).sorted().toList();
        List<Double> unlocked = results.stream().filter(r -> r.unlockedAfterRestart() != null)
                .map(r -> r.unlockedAfterRestart().toMillis() / 1000.0).sorted().toList();
        long[] byCheck = new long[6];
        for (CrashTrial.Result r : results) {
            for (int check = 1; check <= 5; check++) {
                String tag = "(" + check + ")";
                if (r.failures().stream().anyMatch(f -> f.startsWith(tag))) {
                    byCheck[check]++;
                }
            }
        }
        return String.format("\nSummary: %d trials; ended by itself: %d (median %s s after restart); ended after an "
                        + "operator unlock: %d (median %s s after restart); trials failing check (1): %d, (2): %d, (3): %d, "
                        + "(4): %d, (5): %d; rows checked: %d\n",
                results.size(), self.size(), median(self), unlocked.size(), median(unlocked), byCheck[1], byCheck[2],
                byCheck[3], byCheck[4], byCheck[5], results.stream().mapToLong(CrashTrial.Result::rowsChecked).sum());
    }

    private static String median(List<Double> sorted) {
        return sorted.isEmpty() ? "-" : String.format("%.1f", sorted.get(sorted.size() / 2));
    }

    private static void report(String line) throws IOException {
        System.out.println(line);
        System.out.flush();
        Files.writeString(ROOT.resolve("report.md"), line + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
