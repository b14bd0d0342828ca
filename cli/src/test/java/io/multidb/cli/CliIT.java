package io.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The client against a live local runtime started as a user starts it ({@code bin/multidb-local} from a
 * directory outside the repository): commands in process for speed, {@code bin/multidb} as a process from that
 * directory, and the interactive shell and the progress bar in a real terminal (tmux). The tests run side by
 * side, each on databases of its own.
 */
@Execution(ExecutionMode.CONCURRENT)
class CliIT {
    /** The apply on this child fails after its dry-run passed: the rollback path (a runtime of its own, see below). */
    private static final String DOOMED = "doomed-c2";
    private static Path elsewhere;
    private static LiveRuntime rt;

    @BeforeAll
    static void start() throws Exception {
        elsewhere = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "multidb-cli-it");
        rt = LiveRuntime.start(elsewhere, Map.of());
        assertThat(rt.run("group", "create", "default").code()).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        if (rt != null) {
            rt.close();
        }
    }

    private static LiveRuntime.Result ok(LiveRuntime.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    private static LiveRuntime.Result fails(int code, LiveRuntime.Result r) {
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        // One clear line, never a stack trace.
        assertThat(r.err().strip().lines().count()).as(r.toString()).isLessThanOrEqualTo(code == 2 ? 3 : 1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        return r;
    }

    private static String jobId(String output) {
        Matcher m = Pattern.compile("migration ([0-9a-f-]{20,})").matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    @Test
    void aFamilyFromCreationToShellAndListings() throws Exception {
        ok(rt.run("db", "create", "fam", "--group", "default", "--type", "schema"));
        ok(rt.run("db", "shell", "fam", "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); "
                + "INSERT INTO notes(body) VALUES ('seed')"));
        for (String c : List.of("fam-a", "fam-b")) {
            assertThat(ok(rt.run("db", "create", c, "--group", "default", "--schema", "fam")).out())
                    .contains("created child of fam " + c).contains(rt.url + "/db/" + c + "/");
        }
        JsonNode list = Api.JSON.readTree(ok(rt.run("db", "list", "--schema", "fam", "--json")).out());
        assertThat(list.path("databases").findValuesAsText("Name")).containsExactlyInAnyOrder("fam-a", "fam-b");
        assertThat(ok(rt.run("db", "list", "--group", "default")).out()).containsPattern("fam-a\\s+child\\s+default\\s+fam\\s+0");
        String show = ok(rt.run("db", "show", "fam")).out();
        assertThat(show).contains("kind:           schema").contains("children:       2")
                .contains("schema version: 0").containsPattern("size:\\s+\\d+\\.\\d KiB");
        assertThat(Api.JSON.readTree(ok(rt.run("db", "show", "fam-a", "--json")).out()).path("schema").asText()).isEqualTo("fam");

        // A script on standard input: a statement over several lines, an error that does not end the session.
        Path more = elsewhere.resolve("more.sql");
        Files.writeString(more, "INSERT INTO notes(body) VALUES ('from a file');\n");
        String script = "INSERT INTO notes(body)\n  VALUES ('one;two');\nSELEC 1;\n.tables\n.read " + more
                + "\nSELECT id, body\nFROM notes ORDER BY id;\n";
        LiveRuntime.Result r = rt.runWith(Map.of(), script, "db", "shell", "fam-a");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("Error: SQL_PARSE_ERROR:");
        assertThat(r.out()).contains("notes\n").contains("| 1  | seed        |").contains("| 2  | one;two     |")
                .contains("| 3  | from a file |");
        assertThat(ok(rt.run("db", "shell", "fam-a", "--mode", "csv", "SELECT count(*) AS n FROM notes")).out()).isEqualTo("n\n3\n");
        assertThat(ok(rt.run("db", "shell", "fam-b", "--mode", "json", "SELECT body FROM notes")).out().strip())
                .isEqualTo("[{\"body\":\"seed\"}]");
        // DDL on a child is refused with the service's code; the shell says it and exits 1.
        assertThat(rt.run("db", "shell", "fam-b", "CREATE TABLE x(a)").err()).contains("Error: SCHEMA_CHANGE_REFUSED:");

        // Destroying: asks (no terminal here: refuses, exit 2); the server's refusal shown as one line.
        fails(2, rt.run("db", "destroy", "fam-b"));
        assertThat(fails(1, rt.run("db", "destroy", "fam", "--yes")).err()).contains("still has 2 children");
        assertThat(ok(rt.run("db", "destroy", "fam-b", "--yes")).out()).contains("destroyed database fam-b");
    }

    @Test
    void aMigrationThatFailsIsRetriedAndAShellWriteBecomesAMigration() throws Exception {
        ok(rt.run("db", "create", "mig", "--group", "default", "--type", "schema"));
        ok(rt.run("db", "shell", "mig", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));
        rt.createChildren("mig", "default", "mig-c", 5);
        ok(rt.run("db", "shell", "mig-c3", "INSERT INTO t(v) VALUES ('dup'), ('dup')"));

        LiveRuntime.Result failed = rt.run("migrate", "mig", "CREATE UNIQUE INDEX t_v ON t(v)");
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
        String job = jobId(failed.out());
        // Without a terminal: plain lines per phase, then the summary with the child's SQLite error.
        assertThat(failed.out()).doesNotContain("\r").contains("migration " + job + ": dry-run (5 children)")
                .contains("migration " + job + " failed in").contains("version stays 0 (not 1)")
                .contains("mig-c3: ").contains("UNIQUE constraint failed: t.v")
                .contains("multidb migrations retry mig " + job);

        ok(rt.run("db", "shell", "mig-c3", "DELETE FROM t WHERE id = 2"));
        LiveRuntime.Result retried = ok(rt.run("migrations", "retry", "mig", job));
        assertThat(retried.out()).contains("succeeded").contains("version 0 → 1 on mig and 5 children");

        JsonNode jobs = Api.JSON.readTree(ok(rt.run("migrations", "list", "mig", "--json")).out());
        assertThat(jobs.path("schema_version").asInt()).isEqualTo(1);
        assertThat(jobs.path("migrations").findValuesAsText("status")).containsExactlyInAnyOrder("failed", "succeeded");
        assertThat(ok(rt.run("migrations", "list", "mig")).out()).contains(job).contains("failed");
        JsonNode shown = Api.JSON.readTree(ok(rt.run("migrations", "show", "mig", job, "--json")).out());
        assertThat(shown.path("progress").size()).isGreaterThanOrEqualTo(5);
        assertThat(ok(rt.run("migrations", "show", "mig", job)).out()).contains("status:         failed")
                .contains("failed children:").contains("mig-c3");

        // A write in the shell on the schema database becomes a migration: the shell says so and how it ended.
        LiveRuntime.Result viaShell = ok(rt.run("db", "shell", "mig", "ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7"));
        assertThat(viaShell.out()).contains("this change became migration").contains("succeeded")
                .contains("version 1 → 2");
        assertThat(ok(rt.run("db", "shell", "mig-c1", "SELECT w FROM t")).out()).contains("| w |");

        // --no-wait, then watch; and nothing to unlock.
        LiveRuntime.Result started = ok(rt.run("migrate", "mig", "--no-wait", "CREATE INDEX t_w ON t(w)"));
        String next = jobId(started.out());
        assertThat(ok(rt.run("migrations", "watch", "mig", next)).out()).contains("migration " + next + " succeeded");
        assertThat(ok(rt.run("migrations", "unlock", "mig")).out()).contains("nothing to release");
    }

    @Test
    void aChildFailingAfterTheDryRunRollsBack() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "multidb-cli-doomed");
        try (LiveRuntime faulty = LiveRuntime.startWithApplyFailure(dir, DOOMED)) {
            childFailingAfterTheDryRunRollsBack(faulty, dir);
        }
    }

    private static void childFailingAfterTheDryRunRollsBack(LiveRuntime rt, Path elsewhere) throws Exception {
        ok(rt.run("group", "create", "default"));
        ok(rt.run("db", "create", "doomed", "--group", "default", "--type", "schema"));
        ok(rt.run("db", "shell", "doomed", "CREATE TABLE t(id INTEGER PRIMARY KEY)"));
        rt.createChildren("doomed", "default", "doomed-c", 4);
        Path change = elsewhere.resolve("change.sql");
        Files.writeString(change, "ALTER TABLE t ADD COLUMN x TEXT;\nCREATE INDEX t_x ON t(x);\n");
        LiveRuntime.Result r = rt.run("migrate", "doomed", "--file", change.toString(), "--max-concurrency", "2");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("rolled_back").contains("every changed child was restored").contains(DOOMED + ": ");
        assertThat(Api.JSON.readTree(ok(rt.run("db", "show", "doomed-c1", "--json")).out()).path("schema_version").asInt())
                .isZero();
    }

    /** A family "prefix" with t(id, v UNIQUE-able) and {@code children} children holding a row each. */
    private static void family(String parent, int children) throws Exception {
        ok(rt.run("db", "create", parent, "--group", "default", "--type", "schema"));
        ok(rt.run("db", "shell", parent, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));
        rt.createChildren(parent, "default", parent + "-c", children);
    }

    private String bin(String args) {
        return "env MULTIDB_URL=" + rt.url + " MULTIDB_TOKEN=" + rt.token + " " + rt.root.resolve("bin/multidb") + " " + args;
    }

    @Test
    void aCanaryPausesTheJobInATerminalAndAResumeFinishesIt() throws Exception {
        family("can", 6);
        String cmd = bin("migrate can --canary 2 --verify 'SELECT count(*) = 0 FROM t WHERE w IS NOT NULL' "
                + "--pause-after-canary 'ALTER TABLE t ADD COLUMN w INTEGER'");
        String job;
        try (Tmux t = new Tmux(cmd, elsewhere.toString(), 120, 24)) {
            String screen = t.await(s -> s.contains("[exited "), 120, "the job to pause");
            System.out.println("paused screen:\n" + screen);
            assertThat(screen).contains("dry-run   done in").contains("canary    done in")
                    .containsPattern("migration [0-9a-f-]+ is paused after its canary\n"
                            + "  2 canary children at version 1 \\(the verify query held on each\\); 4 children wait at version 0")
                    .contains("the family stays write-blocked until you decide:")
                    .contains("go on:     multidb migrations resume can ").contains("roll back: multidb migrations abort can ")
                    .contains("[exited 4]");
            job = jobId(screen);
        }
        // While paused: the job shows its canary, and writes to the family wait (refused here: the shell gives up).
        String show = ok(rt.run("migrations", "show", "can", job)).out();
        assertThat(show).contains("status:         paused").contains("paused:         the canary children are migrated")
                .contains("go on: multidb migrations resume can " + job)
                .contains("canary:         the first 2 children by name (1 batch)")
                .contains("verify:         SELECT count(*) = 0 FROM t WHERE w IS NOT NULL")
                .contains("pause after:    yes\n").contains("on failure:     rollback_all");
        assertThat(ok(rt.run("db", "show", "can")).out()).contains("state:          migrating (" + job + ")");
        JsonNode asJson = Api.JSON.readTree(ok(rt.run("migrations", "show", "can", job, "--json")).out());
        assertThat(asJson.path("canary").path("count").asInt()).isEqualTo(2);

        // Resume in a terminal: the bar follows the rest of the job to its end.
        try (Tmux t = new Tmux(bin("migrations resume can " + job), elsewhere.toString(), 120, 24)) {
            String screen = t.await(s -> s.contains("[exited "), 120, "the resumed job to end");
            System.out.println("resumed screen:\n" + screen);
            assertThat(screen).contains("resumed migration " + job + " on can")
                    .contains("migration " + job + " succeeded").contains("version 0 → 1 on can and 6 children")
                    .doesNotContain("dry-run   done").contains("[exited 0]");
        }
        assertThat(ok(rt.run("migrations", "show", "can", job)).out()).contains("pause after:    yes (resumed)");
        // Only a paused job resumes: one line, exit 1.
        assertThat(fails(1, rt.run("migrations", "resume", "can", job)).err()).startsWith("multidb: ");
        // A canary of named children whose verify query is false rolls everything back and says why.
        LiveRuntime.Result bad = rt.run("migrate", "can", "--canary", "can-c3,can-c1", "--verify", "SELECT 0",
                "CREATE INDEX t_v ON t(v)");
        assertThat(bad.code()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.out()).contains("rolled_back").contains("the verify query returned 0");
        fails(2, rt.run("migrate", "can", "--verify", "SELECT 1", "CREATE INDEX t_v ON t(v)"));
    }

    @Test
    void quarantineLeavesChildrenBehindThatDbListShowsAndADriftRepairBringsForward() throws Exception {
        family("qua", 5);
        for (String c : List.of("qua-c1", "qua-c3")) {
            ok(rt.run("db", "shell", c, "INSERT INTO t(v) VALUES ('dup'), ('dup')"));
        }
        LiveRuntime.Result r = rt.run("migrate", "qua", "--on-child-failure", "quarantine", "CREATE UNIQUE INDEX t_v ON t(v)");
        System.out.println("quarantine run:\n" + r);
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        String job = jobId(r.out());
        assertThat(r.out()).contains("migration " + job + " succeeded with quarantine")
                .contains("version 1 on qua and 3 of 5 children")
                .contains("warning: 2 children failed and stayed behind at their old version")
                .contains("qua-c1: ").contains("UNIQUE constraint failed: t.v")
                .contains("multidb migrations retry qua " + job).contains("multidb drift repair qua");

        String list = ok(rt.run("db", "list", "--schema", "qua")).out();
        System.out.println("db list:\n" + list);
        assertThat(list).containsPattern("qua-c1\\s+child\\s+default\\s+qua\\s+0\\s+behind \\(at v0\\)")
                .containsPattern("qua-c2\\s+child\\s+default\\s+qua\\s+1\\s+ok")
                .contains("2 behind children (a migration failed on them; they serve on their old schema):")
                .contains("qua-c3 (left at version 0 by job " + job + "): ").contains("multidb drift repair qua");
        assertThat(ok(rt.run("db", "show", "qua-c3")).out())
                .contains("schema status:  behind: job " + job + " failed here and left it at version 0")
                .contains("UNIQUE constraint failed").contains("multidb drift repair qua --children qua-c3");
        assertThat(ok(rt.run("db", "show", "qua-c2")).out()).contains("schema status:  current");
        JsonNode c1 = Api.JSON.readTree(ok(rt.run("db", "show", "qua-c1", "--json")).out());
        assertThat(c1.path("behind").path("job_id").asText()).isEqualTo(job);
        String shown = ok(rt.run("migrations", "show", "qua", job)).out();
        assertThat(shown).contains("status:         succeeded_with_quarantine").contains("on failure:     quarantine")
                .contains("behind children (failed, left at version 0):");

        driftReportIfTheServerHasOne("qua", List.of("qua-c1", "qua-c3"));

        // Fix the data, then repair: every behind child at the parent's version, nothing behind any more.
        for (String c : List.of("qua-c1", "qua-c3")) {
            ok(rt.run("db", "shell", c, "DELETE FROM t WHERE id = 2"));
        }
        LiveRuntime.Result repair = ok(rt.run("drift", "repair", "qua"));
        System.out.println("drift repair:\n" + repair);
        assertThat(repair.out()).containsPattern("started repair [0-9a-f-]+ on qua: 2 children \\(qua-c1, qua-c3\\)")
                .containsPattern("repair [0-9a-f-]+ succeeded in \\d+\\.\\d s: 2 children brought to version 1 \\(qua's\\)");
        String after = ok(rt.run("db", "list", "--schema", "qua")).out();
        assertThat(after).doesNotContain("behind").containsPattern("qua-c1\\s+child\\s+default\\s+qua\\s+1\\s+ok");
        assertThat(ok(rt.run("migrations", "list", "qua")).out()).containsPattern("repair\\s+succeeded");
        // Nothing left to repair: the server says so in one line.
        assertThat(fails(1, rt.run("drift", "repair", "qua")).err()).startsWith("multidb: ");
        fails(2, rt.run("drift", "repair", "qua", "--on-child-failure", "skip"));
    }

    /** The drift report comes with another change: checked only when this server has its route. */
    private static void driftReportIfTheServerHasOne(String parent, List<String> behind) throws Exception {
        LiveRuntime.Result scan = rt.run("drift", "scan", parent);
        if (scan.code() != 0 && scan.err().contains("no drift report")) {
            System.out.println("SKIPPED the drift report checks: " + scan.err().strip());
            return;
        }
        System.out.println("drift scan:\n" + scan);
        assertThat(scan.code()).as(scan.toString()).isZero();
        assertThat(scan.out()).contains("drift of " + parent).contains("5 children scanned").contains("2 behind");
        for (String b : behind) {
            assertThat(scan.out()).containsPattern(b + "\\s+behind\\s+0");
        }
        JsonNode report = Api.JSON.readTree(ok(rt.run("drift", "show", parent, "--all", "--json")).out());
        assertThat(report.path("counts").path("behind").asInt()).isEqualTo(behind.size());
        assertThat(ok(rt.run("drift", "show", parent, "--limit", "1")).out()).contains("behind");
    }

    @Test
    void tokensForDatabasesAndGroups() throws Exception {
        ok(rt.run("db", "create", "tok", "--group", "default"));
        ok(rt.run("db", "shell", "tok", "CREATE TABLE t(a); INSERT INTO t VALUES (1)"));
        String ro = ok(rt.run("db", "tokens", "create", "tok", "--read-only", "--expiration", "2w")).out().strip();
        Map<String, String> asRo = Map.of("MULTIDB_TOKEN", ro);
        assertThat(ok(rt.runWith(asRo, "", "auth", "whoami")).out())
                .contains("database token for 'tok', read-only, expires");
        assertThat(ok(rt.runWith(asRo, "", "db", "shell", "tok", "SELECT a FROM t")).out()).contains("| 1 |");
        LiveRuntime.Result write = rt.runWith(asRo, "", "db", "shell", "tok", "INSERT INTO t VALUES (2)");
        assertThat(write.code()).isEqualTo(1);
        assertThat(write.err()).contains("Error: READONLY_TOKEN:");
        fails(1, rt.runWith(asRo, "", "db", "list"));

        ok(rt.run("db", "tokens", "invalidate", "tok", "--yes"));
        assertThat(fails(1, rt.runWith(asRo, "", "db", "shell", "tok", "SELECT 1")).err()).contains("refused the token");

        String group = ok(rt.run("group", "tokens", "create", "default")).out().strip();
        assertThat(ok(rt.runWith(Map.of("MULTIDB_TOKEN", group), "", "db", "shell", "tok", "SELECT count(*) AS n FROM t")).out())
                .contains("| 1 |");
        assertThat(ok(rt.run("group", "list")).out()).contains("default");
        ok(rt.run("group", "tokens", "invalidate", "default", "--yes"));
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        assertThat(fails(1, rt.run("db", "show", "nope")).err()).isEqualTo("multidb: database 'nope' does not exist\n");
        assertThat(fails(1, rt.run("db", "shell", "nope", "SELECT 1")).err()).contains("does not exist");
        assertThat(fails(1, rt.runWith(Map.of("MULTIDB_TOKEN", "wrong"), "", "db", "list")).err())
                .contains("refused the token").contains("--token");
        assertThat(fails(1, rt.runWith(Map.of("MULTIDB_URL", "http://127.0.0.1:1"), "", "db", "list")).err())
                .contains("cannot reach multidb at http://127.0.0.1:1").contains("bin/multidb-local");
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", x -> {
            byte[] b = "<html>not here</html>".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("content-type", "text/html");
            x.sendResponseHeaders(404, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        other.start();
        try {
            assertThat(fails(1, rt.runWith(Map.of("MULTIDB_URL", "http://127.0.0.1:" + other.getAddress().getPort()), "",
                    "db", "list")).err()).contains("does not look like a multidb server");
        } finally {
            other.stop(0);
        }
        assertThat(fails(2, rt.run("db", "create", "x")).err()).contains("Missing required option: '--group=GROUP'");
        fails(2, rt.run("db", "create", "x", "--group", "default", "--type", "schema", "--schema", "p"));
        fails(2, rt.run("migrate", "fam"));
        fails(2, rt.run("db"));
        assertThat(ok(rt.run("db", "create", "--help")).out()).contains("Examples:").contains("multidb db create");
        assertThat(ok(rt.run("migrations", "retry", "--help")).out()).contains("Example:");
    }

    @Test
    void launchersWorkFromAnotherDirectory() throws Exception {
        // bin/multidb-local already runs from `elsewhere` (started in @BeforeAll); bin/multidb too, finding the
        // admin token in ./data the way it finds ./.multidb by default.
        LiveRuntime.Result who = rt.launch(Map.of("MULTIDB_URL", rt.url), "--data-dir", "data", "auth", "whoami");
        assertThat(who.code()).as(who.toString()).isZero();
        assertThat(who.out()).contains("admin (platform token)").contains(rt.data.resolve("admin-token").toString())
                .contains("the server accepts this admin token");
        LiveRuntime.Result bad = rt.launch(Map.of("MULTIDB_URL", rt.url, "MULTIDB_TOKEN", "x"), "group", "list");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().strip()).startsWith("multidb: the server refused the token").doesNotContain("\n");
        assertThat(rt.launch(Map.of(), "db", "list", "--bogus").code()).isEqualTo(2);
    }

    @Test
    void theInteractiveShellInATerminal() throws Exception {
        ok(rt.run("db", "create", "tty", "--group", "default"));
        ok(rt.run("db", "shell", "tty", "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"));
        String cmd = "env MULTIDB_URL=" + rt.url + " MULTIDB_TOKEN=" + rt.token + " MULTIDB_HISTORY=" + elsewhere.resolve("history")
                + " " + rt.root.resolve("bin/multidb") + " db shell tty";
        try (Tmux t = new Tmux(cmd, elsewhere.toString(), 100, 40)) {
            t.await(s -> s.lines().anyMatch(l -> l.startsWith("tty>")), 60, "the prompt");
            t.type("INSERT INTO notes(body)");
            t.type("  VALUES ('hello'), ('world');");
            // Each statement's answer before the next is typed, as a person would: keys typed ahead interleave with
            // the output on the screen.
            t.await(s -> s.lines().filter(l -> l.startsWith("tty>")).count() >= 2, 30, "the prompt after the insert");
            t.type("SELEC 1;");
            t.await(s -> s.contains("syntax error"), 30, "the error");
            t.type("SELECT id,");
            t.type("       body FROM notes");
            t.type("ORDER BY id;");
            String screen = t.await(s -> s.contains("| 2  | world |"), 30, "the query's rows");
            assertThat(screen).contains("tty> INSERT INTO notes(body)").contains("...>   VALUES ('hello'), ('world');")
                    .contains("Error: SQL_PARSE_ERROR:").contains("near \"SELEC\": syntax error")
                    .contains("| id | body  |").contains("| 1  | hello |");
            t.type(".mode csv");
            t.type("SELECT count(*) AS n FROM notes;");
            t.await(s -> s.contains("n\n2\n"), 30, "csv output");
            t.type(".quit");
            t.await(s -> s.contains("[exited 0]"), 30, "the shell to end");
        }
        assertThat(Files.readString(elsewhere.resolve("history"))).contains("SELECT count(*) AS n FROM notes;");
    }

    @Test
    void theProgressBarOfAMigrationInATerminal() throws Exception {
        ok(rt.run("db", "create", "bar", "--group", "default", "--type", "schema"));
        ok(rt.run("db", "shell", "bar", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"));
        rt.createChildren("bar", "default", "bar-", 200);
        String cmd = "env MULTIDB_URL=" + rt.url + " MULTIDB_TOKEN=" + rt.token + " " + rt.root.resolve("bin/multidb")
                + " migrate bar 'ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 0'";
        try (Tmux t = new Tmux(cmd, elsewhere.toString(), 140, 20)) {
            List<String> frames = t.record(s -> s.contains("[exited "), 180);
            String last = frames.get(frames.size() - 1);
            Pattern bar = Pattern.compile("(dry-run|apply) +\\[#*-*\\] +\\d+/200  failed 0 +\\d+\\.\\d/s  elapsed \\d+:\\d\\d  ETA");
            assertThat(frames).as(String.join("\n=====\n", frames)).anyMatch(f -> bar.matcher(f).find());
            assertThat(last).contains("dry-run   done in").contains("apply     done in")
                    .containsPattern("migration [0-9a-f-]+ succeeded in \\d+\\.\\d s: version 0 → 1 on bar and 200 children")
                    .contains("[exited 0]");
            System.out.println("progress bar frames:\n" + String.join("\n=====\n", frames));
        }
    }
}
