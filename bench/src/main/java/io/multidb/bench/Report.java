package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** bench/results/results.md: the tables of results.json, short. */
final class Report {
    private Report() {
    }

    private static String f(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    static String markdown(JsonNode r) {
        StringBuilder s = new StringBuilder();
        JsonNode env = r.get("environment");
        s.append("# Benchmark results\n\n");
        s.append(f("`bin/bench`, %s; %d cores; %s; %s; %.0f s in all.%s\n\n", env.get("date").asText(),
                env.get("cores").asInt(), env.get("java").asText(), env.get("os").asText(), env.get("seconds").asDouble(),
                env.get("quick").asBoolean() ? " **Quick run: not a result.**" : ""));
        s.append("Load average (1 min) as the scenarios ended: ");
        StringBuilder loads = new StringBuilder();
        env.get("load_average").forEach(l -> loads.append(loads.isEmpty() ? "" : "; ").append(l.asText()));
        s.append(loads).append(". On a shared machine other work inflates every figure, the floors' as well.\n\n");

        s.append("## 1. Fleet migration (ADD COLUMN + CREATE INDEX, 1,000 rows per database)\n\n");
        s.append("| children | multidb (s) | floor (s) | ratio | multidb children/s | floor children/s | children created over HTTP |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---|\n");
        for (JsonNode x : r.get("fleet")) {
            JsonNode c = x.get("create");
            s.append(f("| %,d | %.2f | %.2f | %.1fx | %.0f | %.0f | %.0f/s (%d clients; %.0f s) |\n", x.get("n").asInt(),
                    x.get("project_ms").asDouble() / 1000, x.get("floor_ms").asDouble() / 1000, x.get("ratio").asDouble(),
                    x.get("project_children_per_s").asDouble(), x.get("floor_children_per_s").asDouble(),
                    c.get("creates_per_s").asDouble(), c.get("clients").asInt(), c.get("seconds").asDouble()));
        }
        s.append("\nmultidb: POST .../migrations to the job's end, through the local runtime (control plane, Step Functions\n")
                .append("running the real ASL, the task function, dynalite). Floor: one loop, sqlite-jdbc, the same statements\n")
                .append("in one transaction per database on copies of the same files (parent and children), median of 3 runs.\n\n");
        s.append("![migration wall time against children](migration.png)\n\n");
        for (JsonNode x : r.get("fleet")) {
            JsonNode ph = x.get("phases");
            s.append(f("Where the time goes, N = %,d (%d batches, max_concurrency %d; from GetExecutionHistory; JVM CPU "
                            + "is this process's, which runs the task function):\n\n", x.get("n").asInt(),
                    x.get("batches").asInt(), x.get("max_concurrency").asInt()));
            s.append("| phase | ms | JVM CPU ms | iterations | median iteration ms |\n|---|---:|---:|---:|---:|\n");
            s.append(f("| API: job, lock, fence, StartExecution | %d | | | |\n", ph.get("api_start_ms").asLong()));
            for (String p : FleetBench.PHASES) {
                JsonNode q = ph.get(p);
                s.append(f("| %s | %d | %s | %s | %s |\n", p, q.get("ms").asLong(),
                        q.has("jvm_cpu_ms") ? f("%.0f", q.get("jvm_cpu_ms").asDouble()) : "",
                        q.has("iterations") ? q.get("iterations").asText() : "",
                        q.has("iteration_median_ms") ? f("%.0f", q.get("iteration_median_ms").asDouble()) : ""));
            }
            s.append("\n");
            long calls = 0;
            double wu = 0;
            double ru = 0;
            double ms = 0;
            for (var e : x.get("sdk_calls").properties()) {
                if (e.getKey().startsWith("workflow ")) {
                    calls += e.getValue().get("calls").asLong();
                    wu += e.getValue().get("write_units").asDouble();
                    ru += e.getValue().get("read_units").asDouble();
                    ms += e.getValue().get("ms_total").asDouble();
                }
            }
            s.append(f("Metadata calls by the workflow: %,d (%.2f per child; %.1f write units and %.1f read units per child;"
                            + " %.0f ms summed over threads). Disk writes: %,d bytes per child.\n\n", calls,
                    (double) calls / x.get("n").asInt(), wu / x.get("n").asInt(), ru / x.get("n").asInt(), ms,
                    x.get("disk_write_bytes").asLong() / x.get("n").asInt()));
        }

        s.append("## 2. SQL over HTTP (one child database, database token)\n\n");
        JsonNode http = r.get("sql_http");
        JsonNode floor = r.get("sql_floor");
        s.append("| statement | clients | multidb req/s | p50 µs | p99 µs | floor ops/s | floor p50 µs | floor p99 µs | floor ÷ multidb |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String op : new String[] {"select", "insert"}) {
            for (int c : SqlHttpBench.CLIENTS) {
                JsonNode h = http.get(op).get(Integer.toString(c));
                JsonNode fl = floor.get(op).get(Integer.toString(c));
                s.append(f("| %s | %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.1f | %,.1f | %.1fx |\n",
                        op.equals("select") ? "point SELECT by key" : "single-row INSERT", c, h.get("per_s").asDouble(),
                        h.get("p50_us").asDouble(), h.get("p99_us").asDouble(), fl.get("per_s").asDouble(),
                        fl.get("p50_us").asDouble(), fl.get("p99_us").asDouble(),
                        fl.get("per_s").asDouble() / h.get("per_s").asDouble()));
            }
        }
        s.append(f("\nmultidb: POST /db/{child}/v2/pipeline ({execute, close}, what @libsql/client sends) on keep-alive\n"
                + "connections to 127.0.0.1, %.0f s per row after %.0f s of warm-up, errors: %d. Floor: the same statements\n"
                + "with sqlite-jdbc in one JVM on a copy of the file, one connection per thread (JMH, SampleTime; ops/s =\n"
                + "threads / mean latency).\n\n", http.get("measure_s").asDouble(), http.get("warmup_s").asDouble(),
                errors(http)));
        JsonNode open = r.get("open");
        s.append(f("Opening a database: cold (SqliteStore.open with nothing pooled, then the point SELECT) %.0f µs; pooled "
                + "%.1f µs (%.0fx).\n\n", open.get("cold_us").asDouble(), open.get("pooled_us").asDouble(),
                open.get("ratio").asDouble()));

        s.append("## 3. Cold start (fresh JVM, the shaded Lambda jar, one data-plane event)\n\n");
        JsonNode cold = r.get("cold_start");
        s.append(f("Jar: %s, %,d bytes (%.1f MB). Median of %d runs per row; time from starting the JVM.\n\n",
                cold.get("jar").asText(), cold.get("jar_bytes").asLong(), cold.get("jar_bytes").asDouble() / 1e6,
                cold.get("runs_per_variant").asInt()));
        s.append("| variant | to first response (ms) | JVM start → main | init (handler built, priming) | first request | second request |\n");
        s.append("|---|---:|---:|---:|---:|---:|\n");
        for (JsonNode v : cold.get("variants")) {
            s.append(f("| %s | **%.0f** | %.0f | %.0f | %.1f | %.2f |\n", v.get("variant").asText(),
                    v.get("total_ms").asDouble(), v.get("jvm_to_main_ms").asDouble(), v.get("init_ms").asDouble(),
                    v.get("first_request_ms").asDouble(), v.get("second_request_ms").asDouble()));
        }
        s.append("\nThe deployed API function runs C1 only (JAVA_TOOL_OPTIONS in infra/); SnapStart is not available with\n"
                + "EFS, so priming can only move work into init.\n\n");

        s.append("## 4. 100,000 children on AWS (model)\n\n");
        s.append("The model of an ADD COLUMN across 100,000 children, fed by the migration engine's own scenarios "
                + "(`bin/bench --migrations`: tenants of ~30 KB and ~25 MB), is [docs/cost-model.md](../../docs/cost-model.md); "
                + "its inputs are in migrations.json.\n");
        return s.toString();
    }

    private static long errors(JsonNode http) {
        long n = 0;
        for (String op : new String[] {"select", "insert"}) {
            for (JsonNode c : http.get(op)) {
                n += c.get("errors").asLong();
            }
        }
        return n;
    }
}
