package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Scenario 2, SQL over HTTP: point SELECT by primary key and single-row INSERT through the local runtime's data plane
 * (POST /db/{child}/v2/pipeline with a database token, the request @libsql/client sends for one execute), from 1, 4
 * and 16 concurrent clients on keep-alive connections to 127.0.0.1. Bounded by time and by count.
 */
final class SqlHttpBench {
    static final String PARENT = "sq";
    static final String CHILD = "sq-c00000";
    static final String SELECT_SQL = "SELECT id, name, qty, created_at FROM items WHERE id = ?";
    static final String INSERT_SQL = "INSERT INTO items(name, qty, created_at) VALUES (?, ?, ?)";
    static final int[] CLIENTS = {1, 4, 16};

    /**
     * One measured configuration's bounds; {@code jitSeconds} of untimed load (SELECTs then INSERTs, 16 clients) run
     * once before the first: the JIT needs tens of seconds on this code base before the server reaches its steady
     * state, and a cold server would be measured otherwise.
     */
    record Bounds(double jitSeconds, double warmupSeconds, double seconds, long maxRequests) {
    }

    private final BenchRuntime rt;
    private final PrintStream log;
    private final Bounds bounds;
    private String token;

    SqlHttpBench(BenchRuntime rt, PrintStream log, Bounds bounds) {
        this.rt = rt;
        this.log = log;
        this.bounds = bounds;
    }

    /** The family the scenario reads and writes: a schema database with 1,000 rows and one child. */
    void setUp() {
        try (Api api = rt.admin()) {
            api.createSchemaDatabase(PARENT, FleetBench.GROUP);
            api.execute(PARENT, FleetBench.TABLE_SQL, FleetBench.SEED_SQL);
            api.createChild(CHILD, FleetBench.GROUP, PARENT);
            token = api.databaseToken(CHILD);
        }
        // Both statements answer as expected once, before anything is timed.
        try (Api tenant = new Api(rt.port(), token, BenchRuntime.ORG)) {
            JsonNode r = tenant.call("POST", "/db/" + CHILD + "/v2/pipeline", Api.parse(selectBody(7)));
            if (!r.toString().contains("item-7")) {
                throw new IllegalStateException("the point SELECT did not find row 7: " + r);
            }
            r = tenant.call("POST", "/db/" + CHILD + "/v2/pipeline", Api.parse(insertBody(1)));
            if (!r.toString().contains("\"affected_row_count\":1")) {
                throw new IllegalStateException("the INSERT did not insert: " + r);
            }
        }
    }

    String token() {
        return token;
    }

    static String selectBody(int id) {
        return "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"" + SELECT_SQL + "\",\"args\":[{\"type\":\"integer\","
                + "\"value\":\"" + id + "\"}]}},{\"type\":\"close\"}]}";
    }

    static String insertBody(int i) {
        return "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"" + INSERT_SQL + "\",\"args\":[{\"type\":\"text\","
                + "\"value\":\"new-" + i + "\"},{\"type\":\"integer\",\"value\":\"" + (i % 97) + "\"},{\"type\":\"text\","
                + "\"value\":\"2025-01-01T00:00:00Z\"}]}},{\"type\":\"close\"}]}";
    }

    /** The floor of one configuration, run right after it so that both see the same machine. */
    @FunctionalInterface
    interface Floor {
        ObjectNode run(String op, int clients) throws Exception;
    }

    /** Every configuration; the floors land in {@code floors} ({op: {clients: ...}}). */
    ObjectNode run(Floor floor, ObjectNode floors) throws Exception {
        ObjectNode out = Api.JSON.createObjectNode();
        out.put("database", CHILD + " (a child, 1,000 rows, database token)");
        out.put("warmup_s", bounds.warmupSeconds());
        out.put("measure_s", bounds.seconds());
        out.put("max_requests", bounds.maxRequests());
        out.put("jit_warmup_s", bounds.jitSeconds());
        IntFunction<String> select = i -> selectBody(1 + i % FleetBench.ROWS);
        load(16, select, new Bounds(0, bounds.jitSeconds() * 0.75, 0, 1));
        load(16, SqlHttpBench::insertBody, new Bounds(0, bounds.jitSeconds() * 0.25, 0, 1));
        for (String op : List.of("select", "insert")) {
            IntFunction<String> body = op.equals("select") ? select : SqlHttpBench::insertBody;
            ObjectNode byClients = out.putObject(op);
            ObjectNode floorByClients = floors.putObject(op);
            for (int clients : CLIENTS) {
                ObjectNode r = load(clients, body, bounds);
                log.printf("  http %s x%d: %s%n", op, clients, r);
                byClients.set(Integer.toString(clients), r);
                floorByClients.set(Integer.toString(clients), floor.run(op, clients));
            }
        }
        return out;
    }

    /** Runs {@code clients} threads for a warm-up, then measures until the time or the count runs out. */
    private ObjectNode load(int clients, IntFunction<String> bodies, Bounds bounds) throws Exception {
        String path = "/db/" + CHILD + "/v2/pipeline";
        AtomicLong budget = new AtomicLong(bounds.maxRequests());
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long warmupNs = (long) (bounds.warmupSeconds() * 1e9);
        long measureNs = (long) (bounds.seconds() * 1e9);
        long[] window = new long[2];
        List<Thread> threads = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                try (Http http = new Http(rt.port(), token)) {
                    // Requests built before the clock starts: the loop only writes bytes and reads the answer.
                    byte[][] requests = new byte[512][];
                    for (int i = 0; i < requests.length; i++) {
                        requests[i] = http.prepare("POST", path,
                                bodies.apply(id * 100_003 + i).getBytes(StandardCharsets.UTF_8));
                    }
                    long[] lat = new long[(int) Math.min(bounds.maxRequests(), 2_000_000)];
                    ready.countDown();
                    go.await();
                    long start = window[0];
                    int i = 0;
                    while (System.nanoTime() - start < warmupNs) {
                        check(http.sendPrepared(requests[i++ % requests.length]), errors);
                    }
                    long end = start + warmupNs + measureNs;
                    int n = 0;
                    while (n < lat.length && budget.getAndDecrement() > 0) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        check(http.sendPrepared(requests[i++ % requests.length]), errors);
                        lat[n++] = System.nanoTime() - t0;
                    }
                    latencies[id] = lat;
                    counts[id] = n;
                } catch (Throwable e) {
                    failure[0] = e;
                }
            }, "bench-client-" + c);
            threads.add(t);
            t.start();
        }
        ready.await();
        var sdkBefore = SdkCallCounter.snapshot();
        window[0] = System.nanoTime();
        go.countDown();
        // This process's CPU over the measured window (the server and the load generator, which is small).
        long sleepMs = warmupNs / 1_000_000;
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        long cpuBefore = OS.getProcessCpuTime();
        for (Thread t : threads) {
            t.join();
        }
        long measuredEnd = System.nanoTime();
        long cpuAfter = OS.getProcessCpuTime();
        if (failure[0] != null) {
            throw new IllegalStateException("a client failed", failure[0]);
        }
        double seconds = Math.min((measuredEnd - window[0] - warmupNs) / 1e9, bounds.seconds());
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(latencies[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        ObjectNode r = Api.JSON.createObjectNode();
        r.put("clients", clients);
        r.put("requests", total);
        r.put("seconds", Stats.round(seconds, 2));
        r.put("per_s", Stats.round(total / seconds, 0));
        r.put("p50_us", Stats.round(Stats.sortedPercentile(all, 50) / 1e3, 0));
        r.put("p99_us", Stats.round(Stats.sortedPercentile(all, 99) / 1e3, 0));
        r.put("errors", errors.get());
        r.put("cpu_us_per_request", Stats.round((cpuAfter - cpuBefore) / 1e3 / Math.max(1, total), 0));
        // The metadata calls the requests made (warm-up included): what the data plane asks DynamoDB per request.
        ObjectNode calls = r.putObject("sdk_calls");
        SdkCallCounter.delta(sdkBefore, SdkCallCounter.snapshot()).forEach((key, v) -> calls.putObject(key)
                .put("calls", v[0]).put("ms_mean", Stats.round(v[3] / 1e6 / v[0], 3)));
        return r;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private static final byte[] ERROR = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

    private static void check(Http.Response r, AtomicLong errors) {
        if (r.status() != 200 || indexOf(r.body(), ERROR) >= 0) {
            if (errors.incrementAndGet() == 1) {
                System.out.println("  first failed request: " + r.status() + " " + r.text());
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
