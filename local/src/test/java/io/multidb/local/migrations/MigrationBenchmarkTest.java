package io.multidb.local.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.emulators.StepFunctionsLocal;
import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

/**
 * The wall time of a 200-child migration through the local runtime next to a plain loop applying the same DDL to
 * copies of the same 200 files with sqlite-jdbc, measured in one run. Numbers only, no timed assertions; run with
 * {@code -Dmultidb.bench=true} (optionally {@code -Dmultidb.bench.children=N -Dmultidb.bench.rows=R}) and read the
 * test's output file (target/surefire-reports/...MigrationBenchmarkTest-output.txt).
 */
@EnabledIfSystemProperty(named = "multidb.bench", matches = "true")
class MigrationBenchmarkTest {
    private static final String DDL = "ALTER TABLE t ADD COLUMN note TEXT; CREATE INDEX t_email ON t(email)";

    @TempDir
    Path data;

    @Test
    void twoHundredChildren() throws Exception {
        int children = Integer.getInteger("multidb.bench.children", 200);
        int rows = Integer.getInteger("multidb.bench.rows", 100);
        try (LocalRuntime runtime = LocalRuntime.start(LocalConfig.load(new LocalConfig.Flags(0, data, false), Map.of()))) {
            RuntimeClient c = new RuntimeClient(runtime);
            c.createGroup("bench");

            // Warm-up on a small family, so the figure below is not the JIT's or the engine's first run.
            List<String> warm = family(c, "warm", 10, rows);
            run(c, "warm", DDL);

            List<String> names = family(c, "app", children, rows);
            Path copies = Files.createDirectories(data.resolve("plain"));
            List<Path> files = new ArrayList<>();
            for (String n : names) {
                files.add(copyOf(data.resolve("sqlite/databases/" + n + ".db"), copies.resolve(n + ".db")));
            }

            long t0 = System.nanoTime();
            JsonNode job = run(c, "app", DDL);
            long migrationMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(job.path("status").asText()).as("%s", job).isEqualTo("succeeded");
            assertThat(c.schemaVersion(names.get(names.size() - 1))).isEqualTo(1);
            // Reported ended means writable: no BLOCKED while a big family's copies are still being removed.
            assertThat(c.tryExecute(names.get(0), "INSERT INTO t(name) VALUES ('right after')")).isNull();

            long t1 = System.nanoTime();
            for (Path f : files) {
                plainApply(f);
            }
            long plainMs = (System.nanoTime() - t1) / 1_000_000;

            StringBuilder out = new StringBuilder();
            out.append(String.format("%n%d-child migration (%d rows per child, '%s'), one run:%n", children, rows, DDL));
            out.append(String.format("  local runtime, HTTP start with wait -> succeeded: %6d ms (batches %d, max_concurrency %d)%n",
                    migrationMs, job.path("batches").asInt(), job.path("max_concurrency").asInt()));
            out.append(String.format("  plain sqlite-jdbc loop over copies of the same %d files: %6d ms%n", files.size(), plainMs));
            out.append(String.format("  ratio: %.1f x%n", (double) migrationMs / Math.max(1, plainMs)));
            out.append(phases(runtime, job.path("job_id").asText()));
            System.out.println(out);
            assertThat(warm).hasSize(10);
        }
    }

    /** A parent with t(id, name, email, created_at) and n children of `rows` rows each. */
    private static List<String> family(RuntimeClient c, String parent, int n, int rows) throws Exception {
        c.createSchemaDatabase(parent, "bench");
        c.execute(parent, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, created_at TEXT)");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("%s-%03d", parent, i);
            c.createChild(name, "bench", parent);
            c.execute(name, "WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < " + rows + ") "
                    + "INSERT INTO t(name, email, created_at) SELECT '" + name + "-' || x, '" + name + "-' || x || '@example.com', "
                    + "datetime('now') FROM k");
            names.add(name);
        }
        return names;
    }

    /** Starts a migration with the longest wait the API allows and polls on if it is still running then. */
    private static JsonNode run(RuntimeClient c, String parent, String sql) throws Exception {
        JsonNode job = c.post(c.migrations(parent), RuntimeClient.JSON.createObjectNode().put("sql", sql).put("wait", 25)).body();
        return job.path("status").asText().equals("succeeded") ? job : c.awaitJob(parent, job.path("job_id").asText());
    }

    private static Path copyOf(Path live, Path copy) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection conn = config.createConnection("jdbc:sqlite:" + live);
             PreparedStatement s = conn.prepareStatement("VACUUM INTO ?")) {
            s.setString(1, copy.toString());
            s.execute();
        }
        return copy;
    }

    /** What a hand-written loop would do: open, one transaction with the DDL, commit, close. */
    private static void plainApply(Path file) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.DELETE);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(5000);
        try (Connection conn = config.createConnection("jdbc:sqlite:" + file); Statement s = conn.createStatement()) {
            conn.setAutoCommit(false);
            for (String stmt : DDL.split(";")) {
                s.execute(stmt);
            }
            conn.commit();
        }
    }

    /** Per-state times from the execution's history, read through the SDK from the local Step Functions service. */
    private static String phases(LocalRuntime runtime, String jobId) {
        StepFunctionsLocal sfnLocal = runtime.stepFunctions();
        try (SfnClient sfn = SfnWorkflowStarter.createClient(sfnLocal.endpoint(), Region.of(sfnLocal.region()))) {
            String arn = SfnWorkflowStarter.builder().client(sfn).stateMachineArn(sfnLocal.stateMachineArn("schema-migration"))
                    .build().executionArn(jobId);
            List<HistoryEvent> events = sfn.getExecutionHistoryPaginator(b -> b.executionArn(arn).maxResults(1000))
                    .events().stream().toList();
            record Span(Instant first, Instant last, int entered) {
            }
            Map<String, Span> spans = new LinkedHashMap<>();
            for (HistoryEvent e : events) {
                if (e.stateEnteredEventDetails() != null) {
                    String name = e.stateEnteredEventDetails().name();
                    Span s = spans.get(name);
                    spans.put(name, s == null ? new Span(e.timestamp(), e.timestamp(), 1)
                            : new Span(s.first(), s.last(), s.entered() + 1));
                } else if (e.stateExitedEventDetails() != null) {
                    String name = e.stateExitedEventDetails().name();
                    Span s = spans.get(name);
                    spans.put(name, new Span(s.first(), e.timestamp(), s.entered()));
                }
            }
            Instant start = events.get(0).timestamp();
            Instant end = events.get(events.size() - 1).timestamp();
            StringBuilder b = new StringBuilder();
            b.append(String.format("  execution %s: %d events, %d ms from ExecutionStarted to its last event%n", jobId,
                    events.size(), Duration.between(start, end).toMillis()));
            spans.forEach((name, s) -> b.append(String.format("    %-36s %6d ms%s%n", name,
                    Duration.between(s.first(), s.last()).toMillis(),
                    s.entered() > 1 ? "  (" + s.entered() + " iterations, first entry to last exit)" : "")));
            return b.toString();
        }
    }
}
