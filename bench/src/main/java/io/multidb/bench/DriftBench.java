package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * bin/bench --drift [N]: a drift report over N children (default 10,000) of a small table, through the local runtime's
 * control plane and workflow path (N above the 1,000-child inline limit: the scan is the ASL's drift branch, a Map
 * over batches). Three children are changed behind the API's back first, so the report has something to say. The
 * wall time runs from POST .../drift to the GET that sees the report complete; the median of
 * {@code bench.drift.scans} scans (default 3) counts. Written to bench/results/drift.json and drift.md (the runtime's
 * log, megabytes at this size, to bench/target/bench-work/runtime-drift.log).
 */
public final class DriftBench {
    private static final String PARENT = "drift";

    private DriftBench() {
    }

    public static void main(String[] args) throws Exception {
        int children = Integer.getInteger("bench.drift.children", 10_000);
        int scans = Integer.getInteger("bench.drift.scans", 3);
        BenchRun bench = BenchRun.start();
        Path work = bench.work();
        Path out = bench.out();
        PrintStream log = System.out;
        ObjectNode results = bench.results();
        ObjectNode env = bench.environment();
        ArrayNode load = bench.load();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new FileOutputStream(work.resolve("runtime-drift.log").toFile()), true));
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            FleetBench fleet = new FleetBench(rt, work, log);
            fleet.setUp();
            log.printf("drift: creating %d children of a 10-row table%n", children);
            results.set("create", fleet.createFamily(PARENT, children, FleetBench.TABLE_SQL, MigrationBench.seed(10)));
            try (Api api = rt.admin()) {
                api.call("POST", "/v1/organizations/" + BenchRuntime.ORG + "/databases/" + PARENT + "/migrations",
                        Api.JSON.createObjectNode().put("sql", "ALTER TABLE items ADD COLUMN note TEXT").put("wait", 25));
                awaitMigration(api);
            }
            // Behind the API's back: an index, an extra table, an extra column.
            exec(rt.databaseFile(FleetBench.childName(PARENT, 1)), "CREATE INDEX items_sneaky ON items(qty)");
            exec(rt.databaseFile(FleetBench.childName(PARENT, children / 2)), "CREATE TABLE scratch(x)");
            exec(rt.databaseFile(FleetBench.childName(PARENT, children - 1)), "ALTER TABLE items ADD COLUMN extra TEXT");
            load.add(Bench.loadNote("after create"));

            ArrayNode runs = results.putArray("scans");
            double[] ms = new double[scans];
            JsonNode last = null;
            for (int s = 0; s < scans; s++) {
                try (Api api = rt.admin()) {
                    long t0 = System.nanoTime();
                    JsonNode started = api.call("POST", driftPath(), Api.JSON.createObjectNode().put("max_concurrency", 10));
                    JsonNode report = started;
                    while ("running".equals(report.get("status").asText())) {
                        Thread.sleep(100);
                        report = api.call("GET", driftPath(), null);
                    }
                    ms[s] = (System.nanoTime() - t0) / 1e6;
                    last = report;
                    ObjectNode run = runs.addObject();
                    run.put("ms", Stats.round(ms[s], 1));
                    run.put("status", report.get("status").asText());
                    run.put("batches", report.get("batches").asInt());
                    run.set("counts", report.get("counts"));
                    log.printf("  scan %d: %.0f ms, %s, %s%n", s + 1, ms[s], report.get("status").asText(), report.get("counts"));
                }
                load.add(Bench.loadNote("after scan " + (s + 1)));
            }
            double median = Stats.median(ms);
            results.put("children", children);
            results.put("median_ms", Stats.round(median, 1));
            results.put("per_child_ms", Stats.round(median / children, 3));
            results.set("last_report", last);
        } finally {
            System.setErr(err);
        }
        Files.writeString(out.resolve("drift.json"), results.toPrettyString() + "\n");
        Files.writeString(out.resolve("drift.md"), markdown(results));
        log.println(markdown(results));
    }

    private static String driftPath() {
        return "/v1/organizations/" + BenchRuntime.ORG + "/databases/" + PARENT + "/drift";
    }

    private static void awaitMigration(Api api) throws InterruptedException {
        String path = "/v1/organizations/" + BenchRuntime.ORG + "/databases/" + PARENT + "/migrations";
        while (true) {
            JsonNode list = api.call("GET", path, null);
            String status = list.get("migrations").get(0).get("status").asText();
            if (!status.equals("pending") && !status.endsWith("ing")) {
                if (!status.startsWith("succeeded")) {
                    throw new IllegalStateException("the bench's migration ended " + status + ": " + list);
                }
                return;
            }
            Thread.sleep(500);
        }
    }

    private static void exec(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String markdown(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append("# Drift report benchmark (bin/bench --drift)\n\n");
        b.append("Run of ").append(r.get("environment").get("date").asText()).append(", ")
                .append(r.get("environment").get("cores").asInt()).append(" cores; load average ")
                .append(r.get("environment").get("load_average")).append(".\n\n");
        b.append(String.format("%,d children (a 10-row table each, one migration applied, 3 changed behind the API's "
                + "back), scanned through the local runtime's workflow path (max_concurrency 10, 4 children at once per "
                + "batch task).%n%n", r.get("children").asInt()));
        b.append("| scan | wall time (POST to complete report) | batches | counts |\n|---|---|---|---|\n");
        int i = 1;
        for (JsonNode s : r.get("scans")) {
            b.append(String.format("| %d | %.0f ms | %d | %s |%n", i++, s.get("ms").asDouble(), s.get("batches").asInt(),
                    s.get("counts")));
        }
        b.append(String.format("%nMedian: **%.0f ms**, %.3f ms per child.%n", r.get("median_ms").asDouble(),
                r.get("per_child_ms").asDouble()));
        return b.toString();
    }
}
