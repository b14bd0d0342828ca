package io.multidb.local.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.FaultyMigrator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet rollout controls through the whole local runtime over HTTP (API handler, the real ASL under
 * aws-local-stepfunctions, the task function, dynalite, SQLite files): canary waves with a verify query, a pause
 * after the canary that a person resumes or aborts, the quarantine failure policy, and bringing quarantined children
 * forward by a retry and by a repair. Children fail for real: their own rows break a UNIQUE index.
 */
class RolloutThroughRuntimeTest {
    private static final String GROUP = "default";
    private static final String PARENT = "app";
    private static final String UNIQUE = "CREATE UNIQUE INDEX t_email ON t(email)";

    @TempDir
    Path data;

    private LocalRuntime start(UnaryOperator<DatabaseMigrator> faults) throws Exception {
        return LocalRuntime.start(LocalConfig.load(new LocalConfig.Flags(0, data, false), Map.of()), faults);
    }

    /** A parent with t(id, name, email) and a seed row; each child holds two rows of its own. */
    private static List<String> family(RuntimeClient c, int children) throws Exception {
        c.createGroup(GROUP);
        c.createSchemaDatabase(PARENT, GROUP);
        c.execute(PARENT, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "INSERT INTO t(name, email) VALUES ('template', 'template@x')");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            String name = String.format("c%03d", i);
            c.createChild(name, GROUP, PARENT);
            c.execute(name, "INSERT INTO t(name, email) VALUES ('" + name + "-a', '" + name + "-a@x')",
                    "INSERT INTO t(name, email) VALUES ('" + name + "-b', '" + name + "-b@x')");
            names.add(name);
        }
        return names;
    }

    private static Map<String, String> snapshots(RuntimeClient c, List<String> children) throws Exception {
        List<String> all = new ArrayList<>(children);
        all.add(PARENT);
        return c.snapshots(all);
    }

    private static void assertUnchanged(RuntimeClient c, Map<String, String> before) throws Exception {
        for (var e : before.entrySet()) {
            assertThat(c.schemaVersion(e.getKey())).as("version of %s", e.getKey()).isZero();
            assertThat(c.snapshot(e.getKey())).as("schema and rows of %s", e.getKey()).isEqualTo(e.getValue());
        }
    }

    private static JsonNode migrate(RuntimeClient c, ObjectNode body) throws Exception {
        RuntimeClient.Response r = c.post(c.migrations(PARENT), body);
        assertThat(r.status()).as("start: %s", r.body()).isIn(200, 202);
        return r.body();
    }

    private static ObjectNode body(String sql) {
        return RuntimeClient.JSON.createObjectNode().put("sql", sql);
    }

    private static Map<String, String> statuses(JsonNode job) {
        Map<String, String> out = new HashMap<>();
        job.path("progress").forEach(p -> out.put(p.path("database").asText(), p.path("status").asText()));
        return out;
    }

    private static JsonNode awaitStatus(RuntimeClient c, String jobId, String status) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            JsonNode job = c.get(c.migrations(PARENT) + "/" + jobId).expect(200).body();
            if (job.path("status").asText().equals(status)) {
                return job;
            }
            assertThat(Instant.now()).as("job %s never became %s: %s", jobId, status, job).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    /** A drift scan of the family (small: the call runs it), and its report. */
    private static JsonNode drift(RuntimeClient c) throws Exception {
        RuntimeClient.Response r = c.post(c.orgPath() + "/databases/" + PARENT + "/drift", null).expect(200);
        assertThat(r.body().path("status").asText()).isEqualTo("complete");
        return c.get(c.orgPath() + "/databases/" + PARENT + "/drift?limit=1000").expect(200).body();
    }

    /** DDL run on a child's file directly, as an operator with shell access might. */
    private void behindTheApisBack(String db, String sql) throws Exception {
        Path file = data.resolve("sqlite").resolve("databases").resolve(db + ".db");
        assertThat(file).exists();
        try (java.sql.Connection conn = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement st = conn.createStatement()) {
            st.execute("PRAGMA busy_timeout=5000");
            st.execute(sql);
        }
    }

    @Test
    void aFailingCanaryRollsEverythingBackEvenUnderQuarantine() throws Exception {
        try (LocalRuntime runtime = start(FaultyMigrator.failApplyOf("c003"))) {
            RuntimeClient c = new RuntimeClient(runtime);
            List<String> children = family(c, 6);
            Map<String, String> before = snapshots(c, children);

            ObjectNode b = body("ALTER TABLE t ADD COLUMN note TEXT");
            b.putArray("canary").add("c005").add("c003");
            b.put("on_child_failure", "quarantine");
            JsonNode started = migrate(c, b);
            assertThat(started.path("canary").path("children")).hasSize(2);
            JsonNode done = c.awaitJob(PARENT, started.path("job_id").asText());

            assertThat(done.path("status").asText()).isEqualTo("rolled_back");
            assertThat(done.path("error").asText()).contains("canary").contains("c003");
            assertThat(done.path("failed_children").get(0).path("database").asText()).isEqualTo("c003");
            assertUnchanged(c, before);
        }
    }

    @Test
    void aCanaryWhoseVerifyQueryIsNotTrueRollsEverythingBackAndSaysWhy() throws Exception {
        try (LocalRuntime runtime = start(UnaryOperator.identity())) {
            RuntimeClient c = new RuntimeClient(runtime);
            List<String> children = family(c, 6);
            Map<String, String> before = snapshots(c, children);

            ObjectNode b = body("ALTER TABLE t ADD COLUMN note TEXT");
            b.put("canary", 2);
            b.put("verify", "SELECT count(*) = 0 FROM t WHERE note IS NULL");
            JsonNode done = c.awaitJob(PARENT, migrate(c, b).path("job_id").asText());

            assertThat(done.path("status").asText()).isEqualTo("rolled_back");
            assertThat(done.path("failed_children").get(0).path("database").asText()).isIn("c000", "c001");
            assertThat(done.path("failed_children").get(0).path("error").asText()).isEqualTo("the verify query returned 0");
            Map<String, String> st = statuses(done);
            assertThat(st.get("c000")).isIn("verify_failed", "restored");
            assertThat(st).containsValue("verify_failed");
            for (String child : children.subList(2, children.size())) {
                assertThat(st.get(child)).as(child).isEqualTo("dry_run_ok"); // never applied: the canary came first
            }
            assertUnchanged(c, before);

            // A query that returns true lets the job go on to every child.
            b.put("verify", "SELECT count(*) = 3 FROM t WHERE note IS NULL"); // its two rows and the template row
            JsonNode ok = c.awaitJob(PARENT, migrate(c, b).path("job_id").asText());
            assertThat(ok.path("status").asText()).isEqualTo("succeeded");
            for (String child : children) {
                assertThat(c.schemaVersion(child)).as(child).isEqualTo(1);
            }
        }
    }

    @Test
    void aPausedJobHoldsTheFamilyUntilResumedOrAborted() throws Exception {
        try (LocalRuntime runtime = start(UnaryOperator.identity())) {
            RuntimeClient c = new RuntimeClient(runtime);
            List<String> children = family(c, 6);
            Map<String, String> before = snapshots(c, children);

            // pause -> abort: every database back, the canary's too.
            ObjectNode b = body("ALTER TABLE t ADD COLUMN note TEXT");
            b.put("canary", 2).put("pause_after_canary", true);
            String aborted = migrate(c, b).path("job_id").asText();
            JsonNode paused = awaitStatus(c, aborted, "paused");
            assertThat(paused.path("paused").asText()).contains("/resume");
            assertThat(statuses(paused)).containsEntry("c000", "applied").containsEntry("c001", "applied")
                    .containsEntry("c002", "dry_run_ok");
            assertThat(c.tryExecute("c004", "INSERT INTO t(name) VALUES ('blocked?')")).as("a write while paused")
                    .isNotNull();
            assertThat(c.rows("c004", "SELECT count(*) FROM t")).containsExactly("3"); // reads go on
            c.post(c.migrations(PARENT) + "/" + aborted + "/abort", null).expect(202);
            JsonNode abortedJob = c.awaitJob(PARENT, aborted);
            assertThat(abortedJob.path("status").asText()).isEqualTo("aborted");
            assertUnchanged(c, before);

            // pause -> resume: the rest follow, the job succeeds.
            String resumed = migrate(c, b).path("job_id").asText();
            awaitStatus(c, resumed, "paused");
            JsonNode r = c.post(c.migrations(PARENT) + "/" + resumed + "/resume", null).expect(202).body();
            assertThat(r.path("canary").path("resumed").asBoolean()).isTrue();
            JsonNode done = c.awaitJob(PARENT, resumed);
            assertThat(done.path("status").asText()).isEqualTo("succeeded");
            for (String child : children) {
                assertThat(c.schemaVersion(child)).as(child).isEqualTo(1);
                assertThat(c.schema(child)).contains("note TEXT");
            }
            // Only a paused job can be resumed.
            assertThat(c.post(c.migrations(PARENT) + "/" + resumed + "/resume", null).status()).isEqualTo(409);
        }
    }

    @Test
    void quarantineLeavesTheFailingChildrenBehindServingAndRetryAndRepairBringThemForward() throws Exception {
        try (LocalRuntime runtime = start(UnaryOperator.identity())) {
            RuntimeClient c = new RuntimeClient(runtime);
            List<String> children = family(c, 100);
            List<String> broken = List.of("c010", "c050", "c090");
            for (String b : broken) {
                c.execute(b, "INSERT INTO t(name, email) VALUES ('dup', '" + b + "-a@x')");
            }

            ObjectNode b = body(UNIQUE);
            b.put("on_child_failure", "quarantine");
            JsonNode first = c.awaitJob(PARENT, migrate(c, b).path("job_id").asText());
            String firstId = first.path("job_id").asText();
            assertThat(first.path("status").asText()).isEqualTo("succeeded_with_quarantine");
            assertThat(first.path("failed_children").findValuesAsText("database")).containsExactlyElementsOf(broken);
            assertThat(first.path("error").asText()).contains("3 children quarantined");
            assertThat(c.schemaVersion(PARENT)).isEqualTo(1);
            for (String child : children) {
                boolean behind = broken.contains(child);
                JsonNode d = c.get(c.orgPath() + "/databases/" + child).expect(200).body().path("database");
                assertThat(d.path("schema_version").asLong()).as(child).isEqualTo(behind ? 0 : 1);
                assertThat(d.path("schema_status").asText()).as(child).isEqualTo(behind ? "behind" : "current");
                if (behind) {
                    assertThat(d.path("behind").path("job_id").asText()).isEqualTo(firstId);
                    assertThat(d.path("behind").path("error").asText()).contains("UNIQUE constraint failed");
                }
                // Reads and writes go on everywhere, each on its own schema.
                c.execute(child, "INSERT INTO t(name, email) VALUES ('after', '" + child + "-after@x')");
                assertThat(c.rows(child, "SELECT count(*) FROM t")).containsExactly(behind ? "5" : "4");
                assertThat(c.schema(child).contains("t_email")).as(child).isEqualTo(!behind);
            }
            // The listing shows them too.
            JsonNode listed = c.get(c.orgPath() + "/databases?schema=" + PARENT + "&limit=200").expect(200).body();
            List<String> behindListed = new ArrayList<>();
            listed.path("databases").forEach(d -> {
                if (d.path("schema_status").asText().equals("behind")) {
                    behindListed.add(d.path("Name").asText(d.path("name").asText()));
                }
            });
            assertThat(behindListed).containsExactlyElementsOf(broken);
            // The drift report lists exactly the three, behind version 1 (the job they lack).
            JsonNode drift = drift(c);
            assertThat(drift.path("counts").path("in_sync").asInt()).isEqualTo(97);
            assertThat(drift.path("children").findValuesAsText("database")).containsExactlyElementsOf(broken);
            assertThat(drift.path("children").findValuesAsText("status")).containsOnly("behind");
            assertThat(drift.path("children").get(0).path("details").toString()).contains(firstId);

            // A later migration goes on without them: they lack version 1.
            JsonNode second = c.awaitJob(PARENT, migrate(c, body("ALTER TABLE t ADD COLUMN note TEXT")).path("job_id").asText());
            assertThat(second.path("status").asText()).isEqualTo("succeeded");
            assertThat(statuses(second)).doesNotContainKeys("c010", "c050", "c090");
            assertThat(c.schemaVersion("c011")).isEqualTo(2);
            assertThat(c.schemaVersion("c010")).isZero();

            // Fix one, retry the first job: it migrates only its behind children; the two still broken stay behind.
            c.execute("c010", "DELETE FROM t WHERE name = 'dup'");
            JsonNode retried = c.post(c.migrations(PARENT) + "/" + firstId + "/retry", null).body();
            assertThat(retried.path("kind").asText()).isEqualTo("repair");
            assertThat(retried.path("repair").path("children").findValuesAsText("")).isEmpty();
            JsonNode retry = c.awaitJob(PARENT, retried.path("job_id").asText());
            assertThat(retry.path("status").asText()).isEqualTo("succeeded_with_quarantine");
            assertThat(statuses(retry).keySet()).containsExactlyInAnyOrder(PARENT, "c010", "c050", "c090");
            assertThat(c.schemaVersion("c010")).isEqualTo(2);
            assertThat(c.schema("c010")).contains("t_email").contains("note TEXT");
            assertThat(c.schemaVersion("c050")).isZero();

            // A behind child whose file was also changed behind the API's back is diverged: the report says so, and
            // a repair refuses to rewrite it (its dry-run fails; all or nothing: nobody moves).
            c.execute("c050", "DELETE FROM t WHERE name = 'dup'");
            c.execute("c090", "DELETE FROM t WHERE name = 'dup'");
            behindTheApisBack("c090", "CREATE INDEX sneaky ON t(name)");
            JsonNode diverged = drift(c);
            assertThat(diverged.path("children").findValuesAsText("database")).containsExactly("c050", "c090");
            // c050 lacks versions 1 and 2: the jobs that brought them, not the repair that also recorded version 2.
            assertThat(diverged.path("children").get(0).path("status").asText()).isEqualTo("behind");
            assertThat(diverged.path("children").get(1).path("status").asText()).isEqualTo("diverged");
            assertThat(diverged.path("children").get(1).path("details").toString()).contains("sneaky");
            RuntimeClient.Response refused = c.post(c.orgPath() + "/databases/" + PARENT + "/drift/repair", null);
            JsonNode refusedJob = c.awaitJob(PARENT, refused.body().path("job_id").asText());
            assertThat(refusedJob.path("status").asText()).isEqualTo("failed");
            assertThat(refusedJob.path("failed_children").findValuesAsText("database")).containsExactly("c090");
            assertThat(refusedJob.path("failed_children").get(0).path("error").asText()).startsWith("diverged")
                    .contains("sneaky");
            assertThat(c.schemaVersion("c050")).isZero();
            behindTheApisBack("c090", "DROP INDEX sneaky");

            // Fixed: a repair brings every behind child to the parent's version, replaying both migrations.
            RuntimeClient.Response rep = c.post(c.orgPath() + "/databases/" + PARENT + "/drift/repair", null);
            assertThat(rep.status()).as("%s", rep.body()).isIn(200, 202);
            JsonNode repaired = c.awaitJob(PARENT, rep.body().path("job_id").asText());
            assertThat(repaired.path("status").asText()).isEqualTo("succeeded");
            for (String child : children) {
                JsonNode d = c.get(c.orgPath() + "/databases/" + child).expect(200).body().path("database");
                assertThat(d.path("schema_version").asLong()).as(child).isEqualTo(2);
                assertThat(d.path("schema_status").asText()).as(child).isEqualTo("current");
            }
            for (String child : broken) {
                assertThat(c.schema(child)).contains("t_email").contains("note TEXT");
            }
            // Nothing is behind any more, and the drift report agrees.
            assertThat(c.post(c.orgPath() + "/databases/" + PARENT + "/drift/repair", null).status()).isEqualTo(409);
            JsonNode clean = drift(c);
            assertThat(clean.path("counts").path("in_sync").asInt()).isEqualTo(100);
            assertThat(clean.path("children")).isEmpty();
        }
    }
}
