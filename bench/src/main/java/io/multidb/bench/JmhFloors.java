package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.util.Statistics;

/** Runs {@link SqlFloorJmh} through JMH's Runner: one forked JVM per configuration, short fixed iterations. */
final class JmhFloors {
    record Bounds(int warmupIterations, int measurementIterations, double iterationSeconds) {
    }

    private final PrintStream log;
    private final Bounds bounds;

    JmhFloors(PrintStream log, Bounds bounds) {
        this.log = log;
        this.bounds = bounds;
    }

    private ChainedOptionsBuilder options(String benchmark) {
        TimeValue t = TimeValue.milliseconds((long) (bounds.iterationSeconds() * 1000));
        return new OptionsBuilder()
                .include(Pattern.quote(SqlFloorJmh.class.getName() + "." + benchmark) + "$")
                .forks(1)
                .warmupIterations(bounds.warmupIterations())
                .warmupTime(t)
                .measurementIterations(bounds.measurementIterations())
                .measurementTime(t)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
    }

    /**
     * The SELECT or INSERT floor at {@code threads} threads: SampleTime mode gives the latency distribution (p50, p99),
     * and throughput = threads / mean latency (the threads run back to back).
     */
    ObjectNode sql(String op, int threads, Path db) throws Exception {
        RunResult r = new Runner(options(op)
                .param("file", db.toString())
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .threads(threads)
                .build()).runSingle();
        Statistics st = r.getPrimaryResult().getStatistics();
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("threads", threads);
        n.put("samples", st.getN());
        n.put("per_s", Stats.round(threads * 1e6 / st.getMean(), 0));
        n.put("mean_us", Stats.round(st.getMean(), 1));
        n.put("p50_us", Stats.round(st.getPercentile(50), 1));
        n.put("p99_us", Stats.round(st.getPercentile(99), 1));
        log.printf("  floor %s x%d: %s%n", op, threads, n);
        return n;
    }

    /** Opening a database through SqliteStore cold (nothing pooled) and pooled, each with the point SELECT. */
    ObjectNode open(Path root, String name) throws Exception {
        ObjectNode out = Api.JSON.createObjectNode();
        for (String b : new String[] {"coldOpen", "pooledOpen"}) {
            RunResult r = new Runner(options(b)
                    .param("root", root.toString())
                    .param("name", name)
                    .mode(Mode.AverageTime)
                    .timeUnit(TimeUnit.MICROSECONDS)
                    .threads(1)
                    .build()).runSingle();
            Statistics st = r.getPrimaryResult().getStatistics();
            out.put(b.equals("coldOpen") ? "cold_us" : "pooled_us", Stats.round(st.getMean(), 1));
            out.put(b.equals("coldOpen") ? "cold_error_us" : "pooled_error_us",
                    Stats.round(st.getMeanErrorAt(0.999), 1));
        }
        out.put("ratio", Stats.round(out.get("cold_us").asDouble() / out.get("pooled_us").asDouble(), 1));
        log.printf("  open: %s%n", out);
        return out;
    }
}
