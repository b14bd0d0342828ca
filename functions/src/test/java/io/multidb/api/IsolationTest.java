package io.multidb.api;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.auth.Access;
import io.multidb.auth.Expiration;
import io.multidb.auth.FileSigningKey;
import io.multidb.auth.InMemoryTokenGenerations;

import io.multidb.auth.Scope;
import io.multidb.auth.TokenService;
import io.multidb.sql.SqlLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant isolation through the handler: what each kind of token opens and what it does not, read-only tokens
 * against every kind of write (checked on the file, not only in the answer), rotation, expiry (on a clock the test
 * moves) and tokens that outlive their database or group.
 *
 * <pre>
 * g1: tpl (schema database) with children child-a, child-b; solo (standard)
 * g2: other (standard)
 * </pre>
 * One fixture for the class (building it is the slow part): tests that delete or rewrite make their own databases
 * and groups, and every test issues its own tokens after whatever rotations ran before it.
 */
class IsolationTest {
    @TempDir
    static Path root;
    private static final MutableClock clock = new MutableClock();
    private static TestApi api;

    @BeforeAll
    static void setUp() {
        api = TestApi.create(root, SqlLimits.defaults(), clock);
        api.group("g1");
        api.group("g2");
        api.schemaDatabase("tpl", "g1");
        api.run("tpl", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "CREATE INDEX t_v ON t(v)",
                "INSERT INTO t(v) VALUES ('seed')");
        api.child("child-a", "g1", "tpl");
        api.child("child-b", "g1", "tpl");
        api.database("solo", "g1");
        api.run("solo", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "CREATE INDEX t_v ON t(v)",
                "INSERT INTO t(v) VALUES ('one'), ('two')");
        api.database("other", "g2");
        api.run("other", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t(v) VALUES ('g2')");
    }

    private static final List<String> DATABASES = List.of("tpl", "child-a", "child-b", "solo", "other");

    // ---- what a token opens ----

    @Test
    void aChildTokenOpensItsOwnDatabaseOnly() throws IOException {
        String a = api.token("databases", "child-a", null, null);
        assertThat(ok(a, "child-a", "INSERT INTO t(v) VALUES ('mine')")).isNotNull();
        Map<String, String> before = files();
        // Its sibling, its parent, a standalone database of its group, another group's database, no database.
        for (String db : List.of("child-b", "tpl", "solo", "other", "nope", "CHILD-A", "child-a-2")) {
            APIGatewayV2HTTPResponse r = api.send(TestApi.sql(db, a, TestApi.pipeline("DELETE FROM t")));
            assertForbidden(r, db);
        }
        assertThat(files()).as("no database changed").isEqualTo(before);
        // The parent's jobs belong to the parent.
        assertForbidden(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(a)), "tpl");
        assertForbidden(api.send(ApiEvents.get("/db/tpl/v1/jobs/" + UUID.randomUUID()).bearer(a)), "tpl");
        assertControlPlaneRefuses(a);
    }

    @Test
    void aSchemaDatabaseTokenDoesNotOpenItsChildren() {
        String tpl = api.token("databases", "tpl", null, null);
        assertThat(ok(tpl, "tpl", "SELECT count(*) FROM t").at("/0/response/result/rows/0/0/value").asText()).isEqualTo("1");
        assertThat(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(tpl)).getStatusCode()).isEqualTo(200);
        for (String db : List.of("child-a", "child-b", "solo", "other")) {
            assertForbidden(api.send(TestApi.sql(db, tpl, TestApi.pipeline("SELECT 1"))), db);
        }
        assertControlPlaneRefuses(tpl);
    }

    @Test
    void aGroupTokenOpensTheDatabasesOfItsGroupOnly() throws IOException {
        String g1 = api.token("groups", "g1", null, null);
        for (String db : List.of("tpl", "child-a", "child-b", "solo")) {
            assertThat(ok(g1, db, "SELECT count(*) FROM t")).as(db).isNotNull();
        }
        assertThat(ok(g1, "child-a", "INSERT INTO t(v) VALUES ('by group')")).isNotNull();
        assertThat(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(g1)).getStatusCode()).isEqualTo(200);
        Map<String, String> before = files();
        APIGatewayV2HTTPResponse otherGroup = api.send(TestApi.sql("other", g1, TestApi.pipeline("DELETE FROM t")));
        APIGatewayV2HTTPResponse missing = api.send(TestApi.sql("nope", g1, TestApi.pipeline("DELETE FROM t")));
        assertForbidden(otherGroup, "other");
        assertForbidden(missing, "nope");
        // A database of another group and no database at all read the same: tokens do not tell what exists.
        assertThat(TestApi.body(otherGroup).get("message").asText().replace("'other'", "'X'"))
                .isEqualTo(TestApi.body(missing).get("message").asText().replace("'nope'", "'X'"));
        assertForbidden(api.send(ApiEvents.get("/db/other/v1/jobs").bearer(g1)), "other");
        assertThat(files()).as("no database changed").isEqualTo(before);
        assertControlPlaneRefuses(g1);

        String g2 = api.token("groups", "g2", null, null);
        assertThat(ok(g2, "other", "SELECT count(*) FROM t")).isNotNull();
        for (String db : List.of("tpl", "child-a", "solo")) {
            assertForbidden(api.send(TestApi.sql(db, g2, TestApi.pipeline("SELECT 1"))), db);
        }
        // Membership is looked up per request: a database made later in g1 is open to g1's token at once.
        api.database("late", "g1");
        assertThat(ok(g1, "late", "SELECT 1")).isNotNull();
        assertForbidden(api.send(TestApi.sql("late", g2, TestApi.pipeline("SELECT 1"))), "late");
    }

    @Test
    void theAdminTokenIsToldWhatDoesNotExist() {
        APIGatewayV2HTTPResponse r = api.send(TestApi.sql("nope", TestApi.ADMIN, TestApi.pipeline("SELECT 1")));
        assertThat(r.getStatusCode()).isEqualTo(404);
        assertThat(TestApi.body(r).get("code").asText()).isEqualTo("NOT_FOUND");
    }

    @Test
    void tokensOfAnotherOrganizationAreRefused() {
        TokenService evil = new TokenService("evil", TestApi.ADMIN, FileSigningKey.open(root),
                new InMemoryTokenGenerations(), Duration.ofSeconds(5), clock);
        String token = evil.issue(Scope.DATABASE, "solo", Expiration.NEVER, Access.FULL_ACCESS);
        assertUnauthorized(api.send(TestApi.sql("solo", token, TestApi.pipeline("SELECT 1"))), "another organization");
    }

    // ---- read-only ----

    /** A write, the body that makes it, and where its refusal shows. */
    record Write(String name, String body, String pointer) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Write> writes() {
        List<Write> w = new ArrayList<>();
        for (String sql : List.of("INSERT INTO t(v) VALUES ('x')", "UPDATE t SET v = 'x'", "DELETE FROM t",
                "REPLACE INTO t(id, v) VALUES (1, 'x')",
                "INSERT INTO t(id, v) VALUES (1, 'x') ON CONFLICT(id) DO UPDATE SET v = excluded.v",
                "INSERT INTO t(v) VALUES ('x') RETURNING id", "WITH n(v) AS (VALUES ('x')) INSERT INTO t(v) SELECT v FROM n",
                "CREATE TABLE u(a)", "DROP TABLE t", "ALTER TABLE t ADD COLUMN w TEXT", "ALTER TABLE t RENAME TO t2",
                "CREATE INDEX t_id_v ON t(id, v)", "DROP INDEX t_v", "CREATE VIEW tv AS SELECT * FROM t",
                "CREATE TRIGGER tt AFTER INSERT ON t BEGIN SELECT 1; END", "CREATE VIRTUAL TABLE f USING fts5(a)",
                "PRAGMA user_version = 7", "VACUUM", "ANALYZE", "REINDEX")) {
            w.add(new Write(sql, TestApi.pipeline(sql), "/results/0/error/code"));
        }
        // Temporary objects never reach the file, but read-only means no writes at all.
        w.add(new Write("CREATE TEMP TABLE, then fill it", "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"CREATE TEMP TABLE x(a); INSERT INTO x VALUES (1); INSERT INTO t(v) SELECT a FROM x\"}]}",
                "/results/0/error/code"));
        // @libsql/client's batch(..., "write").
        w.add(new Write("batch inside BEGIN IMMEDIATE", "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":["
                + "{\"stmt\":{\"sql\":\"BEGIN IMMEDIATE\"}},"
                + "{\"condition\":{\"type\":\"ok\",\"step\":0},\"stmt\":{\"sql\":\"INSERT INTO t(v) VALUES ('b')\"}},"
                + "{\"condition\":{\"type\":\"ok\",\"step\":1},\"stmt\":{\"sql\":\"COMMIT\"}},"
                + "{\"condition\":{\"type\":\"not\",\"cond\":{\"type\":\"ok\",\"step\":2}},\"stmt\":{\"sql\":\"ROLLBACK\"}}"
                + "]}},{\"type\":\"close\"}]}", "/results/0/response/result/step_errors/1/code"));
        // executeMultiple.
        w.add(new Write("executeMultiple", "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"UPDATE t SET v = 'm'; INSERT INTO t(v) VALUES ('m')\"}]}", "/results/0/error/code"));
        // Ways around query_only: end a read-only transaction, a savepoint, switching it off, stored SQL.
        w.add(new Write("after BEGIN TRANSACTION READONLY ... COMMIT", "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"BEGIN TRANSACTION READONLY; COMMIT; INSERT INTO t(v) VALUES ('r')\"},{\"type\":\"close\"}]}", "/results/0/error/code"));
        w.add(new Write("inside a savepoint", "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"SAVEPOINT s; INSERT INTO t(v) VALUES ('s'); RELEASE s\"},{\"type\":\"close\"}]}", "/results/0/error/code"));
        w.add(new Write("after PRAGMA query_only=OFF", "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":["
                + "{\"stmt\":{\"sql\":\"PRAGMA query_only=OFF\"}},{\"stmt\":{\"sql\":\"INSERT INTO t(v) VALUES ('q')\"}}]}}]}",
                "/results/0/response/result/step_errors/1/code"));
        w.add(new Write("stored SQL", "{\"requests\":[{\"type\":\"store_sql\",\"sql_id\":1,\"sql\":\"DELETE FROM t\"},"
                + "{\"type\":\"execute\",\"stmt\":{\"sql_id\":1}}]}", "/results/1/error/code"));
        w.add(new Write("with foreign keys off first (a setting a read-only token may change)",
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"PRAGMA foreign_keys=OFF\"}},"
                        + "{\"stmt\":{\"sql\":\"DELETE FROM t\"}}]}}]}", "/results/0/response/result/step_errors/1/code"));
        return w;
    }

    static Stream<Arguments> readOnlyWrites() {
        return writes().stream().flatMap(w -> Stream.of(Arguments.of("read-only database token", w),
                Arguments.of("read-only group token", w)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("readOnlyWrites")
    void readOnlyTokensWriteNothing(String kind, Write write) throws IOException {
        // A database of its own, since the full-access run below changes it (DROP TABLE, ...).
        String db = "w-" + UUID.randomUUID().toString().substring(0, 8);
        api.database(db, "g1");
        api.run(db, TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "CREATE INDEX t_v ON t(v)",
                "INSERT INTO t(v) VALUES ('one'), ('two')");
        String ro = kind.contains("group") ? api.token("groups", "g1", null, "read-only")
                : api.token("databases", db, "1d", "read-only");
        byte[] before = Files.readAllBytes(file(db));
        APIGatewayV2HTTPResponse r = api.send(TestApi.sql(db, ro, write.body()));
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        JsonNode body = TestApi.body(r);
        assertThat(body.at(write.pointer()).asText()).as(r.getBody()).isEqualTo("READONLY_TOKEN");
        assertThat(body.toString()).contains("this token is read-only");
        assertThat(Files.readAllBytes(file(db))).as("the file is unchanged").isEqualTo(before);
        // The connection it used goes back to the pool writable: the same write with a full-access token works.
        String full = kind.contains("group") ? api.token("groups", "g1", null, null) : api.token("databases", db, null, null);
        APIGatewayV2HTTPResponse w = api.send(TestApi.sql(db, full, write.body()));
        assertThat(w.getStatusCode()).isEqualTo(200);
        JsonNode refusal = TestApi.body(w).at(write.pointer());
        assertThat(refusal.isMissingNode() || refusal.isNull()).as("full access writes: %s", w.getBody()).isTrue();
        assertThat(Files.readAllBytes(file(db))).as("a full-access token does change the file, so the test can fail")
                .isNotEqualTo(before);
    }

    @Test
    void readOnlyTokensStillRead() {
        String ro = api.token("databases", "solo", null, "read-only");
        assertThat(ok(ro, "solo", "SELECT group_concat(v) FROM t").at("/0/response/result/rows/0/0/value").asText())
                .isEqualTo("one,two");
        // BEGIN IMMEDIATE (which query_only refuses) runs as a deferred transaction: a batch of reads works.
        JsonNode batch = api.run("solo", ro, "BEGIN IMMEDIATE", "SELECT count(*) FROM t", "COMMIT");
        assertThat(batch.at("/1/response/result/rows/0/0/value").asText()).isEqualTo("2");
        assertThat(batch.at("/2/type").asText()).isEqualTo("ok");
    }

    @Test
    void aReadOnlyTokenOnASchemaDatabaseStartsNoMigration() throws IOException {
        String ro = api.token("groups", "g1", null, "read-only");
        byte[] parent = Files.readAllBytes(file("tpl"));
        byte[] child = Files.readAllBytes(file("child-a"));
        JsonNode results = api.run("tpl", ro, "INSERT INTO t(v) VALUES ('to every child')");
        assertThat(results.at("/0/error/code").asText()).isEqualTo("READONLY_TOKEN");
        JsonNode jobs = TestApi.body(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(TestApi.ADMIN)));
        assertThat(jobs.get("migrations")).isEmpty();
        assertThat(Files.readAllBytes(file("tpl"))).isEqualTo(parent);
        assertThat(Files.readAllBytes(file("child-a"))).isEqualTo(child);
        // Jobs are reads: a read-only token of the family may look at them.
        assertThat(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(ro)).getStatusCode()).isEqualTo(200);
    }

    // ---- rotation, expiry, deletion ----

    @Test
    void rotatingADatabaseRevokesItsTokensOnly() {
        String before = api.token("databases", "child-a", null, null);
        String readOnly = api.token("databases", "child-a", null, "read-only");
        String group = api.token("groups", "g1", null, null);
        String sibling = api.token("databases", "child-b", null, null);
        ok(before, "child-a", "SELECT 1");
        api.admin(ApiEvents.post(TestApi.v1("databases/child-a/auth/rotate")));
        assertUnauthorized(api.send(TestApi.sql("child-a", before, TestApi.pipeline("SELECT 1"))), "rotated");
        assertUnauthorized(api.send(TestApi.sql("child-a", readOnly, TestApi.pipeline("SELECT 1"))), "rotated");
        String after = api.token("databases", "child-a", null, null);
        ok(after, "child-a", "SELECT 1");
        // Database and group counters are independent; other databases are untouched.
        ok(group, "child-a", "SELECT 1");
        ok(sibling, "child-b", "SELECT 1");
    }

    @Test
    void rotatingAGroupRevokesGroupTokensOnly() {
        String group = api.token("groups", "g1", null, null);
        String readOnlyGroup = api.token("groups", "g1", null, "read-only");
        String database = api.token("databases", "solo", null, null);
        ok(group, "solo", "SELECT 1");
        api.admin(ApiEvents.post(TestApi.v1("groups/g1/auth/rotate")));
        assertUnauthorized(api.send(TestApi.sql("solo", group, TestApi.pipeline("SELECT 1"))), "rotated");
        assertUnauthorized(api.send(TestApi.sql("solo", readOnlyGroup, TestApi.pipeline("SELECT 1"))), "rotated");
        assertUnauthorized(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(group)), "rotated");
        ok(database, "solo", "SELECT 1");
        ok(api.token("groups", "g1", null, null), "solo", "SELECT 1");
    }

    @Test
    void tokensExpireOnTheClock() {
        String hour = api.token("databases", "solo", "1h", null);
        String fortnight = api.token("groups", "g1", "2w", "read-only");
        String never = api.token("databases", "solo", "never", null);
        ok(hour, "solo", "SELECT 1");
        clock.advance(Duration.ofMinutes(59).plusSeconds(59));
        ok(hour, "solo", "SELECT 1");
        clock.advance(Duration.ofSeconds(1));
        assertUnauthorized(api.send(TestApi.sql("solo", hour, TestApi.pipeline("SELECT 1"))), "expired");
        ok(fortnight, "solo", "SELECT 1");
        clock.advance(Duration.ofDays(14));
        assertUnauthorized(api.send(TestApi.sql("solo", fortnight, TestApi.pipeline("SELECT 1"))), "expired");
        clock.advance(Duration.ofDays(3650));
        ok(never, "solo", "SELECT 1");
    }

    @Test
    void aDatabaseDeletedAndRecreatedDoesNotAcceptItsOldTokens() {
        api.database("doomed", "g1");
        api.run("doomed", TestApi.ADMIN, "CREATE TABLE t(a)");
        String old = api.token("databases", "doomed", null, null);
        String oldReadOnly = api.token("databases", "doomed", null, "read-only");
        ok(old, "doomed", "SELECT count(*) FROM t");
        api.admin(ApiEvents.request("DELETE", TestApi.v1("databases/doomed")));
        assertUnauthorized(api.send(TestApi.sql("doomed", old, TestApi.pipeline("SELECT 1"))), "rotated");
        // Recreated, even in another group: the old tokens stay dead, new ones open the new (empty) database.
        api.database("doomed", "g2");
        assertUnauthorized(api.send(TestApi.sql("doomed", old, TestApi.pipeline("SELECT 1"))), "rotated");
        assertUnauthorized(api.send(TestApi.sql("doomed", oldReadOnly, TestApi.pipeline("SELECT 1"))), "rotated");
        String fresh = api.token("databases", "doomed", null, null);
        assertThat(ok(fresh, "doomed", "SELECT count(*) FROM sqlite_schema").at("/0/response/result/rows/0/0/value").asText())
                .isEqualTo("0");
        // A child deleted and made again from its parent likewise.
        api.child("doomed-child", "g1", "tpl");
        String child = api.token("databases", "doomed-child", null, null);
        ok(child, "doomed-child", "SELECT count(*) FROM t");
        api.admin(ApiEvents.request("DELETE", TestApi.v1("databases/doomed-child")));
        api.child("doomed-child", "g1", "tpl");
        assertUnauthorized(api.send(TestApi.sql("doomed-child", child, TestApi.pipeline("SELECT 1"))), "rotated");
    }

    @Test
    void aGroupDeletedAndRecreatedDoesNotAcceptItsOldTokens() {
        api.group("g3");
        api.database("in-g3", "g3");
        String old = api.token("groups", "g3", null, null);
        ok(old, "in-g3", "SELECT 1");
        api.admin(ApiEvents.request("DELETE", TestApi.v1("databases/in-g3")));
        api.admin(ApiEvents.request("DELETE", TestApi.v1("groups/g3")));
        api.group("g3");
        api.database("in-g3", "g3");
        assertUnauthorized(api.send(TestApi.sql("in-g3", old, TestApi.pipeline("SELECT 1"))), "rotated");
        ok(api.token("groups", "g3", null, null), "in-g3", "SELECT 1");
    }

    // ---- helpers ----

    /** Every control-plane route with a non-admin token: 403, and nothing changed. */
    private void assertControlPlaneRefuses(String token) {
        JsonNode groups = api.admin(ApiEvents.get(TestApi.v1("groups")));
        JsonNode databases = api.admin(ApiEvents.get(TestApi.v1("databases")));
        Map<String, ApiEvents.Builder> routes = new LinkedHashMap<>();
        routes.put("list groups", ApiEvents.get(TestApi.v1("groups")));
        routes.put("create group", ApiEvents.post(TestApi.v1("groups")).json("{\"name\":\"mine\",\"location\":\"x\"}"));
        routes.put("get group", ApiEvents.get(TestApi.v1("groups/g1")));
        routes.put("delete group", ApiEvents.request("DELETE", TestApi.v1("groups/g2")));
        routes.put("group token", ApiEvents.post(TestApi.v1("groups/g1/auth/tokens")));
        routes.put("group rotate", ApiEvents.post(TestApi.v1("groups/g1/auth/rotate")));
        routes.put("list databases", ApiEvents.get(TestApi.v1("databases")));
        routes.put("create database", ApiEvents.post(TestApi.v1("databases")).json("{\"name\":\"mine\",\"group\":\"g1\"}"));
        for (String db : DATABASES) {
            routes.put("get " + db, ApiEvents.get(TestApi.v1("databases/" + db)));
            routes.put("delete " + db, ApiEvents.request("DELETE", TestApi.v1("databases/" + db)));
            routes.put("token for " + db, ApiEvents.post(TestApi.v1("databases/" + db + "/auth/tokens")));
            routes.put("rotate " + db, ApiEvents.post(TestApi.v1("databases/" + db + "/auth/rotate")));
        }
        routes.put("list migrations", ApiEvents.get(TestApi.v1("databases/tpl/migrations")));
        routes.put("start migration", ApiEvents.post(TestApi.v1("databases/tpl/migrations"))
                .json("{\"sql\":\"CREATE TABLE mine(a)\"}"));
        routes.put("unlock", ApiEvents.post(TestApi.v1("databases/tpl/migrations/unlock")));
        routes.forEach((name, request) -> {
            APIGatewayV2HTTPResponse r = api.send(request.bearer(token));
            assertThat(r.getStatusCode()).as(name + ": " + r.getBody()).isEqualTo(403);
            JsonNode body = TestApi.body(r);
            assertThat(body.get("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(body.get("error").asText()).as(name).contains("control plane takes the admin token");
        });
        assertThat(api.admin(ApiEvents.get(TestApi.v1("groups")))).isEqualTo(groups);
        assertThat(api.admin(ApiEvents.get(TestApi.v1("databases")))).isEqualTo(databases);
        // Not rotated either: the token still works where it did.
        APIGatewayV2HTTPResponse still = api.send(ApiEvents.get(TestApi.v1("groups")).bearer(token));
        assertThat(still.getStatusCode()).isEqualTo(403);
    }

    private JsonNode ok(String token, String database, String... sql) {
        JsonNode results = api.run(database, token, sql);
        for (int i = 0; i < sql.length; i++) {
            assertThat(results.get(i).get("type").asText()).as("%s on %s: %s", sql[i], database, results).isEqualTo("ok");
        }
        return results;
    }

    private static void assertForbidden(APIGatewayV2HTTPResponse r, String database) {
        assertThat(r.getStatusCode()).as(database + ": " + r.getBody()).isEqualTo(403);
        JsonNode body = TestApi.body(r);
        assertThat(body.get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(body.get("message").asText()).contains("does not grant access to database '" + database + "'");
    }

    private static void assertUnauthorized(APIGatewayV2HTTPResponse r, String why) {
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(401);
        JsonNode body = TestApi.body(r);
        assertThat(body.get("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(body.get("message").asText()).contains(why);
    }

    private static Path file(String database) {
        return root.resolve("databases").resolve(database + ".db");
    }

    /** Each database file's SHA-256: any change to any byte shows. */
    private Map<String, String> files() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String db : DATABASES) {
            try {
                m.put(db, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(file(db)))));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }
}
