package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bin/bench --http (issue 12): SQL over HTTP against its floor, with {@code wrk} (Debian's, keep-alive connections)
 * as the load generator in its own process. The local runtime answers POST /db/{child}/v2/pipeline with a database
 * token; {@link FloorServer} answers the same bytes on a copy of the same file. Subject and floor alternate in the
 * same run, for several rounds; the medians and the ratios are reported with the load average.
 * <pre>
 * select x16   point SELECT by primary key (ids cycle over the 1,000 rows), 16 connections, 2 wrk threads
 * insert x1    single-row INSERT, 1 connection
 * </pre>
 */
final class HttpFloorBench {
    record Config(String op, int connections, int threads) {
        String name() {
            return op + " x" + connections;
        }
    }

    static final List<Config> CONFIGS = List.of(new Config("select", 16, 2), new Config("insert", 1, 1));

    private final PrintStream log;
    private final Path work;
    private final int rounds;
    private final double seconds;
    private final double warmSeconds;

    HttpFloorBench(PrintStream log, Path work, int rounds, double seconds, double warmSeconds) {
        this.log = log;
        this.work = work;
        this.rounds = rounds;
        this.seconds = seconds;
        this.warmSeconds = warmSeconds;
    }

    ObjectNode run() throws Exception {
        ObjectNode out = Api.JSON.createObjectNode();
        out.put("tool", wrkVersion());
        out.put("rounds", rounds);
        out.put("seconds_per_run", seconds);
        out.put("load_average_start", loadAverage());
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            try (Api api = rt.admin()) {
                api.createGroup(FleetBench.GROUP);
            }
            SqlHttpBench sql = new SqlHttpBench(rt, log, null);
            sql.setUp();
            Path copy = work.resolve("floor.db");
            Files.copy(rt.databaseFile(SqlHttpBench.CHILD), copy);
            out.set("api_handler_alone", handlerAlone(rt, sql.token()));
            if (Boolean.getBoolean("bench.handlerOnly")) {
                return out;
            }
            try (FloorServer floor = new FloorServer(copy, 32)) {
                String path = "/db/" + SqlHttpBench.CHILD + "/v2/pipeline";
                String subjectUrl = "http://127.0.0.1:" + rt.port() + path;
                String floorUrl = "http://127.0.0.1:" + floor.port() + path;
                Path selectLua = script("select", sql.token(), SqlHttpBench.selectBody(0));
                Path insertLua = script("insert", sql.token(), SqlHttpBench.insertBody(0));
                // Both servers warmed up (the JIT) before anything is measured.
                for (String url : List.of(subjectUrl, floorUrl)) {
                    wrk(url, selectLua, 16, 2, warmSeconds);
                    wrk(url, insertLua, 4, 2, warmSeconds / 3);
                }
                ObjectNode configs = out.putObject("configs");
                for (Config c : CONFIGS) {
                    Path lua = c.op().equals("select") ? selectLua : insertLua;
                    ArrayNode subjectRuns = Api.JSON.createArrayNode();
                    ArrayNode floorRuns = Api.JSON.createArrayNode();
                    for (int r = 0; r < rounds; r++) {
                        // Alternating, and the order swapped every round: neither side always runs on a warmer box.
                        boolean subjectFirst = r % 2 == 0;
                        ObjectNode a = wrk(subjectFirst ? subjectUrl : floorUrl, lua, c.connections(), c.threads(), seconds);
                        ObjectNode b = wrk(subjectFirst ? floorUrl : subjectUrl, lua, c.connections(), c.threads(), seconds);
                        (subjectFirst ? subjectRuns : floorRuns).add(a);
                        (subjectFirst ? floorRuns : subjectRuns).add(b);
                        log.printf("  %s round %d: multidb %s, floor %s%n", c.name(), r + 1,
                                (subjectFirst ? a : b), (subjectFirst ? b : a));
                    }
                    ObjectNode co = configs.putObject(c.name());
                    co.set("multidb", summary(subjectRuns));
                    co.set("floor", summary(floorRuns));
                    co.put("ratio", Stats.round(co.get("multidb").get("per_s").asDouble()
                            / co.get("floor").get("per_s").asDouble(), 3));
                    co.put("p99_over_p50", Stats.round(co.get("multidb").get("p99_us").asDouble()
                            / co.get("multidb").get("p50_us").asDouble(), 2));
                    co.set("runs_multidb", subjectRuns);
                    co.set("runs_floor", floorRuns);
                }
            }
        }
        out.put("load_average_end", loadAverage());
        return out;
    }

    /**
     * The same point SELECT through {@code ApiHandler.handleRequest} alone, in this JVM, on one thread: what a Lambda
     * invocation costs past the runtime's own event decoding (no HTTP server, no event conversion). A handler of its
     * own, wired from the environment as Lambda's init wires it, on the runtime's metadata and files.
     */
    private ObjectNode handlerAlone(BenchRuntime rt, String token) throws Exception {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("MULTIDB_DATA_ROOT", rt.sqliteRoot().toString());
        env.put("MULTIDB_TABLE", "multidb");
        env.put("MULTIDB_DYNAMODB_ENDPOINT", rt.dynamoEndpoint().toString());
        env.put("MULTIDB_ORG", BenchRuntime.ORG);
        env.put("MULTIDB_ADMIN_TOKEN", rt.adminToken);
        env.put("AWS_REGION", "us-east-1");
        io.multidb.api.ApiHandler handler = new io.multidb.api.ApiHandler(io.multidb.api.Wiring.fromEnvironment(env));
        String path = "/db/" + SqlHttpBench.CHILD + "/v2/pipeline";
        var events = new com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent[1000];
        for (int i = 0; i < events.length; i++) {
            events[i] = ColdStartMain.event(path, token, SqlHttpBench.selectBody(1 + i));
        }
        ObjectNode r = Api.JSON.createObjectNode();
        long end = System.nanoTime() + (long) (warmSeconds * 1e9);
        int i = 0;
        while (System.nanoTime() < end) {
            handler.handleRequest(events[i++ % events.length], null);
        }
        long[] lat = new long[200_000];
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long stop = t0 + (long) (seconds * 1e9);
        int n = 0;
        while (n < lat.length) {
            long a = System.nanoTime();
            if (a >= stop) {
                break;
            }
            var resp = handler.handleRequest(events[i++ % events.length], null);
            lat[n++] = System.nanoTime() - a;
            if (resp.getStatusCode() != 200 || resp.getBody().contains("\"type\":\"error\"")) {
                throw new IllegalStateException("ApiHandler answered " + resp.getStatusCode() + ": " + resp.getBody());
            }
        }
        long wall = System.nanoTime() - t0;
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        long[] sorted = java.util.Arrays.copyOf(lat, n);
        java.util.Arrays.sort(sorted);
        r.put("requests", n);
        r.put("per_s_one_thread", Stats.round(n / (wall / 1e9), 0));
        r.put("p50_us", Stats.round(Stats.sortedPercentile(sorted, 50) / 1e3, 1));
        r.put("p99_us", Stats.round(Stats.sortedPercentile(sorted, 99) / 1e3, 1));
        r.put("cpu_us_per_request", Stats.round(cpu / 1e3 / Math.max(1, n), 1));
        r.put("load", loadAverage());
        log.println("  ApiHandler alone, 1 thread: " + r);
        return r;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** Medians over the rounds. */
    private static ObjectNode summary(ArrayNode runs) {
        ObjectNode s = Api.JSON.createObjectNode();
        for (String f : List.of("per_s", "p50_us", "p99_us", "cpu_us_per_request")) {
            double[] v = new double[runs.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = runs.get(i).path(f).asDouble();
            }
            java.util.Arrays.sort(v);
            s.put(f, Stats.round(v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2, 0));
        }
        long errors = 0;
        for (var r : runs) {
            errors += r.get("errors").asLong();
        }
        s.put("errors", errors);
        return s;
    }

    /**
     * A wrk script sending the body with the headers @libsql/client sends; ids (SELECT) and names (INSERT) vary per
     * request, and non-200 answers or error results are counted as errors.
     */
    private Path script(String op, String token, String template) throws Exception {
        String[] parts = op.equals("select")
                ? splitAt(template, "\"value\":\"0\"", "\"value\":\"", "\"")
                : splitAt(template, "\"value\":\"new-0\"", "\"value\":\"w-", "\"");
        String lua = """
                local counter = math.random(0, 100000)
                errors = 0
                wrk.method = "POST"
                wrk.headers["Content-Type"] = "application/json"
                wrk.headers["Authorization"] = "Bearer %s"
                local before = %s
                local after = %s
                function request()
                  counter = counter + 1
                  local v = %s
                  return wrk.format(nil, nil, nil, before .. v .. after)
                end
                function response(status, headers, body)
                  if status ~= 200 or string.find(body, '"type":"error"', 1, true) then errors = errors + 1 end
                end
                function setup(thread) table.insert(threads, thread) end
                threads = {}
                function done(summary, latency, requests)
                  local e = 0
                  for _, t in ipairs(threads) do e = e + t:get("errors") end
                  io.write(string.format("ERRORS %%d\\n", e))
                  for _, p in ipairs({50, 99}) do
                    io.write(string.format("P%%d %%d\\n", p, latency:percentile(p)))
                  end
                end
                """.formatted(token, luaString(parts[0]), luaString(parts[1]),
                op.equals("select") ? "tostring(1 + counter % " + FleetBench.ROWS + ")"
                        : "tostring(counter) .. '-' .. tostring(math.random(1, 1000000000))");
        Path p = work.resolve(op + ".lua");
        Files.writeString(p, lua);
        return p;
    }

    private static String[] splitAt(String template, String find, String keepBefore, String keepAfter) {
        int i = template.indexOf(find);
        if (i < 0) {
            throw new IllegalStateException("no " + find + " in " + template);
        }
        return new String[] {template.substring(0, i) + keepBefore, keepAfter + template.substring(i + find.length())};
    }

    private static String luaString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
    private static final Pattern REQS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P = Pattern.compile("^P(\\d+) (\\d+)$", Pattern.MULTILINE);
    private static final Pattern ERR = Pattern.compile("^ERRORS (\\d+)$", Pattern.MULTILINE);
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private ObjectNode wrk(String url, Path lua, int connections, int threads, double secs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
                "-d" + Math.max(1, Math.round(secs)) + "s", "--timeout", "10s", "-s", lua.toString(), url));
        long cpu0 = OS.getProcessCpuTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor((long) secs + 60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("wrk failed: " + text);
        }
        ObjectNode r = Api.JSON.createObjectNode();
        Matcher m = REQS.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no Requests/sec in wrk's output: " + text);
        }
        long cpu = OS.getProcessCpuTime() - cpu0;
        r.put("per_s", Stats.round(Double.parseDouble(m.group(1)), 0));
        Matcher total = TOTAL.matcher(text);
        if (total.find()) {
            // This JVM's CPU (both servers live here, only one is loaded at a time; wrk is another process).
            r.put("cpu_us_per_request", Stats.round(cpu / 1e3 / Math.max(1, Long.parseLong(total.group(1))), 1));
        }
        Matcher pm = P.matcher(text);
        while (pm.find()) {
            r.put("p" + pm.group(1) + "_us", Long.parseLong(pm.group(2)));
        }
        Matcher em = ERR.matcher(text);
        long errors = em.find() ? Long.parseLong(em.group(1)) : -1;
        Matcher nm = NON2XX.matcher(text);
        if (nm.find() && errors == 0) {
            errors = Long.parseLong(nm.group(1));
        }
        r.put("errors", errors);
        r.put("load", loadAverage());
        return r;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static String wrkVersion() {
        try {
            Process p = new ProcessBuilder("wrk", "-v").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            p.waitFor();
            return v.trim();
        } catch (Exception e) {
            throw new IllegalStateException("wrk is not installed (bin/bench --http installs Debian's wrk)", e);
        }
    }

    /** Entry from Bench when bench.http is set. */
    static void main(Path work, Path out, PrintStream log) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 5);
        double secs = Double.parseDouble(System.getProperty("bench.seconds", "6"));
        double warm = Double.parseDouble(System.getProperty("bench.warm", "20"));
        ObjectNode r = new HttpFloorBench(log, work, rounds, secs, warm).run();
        if (Boolean.getBoolean("bench.handlerOnly")) {
            Files.writeString(out.resolve("api-handler-alone.json"), r.toPrettyString() + "\n");
            return;
        }
        Files.writeString(out.resolve("http-floor.json"), r.toPrettyString() + "\n");
        StringBuilder md = new StringBuilder();
        md.append("| configuration | multidb req/s | floor req/s | ratio | multidb p50 / p99 µs | floor p50 / p99 µs "
                + "| CPU µs/request multidb / floor |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        r.get("configs").properties().forEach(e -> {
            var m = e.getValue().get("multidb");
            var f = e.getValue().get("floor");
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f× | %d / %d | %d / %d | %.0f / %.0f |%n",
                    e.getKey(), m.get("per_s").asDouble(), f.get("per_s").asDouble(), e.getValue().get("ratio").asDouble(),
                    m.get("p50_us").asLong(), m.get("p99_us").asLong(), f.get("p50_us").asLong(), f.get("p99_us").asLong(),
                    m.get("cpu_us_per_request").asDouble(), f.get("cpu_us_per_request").asDouble()));
        });
        md.append("\nApiHandler alone (in process, 1 thread, the point SELECT): ").append(r.get("api_handler_alone"))
                .append("\n");
        md.append("\nload average: start ").append(r.get("load_average_start").asText()).append("; end ")
                .append(r.get("load_average_end").asText()).append("\n");
        Files.writeString(out.resolve("http-floor.md"), md.toString());
        log.println(md);
    }
}
