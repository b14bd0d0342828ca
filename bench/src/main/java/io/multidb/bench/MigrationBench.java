package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bin/bench --migrations: the migration engine's scenarios alone (issue 11), written to
 * bench/results/migrations.json and migrations.md:
 * <ol>
 *   <li>fleet: N children (default 1,000) of 1,000 rows, {@code ADD COLUMN} + {@code CREATE INDEX} through the local
 *       runtime, against the plain sequential sqlite-jdbc loop over copies of the same files (the floor), same run;</li>
 *   <li>tenant size: 30 children of ~25 MB (100,000 rows) and 30 children of ~30 KB, the same {@code ADD COLUMN}:
 *       wall time of each and their ratio, and the bytes the engine read and wrote per child (this process's
 *       {@code /proc/self/io} over the migration: the runtime runs in this JVM; rchar/wchar count system calls, so
 *       they include the runtime's small HTTP exchanges with the emulators).</li>
 * </ol>
 * System properties: bench.migration.children (default 1000), bench.migration.bigRows (default 100000),
 * bench.out, bench.work as for {@link Bench}.
 */
public final class MigrationBench {
    static final String ADD_COLUMN = "ALTER TABLE items ADD COLUMN note TEXT";
    static final int TENANTS = 30;

    private MigrationBench() {
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("bench.reportOnly")) {
            Path out = Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath();
            ObjectNode results = (ObjectNode) Api.JSON.readTree(out.resolve("migrations.json").toFile());
            report(results, out);
            System.out.println(markdown(results));
            return;
        }
        int children = Integer.getInteger("bench.migration.children", 1000);
        int bigRows = Integer.getInteger("bench.migration.bigRows", 100_000);
        BenchRun bench = BenchRun.start();
        Path work = bench.work();
        Path out = bench.out();
        PrintStream log = System.out;
        ObjectNode results = bench.results();
        ObjectNode env = bench.environment();
        ArrayNode load = bench.load();
        PrintStream err = System.err;
        System.setErr(new PrintStream(new FileOutputStream(out.resolve("runtime-migrations.log").toFile()), true));
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            FleetBench fleet = new FleetBench(rt, work, log);
            fleet.setUp();

            log.printf("fleet: %d children x %d rows, ADD COLUMN + CREATE INDEX%n", children, FleetBench.ROWS);
            ObjectNode created = fleet.createFamily("fleet", children);
            ObjectNode f = fleet.run("fleet", children);
            f.set("create", created);
            perChild(f, children);
            results.set("fleet", f);
            log.printf("  project %.0f ms, floor %.0f ms: ratio %.2f%n", f.get("project_ms").asDouble(),
                    f.get("floor_ms").asDouble(), f.get("ratio").asDouble());
            load.add(Bench.loadNote("after fleet"));

            ObjectNode sizes = results.putObject("tenant_size");
            for (var tenant : new Object[][] {{"small", 100}, {"big", bigRows}}) {
                String parent = (String) tenant[0];
                int rows = (Integer) tenant[1];
                log.printf("tenant size: %s, %d children x %d rows, ADD COLUMN%n", parent, TENANTS, rows);
                ObjectNode c = fleet.createFamily(parent, TENANTS, FleetBench.TABLE_SQL, seed(rows));
                ObjectNode r = fleet.migrate(parent, ADD_COLUMN);
                r.put("n", TENANTS);
                r.put("rows_per_child", rows);
                r.put("child_bytes", Files.size(rt.databaseFile(FleetBench.childName(parent, 0))));
                r.set("create", c);
                perChild(r, TENANTS);
                sizes.set(parent, r);
                log.printf("  %s: %.0f ms, %d bytes per child file, read %d / wrote %d bytes per child%n", parent,
                        r.get("project_ms").asDouble(), r.get("child_bytes").asLong(),
                        r.get("rchar_per_child").asLong(), r.get("wchar_per_child").asLong());
            }
            sizes.put("ratio_big_to_small", Stats.round(sizes.get("big").get("project_ms").asDouble()
                    / sizes.get("small").get("project_ms").asDouble(), 2));
            load.add(Bench.loadNote("after tenant size"));
        } finally {
            System.setErr(err);
        }
        report(results, out);
        log.println(markdown(results));
    }

    /**
     * The cost model (docs/cost-model.md) and migrations.{json,md} from the measured results. Bytes, calls and file
     * sizes per child come from each tenant size's run; CPU per child from the fleet's (1,000 children: the tenant
     * runs' 30 children would charge each child a thirtieth of the job's fixed work, and the fleet's change, with
     * its CREATE INDEX, is the heavier one).
     */
    static void report(ObjectNode results, Path out) throws Exception {
        CostModel.Measured fleet = CostModel.Measured.from(results.get("fleet"));
        List<CostModel.Case> cases = new ArrayList<>();
        for (var c : new String[][] {{"small", "100 KB tenants (measured at ~30 KB)"}, {"big", "10 MB tenants (measured at ~25 MB)"}}) {
            CostModel.Measured t = CostModel.Measured.from(results.get("tenant_size").get(c[0]));
            CostModel.Measured m = new CostModel.Measured(t.n(), t.fileBytes(), fleet.cpuDryMs(), fleet.cpuApplyMs(),
                    fleet.cpuPrepareMs(), fleet.cpuReleaseMs(), t.wru(), t.rru(), t.workflowCalls(), t.readBytes(),
                    t.writeBytes(), t.transitions(), t.batches());
            cases.add(new CostModel.Case(c[1], m, CostModel.scenarios(m, 100_000)));
            ((ObjectNode) results.get("tenant_size").get(c[0])).set("cost_model", CostModel.json(m, cases.getLast().results()));
        }
        String costDoc = System.getProperty("bench.costDoc", "docs/cost-model.md");
        if (!costDoc.isEmpty()) {
            Files.writeString(Path.of(costDoc), CostModel.markdown(cases, "run of "
                    + results.get("environment").get("date").asText().substring(0, 10)));
        }
        Files.writeString(out.resolve("migrations.json"), results.toPrettyString() + "\n");
        Files.writeString(out.resolve("migrations.md"), markdown(results));
    }

    /** Rows of about 250 bytes each, made by SQLite in one statement. */
    static String seed(int rows) {
        return "INSERT INTO items(name, qty, created_at) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                + "WHERE i < " + rows + ") SELECT 'item-' || i || '-' || hex(randomblob(110)), i % 97, "
                + "'2025-01-01T00:00:00Z' FROM s";
    }

    private static void perChild(ObjectNode r, int n) {
        r.put("rchar_per_child", r.get("syscall_read_bytes").asLong() / (n + 1));
        r.put("wchar_per_child", r.get("syscall_write_bytes").asLong() / (n + 1));
        r.put("disk_write_per_child", r.get("disk_write_bytes").asLong() / (n + 1));
    }

    static String markdown(JsonNode r) {
        JsonNode f = r.get("fleet");
        JsonNode s = r.get("tenant_size");
        StringBuilder b = new StringBuilder();
        b.append("# Migration engine benchmarks (bin/bench --migrations)\n\n");
        b.append("Run of ").append(r.get("environment").get("date").asText()).append(", ")
                .append(r.get("environment").get("cores").asInt()).append(" cores; load average ")
                .append(r.get("environment").get("load_average")).append(".\n\n");
        b.append("| scenario | project | floor | ratio | bytes read / written per database (syscalls) |\n");
        b.append("|---|---|---|---|---|\n");
        b.append(String.format("| %d children x %d rows, ADD COLUMN + CREATE INDEX | %.0f ms | %.0f ms (median of %d) | %.2f | %,d / %,d |%n",
                f.get("n").asInt(), f.get("rows_per_db").asInt(), f.get("project_ms").asDouble(), f.get("floor_ms").asDouble(),
                FleetBench.FLOOR_RUNS, f.get("ratio").asDouble(), f.get("rchar_per_child").asLong(), f.get("wchar_per_child").asLong()));
        for (String k : new String[] {"small", "big"}) {
            JsonNode t = s.get(k);
            b.append(String.format("| %d children of %,d bytes (%,d rows), ADD COLUMN | %.0f ms | | | %,d / %,d |%n",
                    TENANTS, t.get("child_bytes").asLong(), t.get("rows_per_child").asInt(), t.get("project_ms").asDouble(),
                    t.get("rchar_per_child").asLong(), t.get("wchar_per_child").asLong()));
        }
        b.append(String.format("%nBig tenants against small ones: **%.2fx** the time (target <= 1.5x).%n",
                s.get("ratio_big_to_small").asDouble()));
        b.append(String.format("Fleet against the sequential floor: **%.2fx** (target <= 1.0x).%n", f.get("ratio").asDouble()));
        JsonNode calls = f.get("sdk_calls");
        long workflow = 0;
        long api = 0;
        for (var it = calls.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().contains(" DynamoDb.")) {
                if (e.getKey().startsWith("workflow ")) {
                    workflow += e.getValue().get("calls").asLong();
                } else {
                    api += e.getValue().get("calls").asLong();
                }
            }
        }
        b.append(String.format("DynamoDB calls of the workflow's tasks during the fleet migration: %d, %.3f per child "
                + "(target <= 0.1); the API's start and its polling of the job while the client waited: %d.%n",
                workflow, workflow / (double) f.get("n").asInt(), api));
        return b.toString();
    }
}
