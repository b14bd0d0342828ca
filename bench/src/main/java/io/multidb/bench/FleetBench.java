package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.GetExecutionHistoryRequest;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;
import software.amazon.awssdk.services.sfn.model.StateMachineListItem;

/**
 * Scenario 1, fleet migration: a schema database with N children of 1,000 rows each, one migration (ADD COLUMN +
 * CREATE INDEX) through the local runtime's control plane and workflow, against the floor: a plain sequential loop
 * applying the same statements, with sqlite-jdbc, to copies of the same files, in the same run.
 */
final class FleetBench {
    static final String GROUP = "bench";
    static final int ROWS = 1000;
    static final String TABLE_SQL = "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL, "
            + "created_at TEXT NOT NULL)";
    /** 1,000 rows in one statement (a recursive CTE), so the parent is made in one request. */
    static final String SEED_SQL = "INSERT INTO items(name, qty, created_at) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
            + "SELECT i + 1 FROM s WHERE i < " + ROWS + ") SELECT 'item-' || i, i % 97, '2025-01-01T00:00:00Z' FROM s";
    static final List<String> MIGRATION = List.of("ALTER TABLE items ADD COLUMN note TEXT",
            "CREATE INDEX items_qty ON items(qty)");
    /** The phases of statemachines/schema-migration.asl.json on the success path, in order. */
    static final List<String> PHASES = List.of("Prepare the migration", "Dry-run on the schema database",
            "Dry-run on the children", "Apply to the children", "Apply to the schema database",
            "Release the family (succeeded)");
    static final int CREATE_CLIENTS = 4;

    private final BenchRuntime rt;
    private final Path work;
    private final PrintStream log;

    FleetBench(BenchRuntime rt, Path work, PrintStream log) {
        this.rt = rt;
        this.work = work;
        this.log = log;
    }

    /** Makes the group the families live in (once per run). */
    void setUp() {
        try (Api api = rt.admin()) {
            api.createGroup(GROUP);
        }
    }

    /** A schema database with the items table and 1,000 rows, and {@code children} children made over HTTP. */
    ObjectNode createFamily(String parent, int children) throws Exception {
        return createFamily(parent, children, TABLE_SQL, SEED_SQL);
    }

    /** The same with the parent's schema and rows given (each child starts as a copy of the parent). */
    ObjectNode createFamily(String parent, int children, String... parentSql) throws Exception {
        try (Api api = rt.admin()) {
            api.createSchemaDatabase(parent, GROUP);
            api.execute(parent, parentSql);
        }
        AtomicInteger next = new AtomicInteger();
        Map<String, long[]> sdkBefore = SdkCallCounter.snapshot();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(CREATE_CLIENTS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < CREATE_CLIENTS; c++) {
                fs.add(pool.submit(() -> {
                    try (Api api = rt.admin()) {
                        int i;
                        while ((i = next.getAndIncrement()) < children) {
                            api.createChild(childName(parent, i), GROUP, parent);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode out = Api.JSON.createObjectNode();
        out.put("children", children);
        out.put("clients", CREATE_CLIENTS);
        out.put("seconds", Stats.round(seconds, 2));
        out.put("creates_per_s", Stats.round(children / seconds, 1));
        out.put("file_bytes", Files.size(rt.databaseFile(childName(parent, 0))));
        ObjectNode calls = out.putObject("sdk_calls_per_create");
        SdkCallCounter.delta(sdkBefore, SdkCallCounter.snapshot()).forEach((k, v) -> calls.putObject(k)
                .put("calls", Stats.round((double) v[0] / children, 2))
                .put("ms_mean", Stats.round(v[3] / 1e6 / v[0], 2)));
        return out;
    }

    static String childName(String parent, int i) {
        return String.format("%s-c%05d", parent, i);
    }

    /** Runs the scenario for one family size; the family must exist (see {@link #createFamily}). */
    ObjectNode run(String parent, int n) throws Exception {
        ObjectNode out = Api.JSON.createObjectNode();
        out.put("n", n);
        out.put("rows_per_db", ROWS);

        // The floor's inputs: byte copies of the same files (parent and children), taken while nothing writes them.
        List<String> names = new ArrayList<>();
        names.add(parent);
        for (int i = 0; i < n; i++) {
            names.add(childName(parent, i));
        }
        Path pristine = work.resolve("floor-" + parent + "-pristine");
        copyAll(names, rt.sqliteRoot().resolve("databases"), pristine);
        // The floor is cheap, so it runs FLOOR_RUNS times on fresh copies and the median counts: one run is at the
        // mercy of whatever else the shared machine is doing.
        double[] floorRuns = new double[FLOOR_RUNS];
        for (int r = 0; r < FLOOR_RUNS; r++) {
            Path dir = work.resolve("floor-" + parent + "-" + r);
            List<Path> copies = copyAll(names, pristine, dir);
            floorRuns[r] = floor(copies);
            log.printf("  floor run %d: %d databases in %.0f ms%n", r + 1, copies.size(), floorRuns[r]);
            Bench.deleteTree(dir);
        }
        double floorMs = Stats.median(floorRuns);

        ObjectNode m = migrate(parent, String.join(";\n", MIGRATION));
        out.setAll(m);
        double wallMs = m.get("project_ms").asDouble();
        out.put("floor_ms", Stats.round(floorMs, 1));
        var runs = out.putArray("floor_runs_ms");
        for (double r : floorRuns) {
            runs.add(Stats.round(r, 1));
        }
        out.put("ratio", Stats.round(wallMs / floorMs, 2));
        out.put("project_children_per_s", Stats.round(n / (wallMs / 1000), 1));
        out.put("floor_children_per_s", Stats.round(n / (floorMs / 1000), 1));
        return out;
    }

    /**
     * One migration of {@code parent}'s family through the API, as a user waits for it: wall time (start to the
     * family's release), phases from the execution's history, SDK calls, and this process's I/O meanwhile.
     */
    ObjectNode migrate(String parent, String sql) throws Exception {
        ObjectNode out = Api.JSON.createObjectNode();
        Map<String, long[]> sdkBefore = SdkCallCounter.snapshot();
        long[] ioBefore = ProcIo.read();
        CpuSampler cpu = CpuSampler.start();
        long t0 = System.nanoTime();
        long startEpochMs = System.currentTimeMillis();
        JsonNode job;
        try (Api api = rt.admin()) {
            // As a user waits: the API answers when the job ends (it looks every 100 ms), or after 25 s; then poll.
            job = api.startMigration(parent, sql, 25);
            while (isRunning(job.get("status").asText())) {
                Thread.sleep(250);
                job = api.migration(parent, job.get("job_id").asText());
            }
        } finally {
            cpu.stop();
        }
        double observedMs = (System.nanoTime() - t0) / 1e6;
        String jobId = job.get("job_id").asText();
        // The job is marked finished before its copies are removed and its family's lock released: the migration
        // is over when the workflow's release step has ended (the history's clock is this machine's too).
        ObjectNode phases = phases(jobId, startEpochMs, cpu);
        long finished = Instant.parse(job.get("finished_at").asText()).toEpochMilli();
        double wallMs = Math.max(finished, phases.get("released_epoch_ms").asLong()) - startEpochMs;
        long[] ioAfter = ProcIo.read();
        Map<String, long[]> sdk = SdkCallCounter.delta(sdkBefore, SdkCallCounter.snapshot());
        if (!"succeeded".equals(job.get("status").asText())) {
            throw new IllegalStateException("the migration of " + parent + " did not succeed: " + job);
        }
        log.printf("  project: %s in %.0f ms (job %s)%n", parent, wallMs, jobId);

        out.put("project_ms", Stats.round(wallMs, 1));
        out.put("client_observed_ms", Stats.round(observedMs, 1));
        out.put("jvm_cpu_ms", Stats.round(cpu.totalMs(), 0));
        out.put("job_id", jobId);
        out.put("batches", job.get("batches").asInt());
        out.put("max_concurrency", job.get("max_concurrency").asInt());
        out.put("child_bytes_after", Files.size(rt.databaseFile(childName(parent, 0))));
        out.set("phases", phases);
        ObjectNode calls = out.putObject("sdk_calls");
        sdk.forEach((k, v) -> {
            ObjectNode c = calls.putObject(k);
            c.put("calls", v[0]);
            c.put("write_units", v[1]);
            c.put("read_units", v[2] / 2.0);
            c.put("ms_total", Stats.round(v[3] / 1e6, 1));
            c.put("ms_mean", Stats.round(v[3] / 1e6 / v[0], 2));
        });
        // Block-layer bytes this JVM wrote meanwhile (SQLite files, copies, journals; dynalite is another process).
        out.put("disk_write_bytes", ioAfter[1] - ioBefore[1]);
        out.put("syscall_write_bytes", ioAfter[3] - ioBefore[3]);
        out.put("disk_read_bytes", ioAfter[0] - ioBefore[0]);
        out.put("syscall_read_bytes", ioAfter[2] - ioBefore[2]);
        return out;
    }

    static final int FLOOR_RUNS = 3;

    /** Copies {name}.db from one directory to another and syncs the copies, so the floor does not pay for them. */
    static List<Path> copyAll(List<String> names, Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> out = new ArrayList<>();
        for (String name : names) {
            Path target = to.resolve(name + ".db");
            Files.copy(from.resolve(name + ".db"), target);
            out.add(target);
        }
        for (Path p : out) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        return out;
    }

    /** A job status as the API writes it (JobStatus's wire form): true while the job holds its family. */
    static boolean isRunning(String status) {
        return io.multidb.migrations.JobStatus.fromWire(status).isRunning();
    }

    /**
     * The floor: each database in turn, opened with sqlite-jdbc's defaults (rollback journal, synchronous FULL), the
     * statements in one transaction, committed, closed.
     */
    static double floor(List<Path> files) throws SQLException {
        long t0 = System.nanoTime();
        for (Path f : files) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                for (String stmt : MIGRATION) {
                    s.execute(stmt);
                }
                c.commit();
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Where the time went, from the execution's history (GetExecutionHistory through the SDK's SfnClient against the
     * local Step Functions): each top-level state's entered→exited time, the Map iterations' durations, and the time
     * before the execution started (the API's start: job, lock, fence, StartExecution) and after it ended (until the
     * client's poll saw the job finished).
     */
    private ObjectNode phases(String jobId, long startEpochMs, CpuSampler cpu) {
        String machine = rt.sfn.listStateMachines().stateMachines().stream()
                .filter(m -> m.name().equals("schema-migration")).map(StateMachineListItem::stateMachineArn)
                .findFirst().orElseThrow();
        // The job is finished once its finish task has run; the execution still has its Choice and Succeed states.
        ExecutionListItem exec;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            exec = rt.sfn.listExecutionsPaginator(b -> b.stateMachineArn(machine)).executions().stream()
                    .filter(e -> e.name().equals(jobId)).findFirst().orElseThrow();
            if (exec.stopDate() != null || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<HistoryEvent> events = new ArrayList<>();
        rt.sfn.getExecutionHistoryPaginator(GetExecutionHistoryRequest.builder().executionArn(exec.executionArn())
                .maxResults(1000).build()).events().forEach(events::add);

        Map<String, Long> entered = new HashMap<>();
        Map<String, Long> exited = new HashMap<>();
        Map<String, Map<Integer, Long>> iterStart = new HashMap<>();
        Map<String, List<Long>> iterMs = new HashMap<>();
        long execStart = exec.startDate().toEpochMilli();
        long execStop = exec.stopDate() == null ? execStart : exec.stopDate().toEpochMilli();
        int stateTransitions = 0;
        for (HistoryEvent e : events) {
            long ts = e.timestamp().toEpochMilli();
            HistoryEventType t = e.type();
            if (e.stateEnteredEventDetails() != null) {
                stateTransitions++;
                entered.putIfAbsent(e.stateEnteredEventDetails().name(), ts);
            } else if (e.stateExitedEventDetails() != null) {
                exited.put(e.stateExitedEventDetails().name(), ts);
            } else if (t == HistoryEventType.MAP_ITERATION_STARTED) {
                iterStart.computeIfAbsent(e.mapIterationStartedEventDetails().name(), k -> new HashMap<>())
                        .put(e.mapIterationStartedEventDetails().index(), ts);
            } else if (t == HistoryEventType.MAP_ITERATION_SUCCEEDED) {
                var d = e.mapIterationSucceededEventDetails();
                Long s = iterStart.getOrDefault(d.name(), Map.of()).get(d.index());
                if (s != null) {
                    iterMs.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(ts - s);
                }
            }
        }
        ObjectNode out = Api.JSON.createObjectNode();
        out.put("history_events", events.size());
        out.put("state_transitions", stateTransitions);
        out.put("execution_ms", execStop - execStart);
        out.put("api_start_ms", execStart - startEpochMs);
        for (String p : PHASES) {
            ObjectNode ph = out.putObject(p);
            Long a = entered.get(p);
            Long b = exited.get(p);
            ph.put("ms", a == null || b == null ? -1 : b - a);
            if (a != null && b != null) {
                // This JVM's CPU meanwhile (the task handler's SQLite work and SDK calls, the API's polling).
                ph.put("jvm_cpu_ms", Stats.round(cpu.cpuMsBetween(a, b), 0));
            }
            List<Long> its = iterMs.get(p);
            if (its != null && !its.isEmpty()) {
                double[] ms = its.stream().mapToDouble(Long::doubleValue).toArray();
                ph.put("iterations", ms.length);
                ph.put("iteration_median_ms", Stats.median(ms));
                ph.put("iteration_max_ms", its.stream().mapToLong(Long::longValue).max().orElse(0));
                ph.put("iteration_sum_ms", its.stream().mapToLong(Long::longValue).sum());
            }
        }
        Long lastExit = exited.get(PHASES.get(PHASES.size() - 1));
        out.put("after_release_ms", lastExit == null ? -1 : execStop - lastExit);
        out.put("released_epoch_ms", lastExit == null ? execStop : lastExit);
        return out;
    }

    /** /proc/self/io: bytes this process read and wrote (block layer and system calls). */
    static final class ProcIo {
        private ProcIo() {
        }

        /** {read_bytes, write_bytes, rchar, wchar}; zeros where unavailable. */
        static long[] read() {
            long[] v = new long[4];
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                    String[] kv = line.split(":\\s*");
                    switch (kv[0]) {
                        case "read_bytes" -> v[0] = Long.parseLong(kv[1].trim());
                        case "write_bytes" -> v[1] = Long.parseLong(kv[1].trim());
                        case "rchar" -> v[2] = Long.parseLong(kv[1].trim());
                        case "wchar" -> v[3] = Long.parseLong(kv[1].trim());
                        default -> { }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: the byte counts stay 0
            }
            return v;
        }
    }
}
