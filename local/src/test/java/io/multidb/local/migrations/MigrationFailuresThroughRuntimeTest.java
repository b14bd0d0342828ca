package io.multidb.local.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.FaultyMigrator;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failures the all-or-nothing promise is about, through the whole local runtime over HTTP (API handler, the
 * real ASL under aws-local-stepfunctions, the task function behind the Lambda front, dynalite, SQLite files):
 * an apply that fails after every dry-run passed (a fault hook given to this runtime only) is rolled back; the
 * rolled-back job is retried once the fault is gone (a restart on the same data, as after a fix is deployed); a
 * running job is aborted.
 */
class MigrationFailuresThroughRuntimeTest {
    private static final String GROUP = "default";
    private static final String PARENT = "app";
    private static final int CHILDREN = 8;
    private static final String SQL =
            "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x'; UPDATE t SET name = upper(name); CREATE INDEX t_name ON t(name)";

    @TempDir
    Path data;

    private LocalRuntime start(UnaryOperator<DatabaseMigrator> faults) throws Exception {
        return LocalRuntime.start(LocalConfig.load(new LocalConfig.Flags(0, data, false), Map.of()), faults);
    }

    /** A parent with t(id, name, email) and a seed row; child i holds i + 2 rows of its own. */
    private static List<String> family(RuntimeClient c) throws Exception {
        c.createGroup(GROUP);
        c.createSchemaDatabase(PARENT, GROUP);
        c.execute(PARENT, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "INSERT INTO t(name, email) VALUES ('template', 'template@x')");
        List<String> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            String name = String.format("c%02d", i);
            c.createChild(name, GROUP, PARENT);
            String[] inserts = new String[i + 2];
            for (int r = 0; r < inserts.length; r++) {
                inserts[r] = "INSERT INTO t(name, email) VALUES ('" + name + "-" + r + "', '" + name + "-" + r + "@x')";
            }
            c.execute(name, inserts);
            children.add(name);
        }
        return children;
    }

    private static List<String> all(List<String> children) {
        List<String> all = new ArrayList<>(children);
        all.add(PARENT);
        return all;
    }

    private static Map<String, String> snapshots(RuntimeClient c, List<String> dbs) throws Exception {
        return c.snapshots(dbs);
    }

    private static Map<String, String> progress(JsonNode job) {
        Map<String, String> out = new HashMap<>();
        job.path("progress").forEach(p -> out.put(p.path("database").asText(), p.path("status").asText()));
        return out;
    }

    /** Every database back at version 0 and byte-for-byte the same schema and rows; the undo journals gone. */
    private void assertUnchanged(RuntimeClient c, Map<String, String> before) throws Exception {
        for (var e : before.entrySet()) {
            assertThat(c.schemaVersion(e.getKey())).as("version of %s", e.getKey()).isZero();
            assertThat(c.snapshot(e.getKey())).as("schema and rows of %s", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(copiesLeft()).as("undo journals left").isEmpty();
    }

    private List<Path> copiesLeft() {
        return io.multidb.migrations.UndoLeftovers.in(data.resolve("sqlite"));
    }

    @Test
    void anApplyFailureAfterTheDryRunIsRolledBackEverywhereWithoutLosingAWriteAndSucceedsWhenRetriedWithoutTheFault()
            throws Exception {
        String jobId;
        List<String> children;
        Map<String, Long> counts = new HashMap<>();
        try (LocalRuntime runtime = start(FaultyMigrator.failApplyOf("c05"))) {
            RuntimeClient c = new RuntimeClient(runtime);
            children = family(c);
            Map<String, String> schemas = new HashMap<>();
            Map<String, Set<String>> names = new HashMap<>();
            for (String db : all(children)) {
                schemas.put(db, c.schema(db));
                names.put(db, new HashSet<>(c.rows(db, "SELECT name FROM t")));
            }
            String parentBefore = c.snapshot(PARENT);

            // Writers hammer the children before, during and after the migration. A rollback puts back copies taken
            // after the fence: a write acknowledged before the fence must be in them, one let through after it would
            // be lost. The fence must refuse the latter (BLOCKED) and wait for the former.
            JsonNode job;
            Writers writers = new Writers(c, children, 3);
            try {
                writers.awaitAcked(20);
                job = c.post(c.migrations(PARENT), RuntimeClient.JSON.createObjectNode().put("sql", SQL).put("wait", 25))
                        .expect(200).body();
                writers.jobEnded = true;
                writers.awaitAcked(writers.acked.size() + 20);
            } finally {
                writers.close();
            }
            jobId = job.path("job_id").asText();
            System.out.printf("writers around rolled-back job %s: %d writes acknowledged, %d refused with BLOCKED%n", jobId,
                    writers.acked.size(), writers.blocked.size());
            assertThat(writers.unexpected).isEmpty();
            assertThat(writers.blocked).as("writes that ran into the migration").isNotEmpty()
                    .allSatisfy(w -> assertThat(w.message()).contains(jobId));
            assertThat(writers.blocked).as("writes refused after the job was reported ended").noneMatch(Writers.Write::afterEnd);

            assertThat(job.path("status").asText()).as("%s", job).isEqualTo("rolled_back");
            assertThat(job.path("failed_children")).hasSize(1);
            assertThat(job.path("failed_children").get(0).path("database").asText()).isEqualTo("c05");
            assertThat(job.path("failed_children").get(0).path("error").asText()).contains("injected failure");
            assertThat(job.path("error").asText()).contains("c05").contains("put back to version 0");
            Map<String, String> progress = progress(c.get(c.migrations(PARENT) + "/" + jobId).expect(200).body());
            assertThat(progress).containsEntry("c05", "failed").containsEntry(PARENT, "dry_run_ok");
            // c00..c03 start before c05 in the batch (4 at a time): they were changed, then put back.
            assertThat(progress).containsEntry("c00", "restored");
            assertThat(progress.values()).doesNotContain("applied");

            // Every database at the old version with the old schema; every row there before, and every acknowledged
            // write, is there; no refused write is; the copies are gone.
            for (String db : all(children)) {
                assertThat(c.schemaVersion(db)).as("version of %s", db).isZero();
                assertThat(c.schema(db)).as("schema of %s", db).isEqualTo(schemas.get(db));
                Set<String> expected = new HashSet<>(names.get(db));
                writers.acked.stream().filter(w -> w.child().equals(db)).forEach(w -> expected.add(w.tag()));
                assertThat(c.rows(db, "SELECT name FROM t")).as("rows of %s", db).containsExactlyInAnyOrderElementsOf(expected);
            }
            assertThat(c.snapshot(PARENT)).isEqualTo(parentBefore);
            assertThat(copiesLeft()).as("undo journals left").isEmpty();
            for (String db : all(children)) {
                counts.put(db, Long.parseLong(c.rows(db, "SELECT count(*) FROM t").get(0)));
            }
        }

        // The fault is fixed and deployed: the same data, a runtime without it. The rolled-back job is retried.
        try (LocalRuntime runtime = start(UnaryOperator.identity())) {
            RuntimeClient c = new RuntimeClient(runtime);
            RuntimeClient.Response retried = c.post(c.migrations(PARENT) + "/" + jobId + "/retry", null).expect(202);
            String retryId = retried.body().path("job_id").asText();
            assertThat(retryId).isNotEqualTo(jobId);
            assertThat(retried.body().path("sql").asText()).isEqualTo(SQL);
            JsonNode done = c.awaitJob(PARENT, retryId);
            assertThat(done.path("status").asText()).as("%s", done).isEqualTo("succeeded");
            assertThat(done.path("progress")).hasSize(CHILDREN + 1)
                    .allSatisfy(p -> assertThat(p.path("status").asText()).isEqualTo("applied"));
            for (String db : all(children)) {
                assertThat(c.schemaVersion(db)).as(db).isEqualTo(1);
                assertThat(c.rows(db, "SELECT count(*) FROM t WHERE note = 'x' AND name = upper(name)"))
                        .as(db).containsExactly(String.valueOf(counts.get(db)));
                assertThat(c.rows(db, "SELECT count(*) FROM t")).as(db).containsExactly(String.valueOf(counts.get(db)));
                assertThat(c.rows(db, "SELECT job_id FROM _multidb_schema")).as(db).containsExactly(retryId);
            }
            assertThat(copiesLeft()).isEmpty();
            // A succeeded job cannot be retried or aborted; the rolled-back one is still there, as it ended.
            assertThat(c.post(c.migrations(PARENT) + "/" + retryId + "/retry", null).expect(409).body().path("error").asText())
                    .contains("succeeded");
            assertThat(c.post(c.migrations(PARENT) + "/" + retryId + "/abort", null).expect(409).body().path("error").asText())
                    .contains("already ended");
            assertThat(c.get(c.migrations(PARENT) + "/" + jobId).expect(200).body().path("status").asText())
                    .isEqualTo("rolled_back");
        }
    }

    @Test
    void aRunningJobIsAbortedAndWhatItChangedIsPutBack() throws Exception {
        try (LocalRuntime runtime = start(UnaryOperator.identity())) {
            RuntimeClient c = new RuntimeClient(runtime);
            List<String> children = family(c);
            Map<String, String> before = snapshots(c, all(children));

            // Hold a read transaction on c00's file: its apply can copy and run the SQL but cannot commit, so the job
            // stays in "applying" until the transaction ends, however slow the machine is.
            JsonNode running;
            String jobId;
            try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sqlite/databases/c00.db"))) {
                reader.setAutoCommit(false);
                try (Statement s = reader.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM t")) {
                    assertThat(r.next()).isTrue();
                }
                JsonNode started = c.post(c.migrations(PARENT), RuntimeClient.JSON.createObjectNode().put("sql", SQL))
                        .expect(202).body();
                jobId = started.path("job_id").asText();
                running = awaitOthersApplied(c, jobId, children.size() - 1);
                assertThat(running.path("status").asText()).isEqualTo("applying");

                JsonNode asked = c.post(c.migrations(PARENT) + "/" + jobId + "/abort", null).expect(202).body();
                assertThat(asked.path("abort_requested").asBoolean()).isTrue();
                reader.rollback();
            }
            JsonNode done = c.awaitJob(PARENT, jobId);
            assertThat(done.path("status").asText()).as("%s", done).isEqualTo("aborted");
            assertThat(done.path("error").asText()).contains("aborted").contains("restored");
            Map<String, String> progress = progress(done);
            assertThat(progress).containsEntry(PARENT, "dry_run_ok");
            for (String child : children) {
                assertThat(progress.get(child)).as(child).isIn("restored", "dry_run_ok");
            }
            assertThat(progress.values()).filteredOn("restored"::equals).hasSizeGreaterThanOrEqualTo(children.size() - 1);
            assertUnchanged(c, before);
            // Released: an aborted job can be retried, and nothing is left to unlock.
            assertThat(c.post(c.migrations(PARENT) + "/unlock", null).expect(200).body().path("released").isNull()).isTrue();
            JsonNode retried = c.post(c.migrations(PARENT) + "/" + jobId + "/retry", null).expect(202).body();
            assertThat(c.awaitJob(PARENT, retried.path("job_id").asText()).path("status").asText()).isEqualTo("succeeded");
            assertThat(c.schemaVersion("c00")).isEqualTo(1);
        }
    }

    /** Threads inserting rows into the children over HTTP, each write recorded as acknowledged or refused (BLOCKED). */
    private static final class Writers implements AutoCloseable {
        record Write(String child, String tag, String message, boolean afterEnd) {
        }

        final List<Write> acked = Collections.synchronizedList(new ArrayList<>());
        final List<Write> blocked = Collections.synchronizedList(new ArrayList<>());
        final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger seq = new AtomicInteger();
        private final ExecutorService pool;
        private final List<Future<?>> running = new ArrayList<>();
        private volatile boolean stop;
        /** Set once the job has been reported ended: no write begun after that may be refused. */
        volatile boolean jobEnded;

        Writers(RuntimeClient c, List<String> children, int threads) {
            pool = Executors.newFixedThreadPool(threads);
            for (int w = 0; w < threads; w++) {
                int first = w * 3;
                running.add(pool.submit(() -> {
                    int i = first;
                    while (!stop) {
                        String child = children.get(i++ % children.size());
                        String tag = "w" + seq.incrementAndGet();
                        boolean afterEnd = jobEnded;
                        JsonNode error = c.tryExecute(child, "INSERT INTO t(name, email) VALUES ('" + tag + "', '" + tag + "@w')");
                        if (error == null) {
                            acked.add(new Write(child, tag, null, afterEnd));
                        } else if (error.path("code").asText().equals("BLOCKED")) {
                            blocked.add(new Write(child, tag, error.path("message").asText(), afterEnd));
                        } else {
                            unexpected.add(child + ": " + error);
                            stop = true;
                        }
                    }
                    return null;
                }));
            }
        }

        /** Waits until {@code n} writes have been acknowledged (or a writer stopped on an unexpected error). */
        void awaitAcked(int n) throws InterruptedException {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (acked.size() < n && !stop) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("only " + acked.size() + " writes acknowledged after 2 minutes");
                }
                Thread.sleep(10); // the writers are running: look again shortly
            }
        }

        @Override
        public void close() throws Exception {
            stop = true;
            try {
                for (Future<?> f : running) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Polls until {@code n} children report "applied" (the one held back cannot commit). */
    private static JsonNode awaitOthersApplied(RuntimeClient c, String jobId, int n) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            JsonNode job = c.get(c.migrations(PARENT) + "/" + jobId).expect(200).body();
            long applied = progress(job).entrySet().stream()
                    .filter(e -> !e.getKey().equals(PARENT) && e.getValue().equals("applied")).count();
            if (applied >= n) {
                return job;
            }
            assertThat(job.path("status").asText()).as("%s", job).isIn("pending", "dry_running", "applying");
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("children not applied after 2 minutes: " + job);
            }
            Thread.sleep(50); // nothing to wait on but the job: look again shortly
        }
    }
}
