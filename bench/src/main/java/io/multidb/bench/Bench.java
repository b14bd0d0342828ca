package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * bin/bench: starts the local runtime in this JVM, runs the scenarios, and writes bench/results/results.json,
 * results.md and migration.png, and docs/cost-model.md. System properties (bin/bench sets them from its flags):
 * <pre>
 * bench.sizes       family sizes of scenario 1 (default 100,1000)
 * bench.quick       true: short measurements and small families (a smoke run, not a result)
 * bench.out         where the results go (default bench/results)
 * bench.work        scratch directory, emptied first (default bench/target/bench-work)
 * bench.lambdaJar   the shaded Lambda jar (default functions/target/multidb-functions-*-lambda.jar)
 * bench.costDoc     where the cost model is written (default docs/cost-model.md; "" for nowhere)
 * bench.http        true: only SQL over HTTP against its floor with wrk ({@link HttpFloorBench}); bench.rounds,
 *                   bench.seconds, bench.warm shape it
 * bench.cold        true: only the cold start scenario (bench.runs runs per variant)
 * </pre>
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("bench.reportOnly")) {
            report(Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath(),
                    System.getProperty("bench.costDoc", "docs/cost-model.md"));
            return;
        }
        if (Boolean.getBoolean("bench.http")) {
            Path work = Path.of(System.getProperty("bench.work", "bench/target/bench-work")).toAbsolutePath();
            Path out = Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath();
            deleteTree(work);
            Files.createDirectories(work);
            Files.createDirectories(out);
            PrintStream err = System.err;
            System.setErr(new PrintStream(new FileOutputStream(out.resolve("runtime-http.log").toFile()), true));
            try {
                HttpFloorBench.main(work, out, System.out);
            } finally {
                System.setErr(err);
            }
            return;
        }
        if (Boolean.getBoolean("bench.cold")) {
            coldOnly();
            return;
        }
        boolean quick = Boolean.getBoolean("bench.quick");
        Path work = Path.of(System.getProperty("bench.work", "bench/target/bench-work")).toAbsolutePath();
        Path out = Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath();
        String sizes = System.getProperty("bench.sizes", quick ? "20,60" : "100,1000");
        Path lambdaJar = lambdaJar();
        String costDoc = System.getProperty("bench.costDoc", "docs/cost-model.md");
        deleteTree(work);
        Files.createDirectories(work);
        Files.createDirectories(out);
        PrintStream log = System.out;
        long started = System.nanoTime();

        ObjectNode results = Api.JSON.createObjectNode();
        ObjectNode env = results.putObject("environment");
        env.put("date", Instant.now().toString());
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("quick", quick);
        ArrayNode load = env.putArray("load_average");
        load.add(loadNote("start"));

        // The runtime's request log and the emulators' output go to a file, as they would to a terminal.
        PrintStream err = System.err;
        System.setErr(new PrintStream(new FileOutputStream(out.resolve("runtime.log").toFile()), true));
        Path selectCopy = work.resolve("floor-select.db");
        Path insertCopy = work.resolve("floor-insert.db");
        Path storeRoot = work.resolve("open-root");
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            log.printf("local runtime on port %d (%.1f s)%n", rt.port(), seconds(started));
            FleetBench fleet = new FleetBench(rt, work, log);
            fleet.setUp();
            ArrayNode fleetOut = results.putArray("fleet");
            for (String s : sizes.split(",")) {
                int n = Integer.parseInt(s.trim());
                log.printf("[%.0f s] scenario 1, fleet migration, N = %d%n", seconds(started), n);
                String parent = "f" + n;
                ObjectNode created = fleet.createFamily(parent, n);
                log.println("  children created over HTTP: " + created);
                ObjectNode r = fleet.run(parent, n);
                r.set("create", created);
                fleetOut.add(r);
                load.add(loadNote("after fleet " + n));
            }

            log.printf("[%.0f s] scenario 2, SQL over HTTP, each configuration followed by its floor (JMH)%n",
                    seconds(started));
            SqlHttpBench sql = new SqlHttpBench(rt, log, quick ? new SqlHttpBench.Bounds(2, 0.3, 1, 20_000)
                    : new SqlHttpBench.Bounds(25, 1, 4, 400_000));
            sql.setUp();
            // The floor's copies: the same file, taken before the HTTP run writes to it.
            Files.copy(rt.databaseFile(SqlHttpBench.CHILD), selectCopy);
            Files.copy(rt.databaseFile(SqlHttpBench.CHILD), insertCopy);
            Files.createDirectories(storeRoot.resolve("databases"));
            Files.copy(rt.databaseFile(SqlHttpBench.CHILD), storeRoot.resolve("databases").resolve(SqlHttpBench.CHILD + ".db"));
            JmhFloors jmh = new JmhFloors(log, quick ? new JmhFloors.Bounds(1, 1, 0.5) : new JmhFloors.Bounds(2, 3, 1));
            ObjectNode floors = Api.JSON.createObjectNode();
            results.set("sql_http", sql.run((op, clients) -> jmh.sql(op, clients,
                    op.equals("select") ? selectCopy : insertCopy), floors));
            results.set("sql_floor", floors);
            results.set("open", jmh.open(storeRoot, SqlHttpBench.CHILD));
            load.add(loadNote("after sql over http"));

            log.printf("[%.0f s] scenario 3, cold start%n", seconds(started));
            results.set("cold_start", new ColdStartBench(rt, work, lambdaJar, log, quick ? 2 : 5)
                    .run(SqlHttpBench.CHILD, sql.token()));
            load.add(loadNote("after cold start"));
        } finally {
            System.setErr(err);
        }


        log.printf("[%.0f s] scenario 4, cost model; scenario 5, plot%n", seconds(started));
        env.put("seconds", Stats.round(seconds(started), 0));
        Files.writeString(out.resolve("results.json"), results.toPrettyString() + "\n");
        report(out, costDoc);
        log.printf("[%.0f s] done: %s, results.md, migration.png%n", seconds(started), out.resolve("results.json"));
    }

    /** bin/bench --cold: scenario 3 alone (bench.runs runs per variant), to bench/results/cold-start.json. */
    private static void coldOnly() throws Exception {
        Path work = Path.of(System.getProperty("bench.work", "bench/target/bench-work")).toAbsolutePath();
        Path out = Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath();
        deleteTree(work);
        Files.createDirectories(work);
        Files.createDirectories(out);
        PrintStream err = System.err;
        System.setErr(new PrintStream(new FileOutputStream(out.resolve("runtime-cold.log").toFile()), true));
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            try (Api api = rt.admin()) {
                api.createGroup(FleetBench.GROUP);
            }
            SqlHttpBench sql = new SqlHttpBench(rt, System.out, null);
            sql.setUp();
            ObjectNode r = new ColdStartBench(rt, work, lambdaJar(), System.out, Integer.getInteger("bench.runs", 5))
                    .run(SqlHttpBench.CHILD, sql.token());
            r.put("load_average_end", HttpFloorBench.loadAverage());
            Files.writeString(out.resolve("cold-start.json"), r.toPrettyString() + "\n");
        } finally {
            System.setErr(err);
        }
    }

    /**
     * Scenarios 4 and 5 and the markdown from results.json: the cost model (and docs/cost-model.md), the plot,
     * results.md. bin/bench --report-only runs just this on the last run's measurements.
     */
    static void report(Path out, String costDoc) throws Exception {
        ObjectNode results = (ObjectNode) Api.JSON.readTree(out.resolve("results.json").toFile());
        JsonNode env = results.get("environment");
        // The cost model is fed by bin/bench --migrations (MigrationBench), which writes docs/cost-model.md.
        plot(results.get("fleet"), out.resolve("migration.png"));
        Files.writeString(out.resolve("results.json"), results.toPrettyString() + "\n");
        Files.writeString(out.resolve("results.md"), Report.markdown(results));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static JsonNode largest(JsonNode fleet) {
        JsonNode best = null;
        for (JsonNode f : fleet) {
            if (best == null || f.get("n").asInt() > best.get("n").asInt()) {
                best = f;
            }
        }
        return best;
    }

    private static void plot(JsonNode fleet, Path file) throws Exception {
        List<JsonNode> runs = new ArrayList<>();
        fleet.forEach(runs::add);
        runs.sort(Comparator.comparingInt(f -> f.get("n").asInt()));
        double[] x = runs.stream().mapToDouble(f -> f.get("n").asDouble()).toArray();
        double[] project = runs.stream().mapToDouble(f -> f.get("project_ms").asDouble() / 1000).toArray();
        double[] floor = runs.stream().mapToDouble(f -> f.get("floor_ms").asDouble() / 1000).toArray();
        Plot.write(file, "Schema migration (ADD COLUMN + CREATE INDEX), 1,000 rows per database",
                "children", "wall time (s)", List.of(
                        new Plot.Series("multidb: local runtime (workflow, dry-runs, copies, locks, metadata)",
                                new Color(200, 60, 40), x, project),
                        new Plot.Series("floor: sequential loop, sqlite-jdbc, same statements on copies of the files",
                                new Color(40, 90, 200), x, floor)));
    }

    /** The 1-minute load average when a scenario ends: other work on a shared machine shows up here. */
    static String loadNote(String when) {
        try {
            return when + ": " + Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return when + ": n/a";
        }
    }

    private static Path lambdaJar() throws Exception {
        String given = System.getProperty("bench.lambdaJar");
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        try (Stream<Path> s = Files.list(Path.of("functions/target"))) {
            return s.filter(p -> p.getFileName().toString().endsWith("-lambda.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no functions/target/*-lambda.jar: build it with "
                            + "mvn -pl functions -am package (bin/bench does)")).toAbsolutePath();
        }
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
