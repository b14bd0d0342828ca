package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.auth.Access;
import io.multidb.auth.Expiration;
import io.multidb.auth.FileSigningKey;
import io.multidb.auth.InMemoryTokenGenerations;
import io.multidb.auth.Scope;
import io.multidb.auth.TokenService;
import io.multidb.sql.SqlLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input against both planes, through the Lambda handler, with events shaped as API Gateway sends them.
 * Every case states the status it must get (and the error code: the HTTP body's {@code code}, or for SQL the
 * error result's code), and after every case: no 5xx and no exception out of the handler, the response is JSON
 * with an error message when it is not 200, no file outside the data root was created or changed (the test's
 * temporary tree around the root is snapshotted: paths, sizes, modification times), the data root holds only what
 * the store makes, files the hostile SQL aims at do not exist, no migration job was started, and the handler still
 * answers: the health route and a query on the fixture database, whose rows are intact.
 *
 * <p>The statement time limit is 500 ms here (10 s by default) so the never-ending queries end quickly.
 */
class HostileInputTest {
    static final Duration STATEMENT_TIME = Duration.ofMillis(500);
    static final SqlLimits LIMITS = new SqlLimits(1_000, 10_000, 100_000, 4L * 1024 * 1024, STATEMENT_TIME);

    @TempDir
    static Path base;
    static Path root;
    static Path outside;
    static TestApi api;
    /** Full-access token of child database tenant-a. */
    static String dbToken;
    /** Read-only token of standard database plain. */
    static String readOnlyToken;
    /** Token of group g1 (plain, tpl, tenant-a, tenant-b). */
    static String groupToken;
    /** Signed with this deployment's key, but for another organization. */
    static String otherOrgToken;
    /** Files hostile SQL tries to create: outside the test's tree (java.io.tmpdir) and relative to the cwd. */
    static final String TAG = UUID.randomUUID().toString().substring(0, 8);
    static final Path TMP_TARGET = Path.of(System.getProperty("java.io.tmpdir"), "multidb-hostile-" + TAG + ".db");
    static final Path REL_TARGET = Path.of("multidb-hostile-rel-" + TAG + ".db");
    static final int SENTINEL_ROWS = 3;

    @BeforeAll
    static void setUp() throws Exception {
        root = base.resolve("data");
        outside = base.resolve("outside");
        Files.createDirectories(outside.resolve("empty-dir"));
        // A database a tenant would love to reach, next to the data root.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + outside.resolve("victim.db"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE secrets(s TEXT)");
            s.execute("INSERT INTO secrets VALUES ('do not read')");
        }
        Files.writeString(outside.resolve("notes.txt"), "outside the data root\n");
        api = TestApi.create(root, LIMITS, Clock.systemUTC());
        api.group("g1");
        api.group("g2");
        api.database("plain", "g1");
        api.run("plain", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t(v) VALUES ('one'), ('two'), ('three')");
        api.schemaDatabase("tpl", "g1");
        api.run("tpl", TestApi.ADMIN, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t(v) VALUES ('seed')");
        api.child("tenant-a", "g1", "tpl");
        api.child("tenant-b", "g1", "tpl");
        api.database("other", "g2");
        dbToken = api.token("databases", "tenant-a", null, null);
        readOnlyToken = api.token("databases", "plain", null, "read-only");
        groupToken = api.token("groups", "g1", null, null);
        TokenService evil = new TokenService("evil", TestApi.ADMIN, FileSigningKey.open(root),
                new InMemoryTokenGenerations(), Duration.ofSeconds(5), Clock.systemUTC());
        otherOrgToken = evil.issue(Scope.DATABASE, "plain", Expiration.NEVER, Access.FULL_ACCESS);
    }

    /** Only if a case failed: what it made must not stay behind in /tmp or the working directory. */
    @AfterAll
    static void removeTargets() throws IOException {
        Files.deleteIfExists(TMP_TARGET);
        Files.deleteIfExists(REL_TARGET);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The cases

    /**
     * @param expect JSON pointer → text the response body must have there (the error code, mostly)
     */
    record Case(String category, String name, Supplier<APIGatewayV2HTTPEvent> event, int status,
                Map<String, String> expect) {
        @Override
        public String toString() {
            return category + ": " + name;
        }
    }

    private static final class Cases {
        final List<Case> list = new ArrayList<>();
        String category;

        Cases in(String category) {
            this.category = category;
            return this;
        }

        void add(String name, Supplier<ApiEvents.Builder> request, int status, String... pointerThenValue) {
            Map<String, String> expect = new LinkedHashMap<>();
            for (int i = 0; i < pointerThenValue.length; i += 2) {
                expect.put(pointerThenValue[i], pointerThenValue[i + 1]);
            }
            list.add(new Case(category, name, () -> request.get().build(), status, expect));
        }

        /** An HTTP-level refusal: the status and the body's code. */
        void refused(String name, Supplier<ApiEvents.Builder> request, int status) {
            add(name, request, status, "/code", CODES.get(status));
        }

        /** A pipeline on a database that answers 200 with the first result an error of this code ("ok": no error). */
        void sql(String name, String database, Supplier<String> token, String body, String code) {
            if (code.equals("ok")) {
                add(name, () -> TestApi.sql(database, token.get(), body), 200, "/results/0/type", "ok");
            } else {
                add(name, () -> TestApi.sql(database, token.get(), body), 200, "/results/0/error/code", code);
            }
        }
    }

    static final Map<Integer, String> CODES = Map.of(400, "INVALID_REQUEST", 401, "UNAUTHORIZED", 403, "FORBIDDEN",
            404, "NOT_FOUND", 405, "METHOD_NOT_ALLOWED", 409, "CONFLICT", 413, "PAYLOAD_TOO_LARGE",
            415, "UNSUPPORTED_MEDIA_TYPE");

    static List<Case> cases() {
        Cases c = new Cases();
        names(c);
        controlBodies(c);
        controlTypes(c);
        tokenParameters(c);
        httpShape(c);
        badTokens(c);
        protocolBodies(c);
        protocolTypes(c);
        protocolResults(c);
        hostileSql(c);
        return c.list;
    }

    // ---- names ----

    /** A name that must never pass: as JSON text (raw) and as the client would put it in a path (encoded). */
    record BadName(String label, String raw, String path) {
        BadName(String label, String raw) {
            this(label, raw, encode(raw));
        }
    }

    static List<BadName> badNames() {
        return List.of(
                new BadName("dot dot", ".."),
                new BadName("dot", "."),
                new BadName("dots inside", "a..b"),
                new BadName("traversal", "../outside/victim"),
                new BadName("deep traversal", "../../../../etc/passwd"),
                new BadName("slash", "a/b"),
                new BadName("encoded slash %2f", "a%2fb"),          // in the path: a%252fb
                new BadName("double-encoded slash %252f", "a%252fb"),
                new BadName("encoded dots", "%2e%2e"),
                new BadName("backslash", "a\\b"),
                new BadName("NUL", "tenant-a\u0000"),
                new BadName("only NUL", "\u0000"),
                new BadName("tab", "a\tb"),
                new BadName("newline", "tenant-a\n"),
                new BadName("Cyrillic a look-alike", "ten\u0430nt-a"),
                new BadName("fullwidth look-alike", "\uff54\uff45\uff4e\uff41\uff4e\uff54-a"),
                new BadName("Kelvin sign (lower-cases to k)", "\u212aey"),
                new BadName("zero-width space", "tenant\u200b-a"),
                new BadName("right-to-left override", "\u202ea-tnanet"),
                new BadName("combining accent", "tenant-a\u0301"),
                new BadName("emoji", "\ud83d\ude00"),
                new BadName("upper case", "TENANT-A"),
                new BadName("mixed case", "Tenant-a"),
                new BadName("64 characters", "a".repeat(64)),
                new BadName("1000 characters", "a".repeat(1000)),
                new BadName("64 Cyrillic characters", "\u0430".repeat(64)),
                new BadName("leading dash", "-tenant"),
                new BadName("underscore", "tenant_a"),
                new BadName("space", "tenant a"),
                new BadName("plus", "tenant+a"),
                new BadName("dot db", "tenant-a.db"),
                new BadName("quote", "a'b"),
                new BadName("semicolon", "a;b"),
                new BadName("percent", "a%b"),
                new BadName("SQL", "x'; DROP TABLE t; --"),
                new BadName("empty", ""));
    }

    private static void names(Cases c) {
        c.in("names");
        for (BadName b : badNames()) {
            String json = Json.MAPPER.createObjectNode().put("name", b.raw()).put("group", "g1").toString();
            String groupJson = Json.MAPPER.createObjectNode().put("name", b.raw()).put("location", "x").toString();
            boolean empty = b.raw().isEmpty();
            c.refused(b.label() + ": create database", () -> ApiEvents.post(TestApi.v1("databases")).bearer(TestApi.ADMIN)
                    .json(json), 400);
            c.refused(b.label() + ": create group", () -> ApiEvents.post(TestApi.v1("groups")).bearer(TestApi.ADMIN)
                    .json(groupJson), 400);
            c.refused(b.label() + ": get database", () -> ApiEvents.get(TestApi.v1("databases/" + b.path()))
                    .bearer(TestApi.ADMIN), 400);
            c.refused(b.label() + ": delete database", () -> ApiEvents.request("DELETE", TestApi.v1("databases/" + b.path()))
                    .bearer(TestApi.ADMIN), 400);
            c.refused(b.label() + ": get group", () -> ApiEvents.get(TestApi.v1("groups/" + b.path()))
                    .bearer(TestApi.ADMIN), 400);
            c.refused(b.label() + ": database token", () -> ApiEvents.post(TestApi.v1("databases/" + b.path() + "/auth/tokens"))
                    .bearer(TestApi.ADMIN), empty ? 404 : 400);
            c.refused(b.label() + ": group rotate", () -> ApiEvents.post(TestApi.v1("groups/" + b.path() + "/auth/rotate"))
                    .bearer(TestApi.ADMIN), empty ? 404 : 400);
            c.refused(b.label() + ": SQL with the admin token", () -> TestApi.sql(b.path(), TestApi.ADMIN,
                    TestApi.pipeline("SELECT count(*) FROM t")), empty ? 404 : 400);
            c.refused(b.label() + ": SQL with tenant-a's token", () -> TestApi.sql(b.path(), dbToken,
                    TestApi.pipeline("SELECT count(*) FROM t")), empty ? 404 : 403);
            c.refused(b.label() + ": SQL with g1's token", () -> TestApi.sql(b.path(), groupToken,
                    TestApi.pipeline("SELECT count(*) FROM t")), empty ? 404 : 403);
            c.refused(b.label() + ": jobs", () -> ApiEvents.get("/db/" + b.path() + "/v1/jobs").bearer(TestApi.ADMIN),
                    empty ? 404 : 400);
        }
        // Look-alikes written straight into the path, as a client that does not percent-encode would send them.
        for (String raw : List.of("ten\u0430nt-a", "\uff54\uff45\uff4e\uff41\uff4e\uff54-a", "TENANT-A", "tenant-a\u200b")) {
            c.refused("unencoded " + encode(raw) + " in the SQL path with tenant-a's token",
                    () -> TestApi.sql(raw, dbToken, TestApi.pipeline("SELECT 1")), 403);
            c.refused("unencoded " + encode(raw) + " in the SQL path with the admin token",
                    () -> TestApi.sql(raw, TestApi.ADMIN, TestApi.pipeline("SELECT 1")), 400);
        }
        // Encodings that decode to something else: malformed, overlong UTF-8, an encoded surrogate, dots.
        for (String path : List.of("a%zz", "a%", "%", "a%2", "%%2f", "%c0%af", "%ed%a0%80", "%2e%2e", "%2E",
                "..%2f..%2foutside%2fvictim", "tenant-a%00", "%74%65%6e%61%6e%74-a%2f", "tenant-a%2F..%2Ftenant-b")) {
            c.refused("path encoding " + path + " in the SQL path",
                    () -> TestApi.sql(path, TestApi.ADMIN, TestApi.pipeline("SELECT 1")), 400);
            c.refused("path encoding " + path + " in the control plane",
                    () -> ApiEvents.get(TestApi.v1("databases/" + path)).bearer(TestApi.ADMIN), 400);
        }
        // The longest valid name is fine; one more character is not (see "64 characters" above).
        c.refused("63 characters: a valid name of no database", () -> ApiEvents.get(TestApi.v1("databases/" + "a".repeat(63)))
                .bearer(TestApi.ADMIN), 404);
        // A query on the list filters is checked like a name, not used as a key.
        for (BadName b : badNames().subList(0, 12)) {
            c.refused(b.label() + ": list filter group=", () -> ApiEvents.get(TestApi.v1("databases")).bearer(TestApi.ADMIN)
                    .query("group", b.raw().isEmpty() ? "A" : b.raw()), 400);
            c.refused(b.label() + ": list filter schema=", () -> ApiEvents.get(TestApi.v1("databases")).bearer(TestApi.ADMIN)
                    .query("schema", b.raw().isEmpty() ? "A" : b.raw()), 400);
        }
        for (String type : List.of("SCHEMA", "logical", "schema ", "schema,schema", "sch\u0435ma")) {
            c.refused("list filter type=" + type, () -> ApiEvents.get(TestApi.v1("databases")).bearer(TestApi.ADMIN)
                    .query("type", type), 400);
        }
    }

    // ---- control plane bodies ----

    /** Bodies that are not one JSON value (or not JSON at all), each refused with 400. */
    static Map<String, Supplier<ApiEvents.Builder>> malformed(Supplier<ApiEvents.Builder> to) {
        Map<String, Supplier<ApiEvents.Builder>> m = new LinkedHashMap<>();
        for (String body : List.of("{", "}", "{\"name\":}", "[", "nul", "{\"name\":\"a\",}", "{} {}", "{\"name\":\"x\"}x",
                "{\"name\":\"a\",\"name\":\"b\"}", "{'name':'a'}", "{name:\"a\"}", "{\"name\":\"a\u0000\"}",
                "\u0000", "   ", "\n", "null", "[]", "\"text\"", "42", "true", "{\"name\":NaN}",
                "{\"name\":0x10}", "{\"name\":1" + "0".repeat(200) + "}", "{\"name\":\"\\uZZZZ\"}",
                "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", "[".repeat(10_000) + "]".repeat(10_000),
                "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000), "/* comment */ {}", "{\"name\":\"a\"} // c")) {
            m.put("body " + abbreviate(body), () -> to.get().json(body));
        }
        m.put("empty body with a JSON content type", () -> to.get().json(""));
        m.put("invalid UTF-8", () -> to.get().header("content-type", "application/json")
                .bytes(new byte[] {'{', '"', 'n', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'}));
        m.put("overlong UTF-8 encoding of '/'", () -> to.get().header("content-type", "application/json")
                .bytes(new byte[] {'{', '"', 'n', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'}));
        m.put("body not valid base64", () -> to.get().header("content-type", "application/json").base64Body("{not base64!}"));
        return m;
    }

    private static void controlBodies(Cases c) {
        c.in("control-plane bodies");
        Map<String, Supplier<ApiEvents.Builder>> endpoints = new LinkedHashMap<>();
        endpoints.put("POST groups", () -> ApiEvents.post(TestApi.v1("groups")).bearer(TestApi.ADMIN));
        endpoints.put("POST databases", () -> ApiEvents.post(TestApi.v1("databases")).bearer(TestApi.ADMIN));
        endpoints.put("POST migrations", () -> ApiEvents.post(TestApi.v1("databases/tpl/migrations")).bearer(TestApi.ADMIN));
        endpoints.forEach((endpoint, to) -> {
            malformed(to).forEach((name, request) -> c.refused(endpoint + ", " + name, request, 400));
            c.refused(endpoint + ", 64 KiB + 1 body", () -> to.get().json("{\"name\":\"" + "a".repeat(64 * 1024 - 10)
                    + "\"}"), 413);
            c.refused(endpoint + ", 1 MiB of whitespace", () -> to.get().json(" ".repeat(1 << 20)), 413);
            for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/json-patch+json", "application/jsonx", "json", "")) {
                c.refused(endpoint + ", content type '" + type + "'", () -> to.get().header("content-type", type)
                        .body("{\"name\":\"x\"}"), 415);
            }
            c.refused(endpoint + ", no content type", () -> to.get().body("{\"name\":\"x\"}"), 415);
        });
    }

    private static final Map<String, String> WRONG = wrongValues();

    private static Map<String, String> wrongValues() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("missing", null);
        m.put("null", "null");
        m.put("boolean", "true");
        m.put("integer", "1");
        m.put("float", "1.5");
        m.put("string", "\"x\"");
        m.put("array", "[\"x\"]");
        m.put("object", "{\"x\":1}");
        m.put("huge number", "1" + "0".repeat(90));
        return m;
    }

    /**
     * For each field, every JSON kind it does not accept: a body otherwise valid (a unique name each, so a wrongly
     * accepted one would answer 200 and fail the case) with that field replaced or removed.
     */
    private static void wrongTypes(Cases c, String what, Supplier<ApiEvents.Builder> to, String validBody,
                                   String field, List<String> accepted, int status) {
        WRONG.forEach((kind, value) -> {
            if (accepted.contains(kind)) {
                return;
            }
            c.add(what + "." + field + " " + kind, () -> to.get().json(withField(uniqueNames(validBody), "/" + field, value)),
                    status, "/code", CODES.get(status));
        });
    }

    private static String uniqueNames(String body) {
        return body.replace("UNIQUE", "h" + UUID.randomUUID().toString().substring(0, 12));
    }

    private static void controlTypes(Cases c) {
        c.in("control-plane field types");
        Supplier<ApiEvents.Builder> groups = () -> ApiEvents.post(TestApi.v1("groups")).bearer(TestApi.ADMIN);
        String group = "{\"name\":\"UNIQUE\",\"location\":\"eu-west-1\"}";
        wrongTypes(c, "group", groups, group, "name", List.of("string"), 400);
        wrongTypes(c, "group", groups, group, "location", List.of("string"), 400);
        for (String location : List.of("", "   ", "x".repeat(65))) {
            c.refused("group.location '" + abbreviate(location) + "'", () -> groups.get().json(
                    uniqueNames("{\"name\":\"UNIQUE\",\"location\":\"" + location + "\"}")), 400);
        }
        Supplier<ApiEvents.Builder> databases = () -> ApiEvents.post(TestApi.v1("databases")).bearer(TestApi.ADMIN);
        String database = "{\"name\":\"UNIQUE\",\"group\":\"g1\"}";
        wrongTypes(c, "database", databases, database, "name", List.of("string"), 400);
        wrongTypes(c, "database", databases, database, "group", List.of("string"), 400);
        wrongTypes(c, "database", databases, database, "is_schema", List.of("missing", "null", "boolean"), 400);
        wrongTypes(c, "database", databases, database, "schema", List.of("missing", "null", "string"), 400);
        for (String f : List.of("seed", "group_id", "size_limit", "remote_encryption", "use_tursodb")) {
            c.refused("database." + f + " (not supported)", () -> databases.get().json(
                    uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"g1\",\"" + f + "\":{}}")), 400);
        }
        c.refused("database in a group that does not exist", () -> databases.get().json(
                uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"nope\"}")), 404);
        c.refused("database with a group name that is a path", () -> databases.get().json(
                uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"../g1\"}")), 400);
        c.refused("child of a schema database named as a path", () -> databases.get().json(
                uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"g1\",\"schema\":\"../tpl\"}")), 400);
        c.refused("child of a database that is not a schema database", () -> databases.get().json(
                uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"g1\",\"schema\":\"plain\"}")), 400);
        c.refused("child of a schema database of another group", () -> databases.get().json(
                uniqueNames("{\"name\":\"UNIQUE\",\"group\":\"g2\",\"schema\":\"tpl\"}")), 400);
        c.refused("a database that exists", () -> databases.get().json("{\"name\":\"plain\",\"group\":\"g1\"}"), 409);

        // Every one of these fails before a migration job is made (the checks after each case see no job).
        Supplier<ApiEvents.Builder> migrations = () -> ApiEvents.post(TestApi.v1("databases/tpl/migrations"))
                .bearer(TestApi.ADMIN);
        String migration = "{\"sql\":\"CREATE TABLE UNIQUE(a)\"}";
        wrongTypes(c, "migration", migrations, migration, "sql", List.of("string"), 400);
        wrongTypes(c, "migration", migrations, migration, "max_concurrency", List.of("missing", "null", "integer"), 400);
        wrongTypes(c, "migration", migrations, migration, "wait", List.of("missing", "null", "integer"), 400);
        for (String mc : List.of("0", "-1", "41", "2147483648", "-2147483649")) {
            c.refused("migration.max_concurrency " + mc, () -> migrations.get().json(
                    uniqueNames("{\"sql\":\"CREATE TABLE UNIQUE(a)\",\"max_concurrency\":" + mc + "}")), 400);
        }
        for (String sql : List.of("", "   ", ";;;", "ATTACH '" + TMP_TARGET + "' AS x", "VACUUM INTO '" + TMP_TARGET + "'",
                "PRAGMA writable_schema=ON", "PRAGMA temp_store_directory='/tmp'", "DETACH main", "ROLLBACK",
                "BEGIN; BEGIN; CREATE TABLE x(a); COMMIT", "COMMIT", "CREATE TABLE x(a); ROLLBACK",
                "PRAGMA journal_mode=WAL", "VACUUM")) {
            c.refused("migration sql " + abbreviate(sql), () -> migrations.get().json(
                    Json.MAPPER.createObjectNode().put("sql", sql).toString()), 400);
        }
        c.refused("migration on a database that is not a schema database", () -> ApiEvents.post(
                TestApi.v1("databases/plain/migrations")).bearer(TestApi.ADMIN).json("{\"sql\":\"CREATE TABLE x(a)\"}"), 400);
        for (String id : List.of("..", "..%2F..%2Fetc", "%00", "x".repeat(300), "00000000-0000-0000-0000-000000000000")) {
            c.refused("migration job id " + abbreviate(id), () -> ApiEvents.get(TestApi.v1("databases/tpl/migrations/" + id))
                    .bearer(TestApi.ADMIN), 404);
            c.refused("abort migration job id " + abbreviate(id), () -> ApiEvents.post(
                    TestApi.v1("databases/tpl/migrations/" + id + "/abort")).bearer(TestApi.ADMIN), 404);
            c.refused("jobs endpoint, job id " + abbreviate(id), () -> ApiEvents.get("/db/tpl/v1/jobs/" + id)
                    .bearer(TestApi.ADMIN), 404);
        }
    }

    private static void tokenParameters(Cases c) {
        c.in("token parameters");
        for (String scope : List.of("databases/plain", "groups/g1")) {
            for (String e : List.of("0s", "0w0d", "-1d", "1y", "1M", "2w2w", "1d2w", "3651d", "9999999999w", "1.5h", " 1d",
                    "1d ", "1D", "NEVER", "never ", "1d\u0000", "\uff11d", "P1D", "1 d", "d", "1", "1d,2d", "\u0661d")) {
                c.refused(scope + " token, expiration '" + abbreviate(e) + "'", () -> ApiEvents.post(
                        TestApi.v1(scope + "/auth/tokens")).bearer(TestApi.ADMIN).query("expiration", e), 400);
            }
            for (String a : List.of("readonly", "READ-ONLY", "read_only", "full_access", "admin", "read-only ",
                    "full-access,read-only", "read-only\u0000", "r\u0435ad-only")) {
                c.refused(scope + " token, authorization '" + abbreviate(a) + "'", () -> ApiEvents.post(
                        TestApi.v1(scope + "/auth/tokens")).bearer(TestApi.ADMIN).query("authorization", a), 400);
            }
        }
        c.refused("token for a database that does not exist", () -> ApiEvents.post(TestApi.v1("databases/nope/auth/tokens"))
                .bearer(TestApi.ADMIN), 404);
        c.refused("token for a group that does not exist", () -> ApiEvents.post(TestApi.v1("groups/nope/auth/tokens"))
                .bearer(TestApi.ADMIN), 404);
        c.refused("rotate a database that does not exist", () -> ApiEvents.post(TestApi.v1("databases/nope/auth/rotate"))
                .bearer(TestApi.ADMIN), 404);
        c.refused("GET a token", () -> ApiEvents.get(TestApi.v1("databases/plain/auth/tokens")).bearer(TestApi.ADMIN), 405);
        c.refused("DELETE rotate", () -> ApiEvents.request("DELETE", TestApi.v1("groups/g1/auth/rotate"))
                .bearer(TestApi.ADMIN), 405);
        c.refused("unknown auth operation", () -> ApiEvents.post(TestApi.v1("databases/plain/auth/admin"))
                .bearer(TestApi.ADMIN), 404);
        // Routes that read no body still hold to the control plane's body limit.
        c.refused("token request with a 1 MiB body", () -> ApiEvents.post(TestApi.v1("databases/plain/auth/tokens"))
                .bearer(TestApi.ADMIN).json("{\"permissions\":\"" + "x".repeat(1 << 20) + "\"}"), 413);
        c.refused("rotate request with a 1 MiB body", () -> ApiEvents.post(TestApi.v1("groups/g2/auth/rotate"))
                .bearer(TestApi.ADMIN).json("{\"x\":\"" + "x".repeat(1 << 20) + "\"}"), 413);
        c.refused("GET with a 1 MiB body", () -> ApiEvents.get(TestApi.v1("groups"))
                .bearer(TestApi.ADMIN).json("{\"x\":\"" + "x".repeat(1 << 20) + "\"}"), 413);
    }

    // ---- HTTP shape ----

    private static void httpShape(Cases c) {
        c.in("http");
        String pipeline = TestApi.pipeline("SELECT 1");
        for (String m : List.of("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO", "GET\u0000")) {
            c.refused(m + " on the pipeline", () -> ApiEvents.request(m, "/db/plain/v2/pipeline").bearer(TestApi.ADMIN)
                    .json(pipeline), 405);
        }
        c.add("lower-case post on the pipeline (methods are case-insensitive here)",
                () -> ApiEvents.request("post", "/db/plain/v2/pipeline").bearer(TestApi.ADMIN).json(pipeline),
                200, "/results/0/type", "ok");
        c.refused("no method at all", () -> ApiEvents.request(null, "/db/plain/v2/pipeline").bearer(TestApi.ADMIN)
                .json(pipeline), 400);
        for (String[] mr : new String[][] {{"PUT", "groups"}, {"DELETE", "groups"}, {"PATCH", "databases"},
                {"PUT", "databases/plain"}, {"POST", "databases/plain"}, {"POST", "groups/g1"}, {"PUT", "databases/tpl/migrations"},
                {"DELETE", "databases/tpl/migrations/unlock"}}) {
            c.refused(mr[0] + " " + mr[1], () -> ApiEvents.request(mr[0], TestApi.v1(mr[1])).bearer(TestApi.ADMIN), 405);
        }
        c.refused("POST on the jobs endpoint", () -> ApiEvents.post("/db/tpl/v1/jobs").bearer(TestApi.ADMIN), 405);
        c.refused("POST on the version probe", () -> ApiEvents.post("/db/plain/v2").bearer(TestApi.ADMIN).json(pipeline),
                405);
        for (String path : List.of("/db/plain/v3/pipeline", "/db/plain/v2/pipeline/x", "/db/plain/v3", "/db/plain",
                "/db/plain/", "/db", "/db/", "/db/plain/v2/PIPELINE", "/db/plain/v2/execute",
                "/DB/plain/v2/pipeline", "/v2/whatever", "/", "", "//", "///", "/health/x", "/HEALTH", "/%2e%2e/health",
                "/db/plain/v2/pipeline/..", "/db/plain/v2/pipeline%2f..", "/db/v2/pipeline", "/db//v2/pipeline")) {
            c.refused("route " + abbreviate(path), () -> ApiEvents.post(path).bearer(TestApi.ADMIN).json(pipeline), 404);
        }
        for (String path : List.of("/v1", "/v1/organizations", "/v1/organizations/acme", "/v1/organizations/acme/",
                "/v1/organizations/acme/users", "/v1/organizations/acme/databases/plain/auth",
                "/v1/organizations/acme/databases/plain/x/y/z", "/v1/organizations/other/groups",
                "/v1/organizations/ACME/groups", "/v1/organizations/..%2Facme/groups", "/v1/organizations/acme%00/groups",
                "/v1/orgs/acme/groups", "/db/tpl/v1/jobs/a/b", "/db/tpl/v1/jobs/")) {
            c.refused("route " + abbreviate(path), () -> ApiEvents.get(path).bearer(TestApi.ADMIN), 404);
        }
        c.add("a Host header with control characters is only echoed, JSON-escaped",
                () -> ApiEvents.get(TestApi.v1("databases/plain")).bearer(TestApi.ADMIN)
                        .header("host", "evil.example/../\r\nx-injected: 1").header("x-forwarded-proto", "javascript"),
                200, "/database/Name", "plain");
        c.refused("a pipeline body in base64 that is not base64", () -> TestApi.sql("plain", TestApi.ADMIN, "x")
                .base64Body("%%%"), 400);
    }

    // ---- tokens ----

    private static void badTokens(Cases c) {
        c.in("bad tokens");
        Map<String, Supplier<String>> headers = new LinkedHashMap<>();
        headers.put("no Authorization header", () -> null);
        headers.put("empty Authorization header", () -> "");
        headers.put("'Bearer' alone", () -> "Bearer");
        headers.put("'Bearer ' and spaces", () -> "Bearer    ");
        headers.put("the admin token without a scheme", () -> TestApi.ADMIN);
        headers.put("Basic scheme", () -> "Basic " + Base64.getEncoder().encodeToString(("x:" + TestApi.ADMIN).getBytes()));
        headers.put("admin token with a tab for the space", () -> "Bearer\t" + TestApi.ADMIN);
        headers.put("admin token with a suffix", () -> "Bearer " + TestApi.ADMIN + "x");
        headers.put("admin token with a prefix", () -> "Bearer x" + TestApi.ADMIN);
        headers.put("admin token cut short", () -> "Bearer " + TestApi.ADMIN.substring(0, TestApi.ADMIN.length() - 1));
        headers.put("admin token in upper case", () -> "Bearer " + TestApi.ADMIN.toUpperCase());
        headers.put("two tokens, as a repeated header is joined", () -> "Bearer " + TestApi.ADMIN + ",Bearer " + TestApi.ADMIN);
        headers.put("admin token with a NUL inside", () -> "Bearer " + TestApi.ADMIN.substring(0, 5) + "\u0000"
                + TestApi.ADMIN.substring(5));
        headers.put("a 100 KB token", () -> "Bearer " + "a".repeat(100_000));
        headers.put("a 3 KB token of JWT shape", () -> "Bearer " + "a".repeat(1000) + "." + "b".repeat(1000) + "." + "c".repeat(1000));
        headers.put("three dots", () -> "Bearer ...");
        headers.put("alg none", () -> "Bearer " + reheader(dbToken, "{\"alg\":\"none\",\"typ\":\"JWT\"}", false));
        headers.put("alg HS512 claimed on an HS256 MAC", () -> "Bearer " + reheader(dbToken, "{\"alg\":\"HS512\",\"kid\":\""
                + kid(dbToken) + "\"}", true));
        headers.put("unknown kid", () -> "Bearer " + reheader(dbToken, "{\"alg\":\"HS256\",\"kid\":\"nope\"}", true));
        headers.put("no kid", () -> "Bearer " + reheader(dbToken, "{\"alg\":\"HS256\"}", true));
        headers.put("signature removed", () -> "Bearer " + dbToken.substring(0, dbToken.lastIndexOf('.') + 1));
        headers.put("claims changed to another database, signature kept", () -> "Bearer " + reclaim(dbToken, "tenant-a", "plain"));
        headers.put("claims changed to full access, signature kept", () -> "Bearer " + reclaim(readOnlyToken, "read-only", "full-access"));
        headers.put("another organization's token signed with this key", () -> "Bearer " + otherOrgToken);
        headers.put("signature of another token", () -> "Bearer " + dbToken.substring(0, dbToken.lastIndexOf('.'))
                + groupToken.substring(groupToken.lastIndexOf('.')));
        headers.forEach((name, header) -> {
            c.refused("SQL, " + name, () -> {
                ApiEvents.Builder b = ApiEvents.post("/db/plain/v2/pipeline").json(TestApi.pipeline("SELECT count(*) FROM t"));
                String h = header.get();
                return h == null ? b : b.header("authorization", h);
            }, 401);
            c.refused("control plane, " + name, () -> {
                ApiEvents.Builder b = ApiEvents.get(TestApi.v1("groups"));
                String h = header.get();
                return h == null ? b : b.header("authorization", h);
            }, 401);
        });
        c.add("'bearer' in lower case is accepted (schemes are case-insensitive)",
                () -> ApiEvents.post("/db/plain/v2/pipeline").header("authorization", "bearer " + TestApi.ADMIN)
                        .json(TestApi.pipeline("SELECT count(*) FROM t")), 200, "/results/0/type", "ok");
    }

    /** The token with its header replaced; its signature kept (or, with {@code keepSignature} false, dropped). */
    private static String reheader(String jwt, String header, boolean keepSignature) {
        String[] p = jwt.split("\\.");
        return b64(header) + "." + p[1] + "." + (keepSignature ? p[2] : "");
    }

    private static String reclaim(String jwt, String from, String to) {
        String[] p = jwt.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"" + from + "\"");
        return p[0] + "." + b64(claims.replace("\"" + from + "\"", "\"" + to + "\"")) + "." + p[2];
    }

    private static String kid(String jwt) {
        String header = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8);
        return Json.parse(header.getBytes(StandardCharsets.UTF_8)).get("kid").asText();
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    // ---- data plane: bodies and protocol messages ----

    private static Supplier<ApiEvents.Builder> pipelineOn(String database) {
        return () -> ApiEvents.post("/db/" + database + "/v2/pipeline").bearer(TestApi.ADMIN);
    }

    private static void protocolBodies(Cases c) {
        c.in("data-plane bodies");
        malformed(pipelineOn("plain")).forEach((name, request) -> c.refused(name, request, 400));
        for (String body : List.of("{}", "{\"requests\":null}", "{\"requests\":{}}", "{\"requests\":\"execute\"}",
                "{\"requests\":1}", "{\"Requests\":[]}", "{\"requests\":[[]]}")) {
            c.refused("body " + body, () -> pipelineOn("plain").get().json(body), 400);
        }
        c.refused("5 MiB + 1 body", () -> pipelineOn("plain").get().json(bodyOfSize(5 * 1024 * 1024 + 1)), 413);
        c.refused("5 MiB + 1 body to the jobs endpoint, which reads no body", () -> ApiEvents.get("/db/tpl/v1/jobs")
                .bearer(TestApi.ADMIN).json(bodyOfSize(5 * 1024 * 1024 + 1)), 413);
        c.refused("6 MiB body to a database of another group, with tenant-a's token: refused before it is read",
                () -> TestApi.sql("other", dbToken, bodyOfSize(6 * 1024 * 1024)), 403);
        c.add("a body just under 5 MiB is read", () -> pipelineOn("plain").get().json(bodyOfSize(5 * 1024 * 1024 - 64)),
                200, "/results/0/type", "ok");
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/octet-stream",
                "application/jsonx", "")) {
            c.refused("content type '" + type + "'", () -> pipelineOn("plain").get().header("content-type", type)
                    .body(TestApi.pipeline("SELECT 1")), 415);
        }
        c.refused("no content type", () -> pipelineOn("plain").get().body(TestApi.pipeline("SELECT 1")), 415);
        c.add("content type with parameters", () -> pipelineOn("plain").get()
                .header("content-type", "application/json; charset=utf-8").body(TestApi.pipeline("SELECT 1")),
                200, "/results/0/type", "ok");
        c.refused("1001 requests", () -> pipelineOn("plain").get().json(requests(1001, "{\"type\":\"close_sql\",\"sql_id\":1}")), 400);
        c.add("baton (a stream from an earlier request)", () -> pipelineOn("plain").get().json(
                "{\"baton\":\"b\",\"requests\":[]}"), 400, "/code", "STREAM_NOT_SUPPORTED");
        c.add("a transaction left open without close", () -> pipelineOn("plain").get().json(
                "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"BEGIN\"}},"
                        + "{\"type\":\"execute\",\"stmt\":{\"sql\":\"DELETE FROM t\"}}]}"),
                400, "/code", "STREAM_NOT_SUPPORTED");
        c.add("10 000 arguments to a statement without parameters", () -> pipelineOn("plain").get().json(
                executeWith("SELECT 1", "\"args\":[" + String.join(",", java.util.Collections.nCopies(10_000,
                        "{\"type\":\"null\"}")) + "]")), 200, "/results/0/error/code", "ARGS_INVALID");
        c.add("100 000 named arguments", () -> pipelineOn("plain").get().json(
                executeWith("SELECT :a", "\"named_args\":[" + Stream.iterate(0, i -> i + 1).limit(100_000)
                        .map(i -> "{\"name\":\":a" + i + "\",\"value\":{\"type\":\"null\"}}").collect(Collectors.joining(","))
                        + "]")), 200, "/results/0/error/code", "ARGS_INVALID");
        c.add("a 4 MiB blob returned is over the result limit", () -> pipelineOn("plain").get().json(
                executeWith("SELECT ?", "\"args\":[{\"type\":\"blob\",\"base64\":\""
                        + Base64.getEncoder().encodeToString(new byte[3 * 1024 * 1024 + 512 * 1024]) + "\"}]")),
                200, "/results/0/error/code", "LIMIT_EXCEEDED");
        c.add("10 001 batch steps (over the statement limit)", () -> pipelineOn("plain").get().json(
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[" + String.join(",", java.util.Collections.nCopies(10_001,
                        "{\"stmt\":{\"sql\":\"SELECT 1\"}}")) + "]}}]}"), 200, "/results/0/error/code", "LIMIT_EXCEEDED");
        c.add("a sequence of 10 001 statements", () -> pipelineOn("plain").get().json(
                Json.MAPPER.createObjectNode().set("requests", Json.MAPPER.createArrayNode().add(Json.object()
                        .put("type", "sequence").put("sql", "SELECT 1;".repeat(10_001)))).toString()),
                200, "/results/0/error/code", "LIMIT_EXCEEDED");
        c.add("conditions nested 55 deep (the JSON depth limit is 64)", () -> pipelineOn("plain").get().json(
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"SELECT 1\"}},"
                        + "{\"condition\":" + "{\"type\":\"not\",\"cond\":".repeat(55) + "{\"type\":\"ok\",\"step\":0}"
                        + "}".repeat(55) + ",\"stmt\":{\"sql\":\"SELECT 2\"}}]}}]}"),
                200, "/results/0/type", "ok");
        c.refused("conditions nested 10 000 deep", () -> pipelineOn("plain").get().json(
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"SELECT 1\"}},"
                        + "{\"condition\":" + "{\"type\":\"not\",\"cond\":".repeat(10_000) + "{\"type\":\"ok\",\"step\":0}"
                        + "}".repeat(10_000) + ",\"stmt\":{\"sql\":\"SELECT 2\"}}]}}]}"), 400);
        c.refused("an argument nested 10 000 deep", () -> pipelineOn("plain").get().json(
                executeWith("SELECT ?", "\"args\":[" + "{\"type\":\"text\",\"value\":".repeat(10_000) + "\"x\""
                        + "}".repeat(10_000) + "]")), 400);
    }

    /** A valid pipeline of exactly {@code size} bytes: SELECT length(?) of one long text argument. */
    static String bodyOfSize(int size) {
        String prefix = "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT length(?)\",\"args\":[{\"type\":\"text\",\"value\":\"";
        String suffix = "\"}]}}]}";
        return prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix;
    }

    private static String requests(int n, String request) {
        return "{\"requests\":[" + String.join(",", java.util.Collections.nCopies(n, request)) + "]}";
    }

    private static String executeWith(String sql, String fields) {
        return "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":" + Json.MAPPER.getNodeFactory().textNode(sql)
                + "," + fields + "}}]}";
    }

    private static void protocolTypes(Cases c) {
        c.in("data-plane field types");
        String execute = "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT ?\",\"args\":[{\"type\":\"integer\",\"value\":\"1\"}],"
                + "\"want_rows\":true}},{\"type\":\"close\"}]}";
        String named = "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT :n\","
                + "\"named_args\":[{\"name\":\":n\",\"value\":{\"type\":\"text\",\"value\":\"x\"}}]}}]}";
        String byId = "{\"requests\":[{\"type\":\"store_sql\",\"sql_id\":1,\"sql\":\"SELECT 1\"},"
                + "{\"type\":\"execute\",\"stmt\":{\"sql_id\":1}},{\"type\":\"close_sql\",\"sql_id\":1},"
                + "{\"type\":\"sequence\",\"sql\":\"SELECT 1; SELECT 2\"}]}";
        String batch = "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"SELECT 1\"}},"
                + "{\"condition\":{\"type\":\"ok\",\"step\":0},\"stmt\":{\"sql\":\"SELECT 2\"}},"
                + "{\"condition\":{\"type\":\"not\",\"cond\":{\"type\":\"error\",\"step\":0}},\"stmt\":{\"sql\":\"SELECT 3\"}},"
                + "{\"condition\":{\"type\":\"and\",\"conds\":[{\"type\":\"ok\",\"step\":1}]},\"stmt\":{\"sql\":\"SELECT 4\"}}]}}]}";
        List<String> none = List.of();
        List<String> optional = List.of("missing", "null");
        // The valid bodies pass, so the cases below fail for the field they change and nothing else.
        for (String valid : List.of(execute, named, byId, batch)) {
            c.add("valid body " + abbreviate(valid), () -> pipelineOn("plain").get().json(valid), 200,
                    "/results/0/type", "ok");
        }
        c.add("valid batch runs every step", () -> pipelineOn("plain").get().json(batch), 200,
                "/results/0/response/result/step_results/3/rows/0/0/value", "4");
        fields(c, execute, "/requests", none);
        // Accepted: what answers 200 (a wrong string of the right type is an error result, not a 400).
        fields(c, execute, "/baton", List.of("missing", "null", "string"));
        fields(c, execute, "/requests/0", List.of("missing"));
        fields(c, execute, "/requests/0/type", none);
        fields(c, execute, "/requests/0/stmt", none);
        fields(c, execute, "/requests/0/stmt/sql", List.of("string"));
        fields(c, execute, "/requests/0/stmt/args", optional);
        fields(c, execute, "/requests/0/stmt/args/0", List.of("missing"));
        fields(c, execute, "/requests/0/stmt/args/0/type", none);
        fields(c, execute, "/requests/0/stmt/args/0/value", List.of("integer"));
        fields(c, execute, "/requests/0/stmt/want_rows", List.of("missing", "null", "boolean"));
        fields(c, execute, "/requests/1/type", none);
        fields(c, named, "/requests/0/stmt/named_args", optional);
        fields(c, named, "/requests/0/stmt/named_args/0", List.of("missing"));
        fields(c, named, "/requests/0/stmt/named_args/0/name", List.of("string"));
        fields(c, named, "/requests/0/stmt/named_args/0/value", none);
        fields(c, byId, "/requests/0/sql_id", List.of("integer"));
        fields(c, byId, "/requests/0/sql", List.of("string"));
        fields(c, byId, "/requests/1/stmt/sql_id", List.of("integer"));
        fields(c, byId, "/requests/2/sql_id", List.of("integer"));
        fields(c, byId, "/requests/3/sql", List.of("string"));
        fields(c, batch, "/requests/0/batch", none);
        fields(c, batch, "/requests/0/batch/steps", none);
        fields(c, batch, "/requests/0/batch/steps/0", none);
        fields(c, batch, "/requests/0/batch/steps/0/stmt", none);
        fields(c, batch, "/requests/0/batch/steps/1/condition", optional);
        fields(c, batch, "/requests/0/batch/steps/1/condition/type", none);
        fields(c, batch, "/requests/0/batch/steps/1/condition/step", none);
        fields(c, batch, "/requests/0/batch/steps/2/condition/cond", none);
        fields(c, batch, "/requests/0/batch/steps/3/condition/conds", none);
        fields(c, batch, "/requests/0/batch/steps/3/condition/conds/0", List.of("missing"));

        // Values of the right JSON type that are still not what the protocol allows.
        Map<String, String> values = new LinkedHashMap<>();
        values.put("request type EXECUTE", "/requests/0/type=\"EXECUTE\"");
        values.put("request type 'execute '", "/requests/0/type=\"execute \"");
        values.put("request type empty", "/requests/0/type=\"\"");
        values.put("request type open_stream (Hrana over WebSocket)", "/requests/0/type=\"open_stream\"");
        values.put("request type NUL", "/requests/0/type=\"\\u0000\"");
        values.put("close first", "/requests/0={\"type\":\"close\"}");
        values.put("both sql and sql_id", "/requests/0/stmt/sql_id=1");
        values.put("value type bool", "/requests/0/stmt/args/0/type=\"bool\"");
        values.put("value type Integer", "/requests/0/stmt/args/0/type=\"Integer\"");
        for (String v : List.of("\"1.5\"", "\"\"", "\"-\"", "\" 1\"", "\"1 \"", "\"0x10\"", "\"1e3\"", "\"+1\"",
                "\"\\uff11\"", "\"\\u0661\"", "\"9223372036854775808\"", "\"-9223372036854775809\"",
                "\"99999999999999999999\"", "9223372036854775808", "1.5", "1e3")) {
            values.put("integer value " + v, "/requests/0/stmt/args/0/value=" + v);
        }
        values.forEach((name, change) -> {
            int eq = change.indexOf('=');
            c.refused(name, () -> pipelineOn("plain").get().json(withField(execute, change.substring(0, eq),
                    change.substring(eq + 1))), 400);
        });
        Map<String, String> args = new LinkedHashMap<>();
        args.put("float as a string", "{\"type\":\"float\",\"value\":\"1.5\"}");
        args.put("float without value", "{\"type\":\"float\"}");
        args.put("float NaN as a string", "{\"type\":\"float\",\"value\":\"NaN\"}");
        args.put("text as a number", "{\"type\":\"text\",\"value\":1}");
        args.put("text without value", "{\"type\":\"text\"}");
        args.put("text as an array", "{\"type\":\"text\",\"value\":[\"a\"]}");
        args.put("blob as a number", "{\"type\":\"blob\",\"base64\":1}");
        args.put("blob without base64", "{\"type\":\"blob\"}");
        args.put("blob in value", "{\"type\":\"blob\",\"value\":\"AAAA\"}");
        args.put("blob with bad characters", "{\"type\":\"blob\",\"base64\":\"!!!!\"}");
        args.put("blob with a bad length", "{\"type\":\"blob\",\"base64\":\"a\"}");
        args.put("blob in base64url", "{\"type\":\"blob\",\"base64\":\"_-_-\"}");
        args.put("blob with whitespace", "{\"type\":\"blob\",\"base64\":\"AA AA\"}");
        args.put("integer without value", "{\"type\":\"integer\"}");
        args.put("type missing", "{\"value\":\"1\"}");
        args.forEach((name, arg) -> c.refused("argument: " + name, () -> pipelineOn("plain").get().json(
                executeWith("SELECT ?", "\"args\":[" + arg + "]")), 400));
        Map<String, String> conditions = new LinkedHashMap<>();
        conditions.put("unknown type", "{\"type\":\"maybe\",\"step\":0}");
        conditions.put("type OK", "{\"type\":\"OK\",\"step\":0}");
        conditions.put("refers to itself", "{\"type\":\"ok\",\"step\":1}");
        conditions.put("refers forward", "{\"type\":\"ok\",\"step\":5}");
        conditions.put("negative step", "{\"type\":\"ok\",\"step\":-1}");
        conditions.put("step as a string", "{\"type\":\"ok\",\"step\":\"0\"}");
        conditions.put("step 2^31", "{\"type\":\"ok\",\"step\":2147483648}");
        conditions.put("step 0.5", "{\"type\":\"ok\",\"step\":0.5}");
        conditions.put("not without cond", "{\"type\":\"not\"}");
        conditions.put("and without conds", "{\"type\":\"and\"}");
        conditions.put("or with a bad member", "{\"type\":\"or\",\"conds\":[{\"type\":\"ok\",\"step\":0},7]}");
        conditions.forEach((name, cond) -> c.refused("batch condition: " + name, () -> pipelineOn("plain").get().json(
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"SELECT 1\"}},"
                        + "{\"condition\":" + cond + ",\"stmt\":{\"sql\":\"SELECT 2\"}}]}}]}"), 400));
    }

    /** Every JSON kind the field does not accept (absence included) → 400 INVALID_REQUEST, nothing run. */
    private static void fields(Cases c, String validBody, String pointer, List<String> accepted) {
        WRONG.forEach((kind, value) -> {
            if (accepted.contains(kind)) {
                return;
            }
            c.refused(pointer + " " + kind, () -> pipelineOn("plain").get().json(withField(validBody, pointer, value)), 400);
        });
    }

    private static void protocolResults(Cases c) {
        c.in("data-plane error results");
        Supplier<String> admin = () -> TestApi.ADMIN;
        c.sql("describe (Hrana 2)", "plain", admin, "{\"requests\":[{\"type\":\"describe\",\"sql\":\"SELECT 1\"}]}", "ok");
        c.sql("describe of an ATTACH", "plain", admin,
                "{\"requests\":[{\"type\":\"describe\",\"sql\":\"ATTACH 'x' AS x\"}]}", "STATEMENT_NOT_ALLOWED");
        c.sql("describe of a refused pragma", "plain", admin,
                "{\"requests\":[{\"type\":\"describe\",\"sql\":\"PRAGMA writable_schema=1\"}]}", "STATEMENT_NOT_ALLOWED");
        c.sql("get_autocommit (Hrana 3)", "plain", admin, "{\"requests\":[{\"type\":\"get_autocommit\"}]}", "NOT_SUPPORTED");
        c.sql("is_autocommit condition (Hrana 3)", "plain", admin, "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":"
                + "[{\"condition\":{\"type\":\"is_autocommit\"},\"stmt\":{\"sql\":\"SELECT 1\"}}]}}]}", "NOT_SUPPORTED");
        for (String empty : List.of("", " ", ";", ";;", "-- only a comment", "/* only a comment */", "\u0000")) {
            c.sql("no statement in " + abbreviate(empty), "plain", admin, TestApi.pipeline(empty), "SQL_NO_STATEMENT");
        }
        c.sql("two statements in an execute", "plain", admin, TestApi.pipeline("SELECT 1; SELECT 2"), "SQL_MANY_STATEMENTS");
        c.sql("an execute hiding an ATTACH after a SELECT", "plain", admin,
                TestApi.pipeline("SELECT 1; ATTACH '" + TMP_TARGET + "' AS x"), "SQL_MANY_STATEMENTS");
        c.sql("too many arguments", "plain", admin, executeWith("SELECT ?", "\"args\":[{\"type\":\"null\"},{\"type\":\"null\"}]"),
                "ARGS_INVALID");
        c.sql("a named argument the statement lacks", "plain", admin, executeWith("SELECT :a",
                "\"named_args\":[{\"name\":\":zz\",\"value\":{\"type\":\"null\"}}]"), "ARGS_INVALID");
        c.sql("a named argument named NUL", "plain", admin, executeWith("SELECT :a",
                "\"named_args\":[{\"name\":\"\\u0000\",\"value\":{\"type\":\"null\"}}]"), "ARGS_INVALID");
        c.sql("both kinds of arguments", "plain", admin, executeWith("SELECT ?, :a", "\"args\":[{\"type\":\"null\"}],"
                + "\"named_args\":[{\"name\":\":a\",\"value\":{\"type\":\"null\"}}]"), "ARGS_BOTH_POSITIONAL_AND_NAMED");
        c.sql("sql_id never stored", "plain", admin, "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql_id\":7}}]}", "SQL_NOT_FOUND");
        c.add("sql_id stored twice", () -> TestApi.sql("plain", TestApi.ADMIN, "{\"requests\":[{\"type\":\"store_sql\","
                + "\"sql_id\":1,\"sql\":\"SELECT 1\"},{\"type\":\"store_sql\",\"sql_id\":1,\"sql\":\"SELECT 2\"}]}"),
                200, "/results/1/error/code", "SQL_EXISTS");
    }

    // ---- hostile SQL ----

    private static void hostileSql(Cases c) {
        c.in("hostile SQL");
        Supplier<String> admin = () -> TestApi.ADMIN;
        String victim = outside.resolve("victim.db").toString();
        Map<String, String> refused = new LinkedHashMap<>();
        // Other files: ATTACH, VACUUM INTO.
        for (String sql : List.of("ATTACH '" + victim + "' AS v", "attach database '" + victim + "' as v",
                "/* hi */ ATTACH '" + TMP_TARGET + "' AS x", "ATTACH ':memory:' AS m", "ATTACH '' AS e",
                "ATTACH 'file:" + outside.resolve("new.db") + "?mode=rwc' AS n", "ATTACH '" + REL_TARGET + "' AS r",
                "ATTACH 'file:" + REL_TARGET + "?vfs=unix-none' AS r", "EXPLAIN ATTACH '" + victim + "' AS v",
                "DETACH main", "DETACH temp", "VACUUM INTO '" + outside.resolve("copy.db") + "'",
                "vacuum into '" + TMP_TARGET + "'", "VACUUM main INTO '" + REL_TARGET + "'",
                "VACUUM 'main' INTO 'file:" + outside.resolve("copy2.db") + "'", "VACUUM temp INTO '" + TMP_TARGET + "'",
                "EXPLAIN VACUUM INTO '" + TMP_TARGET + "'")) {
            refused.put(sql, "STATEMENT_NOT_ALLOWED");
        }
        // Native code.
        for (String sql : List.of("SELECT load_extension('" + outside.resolve("evil.so") + "')",
                "SELECT LOAD_EXTENSION('x', 'y')", "SELECT \"load_extension\"('x')", "SELECT [load_extension]('x')",
                "SELECT `load_extension`('x')", "SELECT load_extension/**/('x')", "SELECT load_extension ('x')",
                "SELECT * FROM t WHERE load_extension('x') IS NULL", "SELECT fts3_tokenizer('simple')",
                "SELECT fts3_tokenizer('evil', x'0000000000000000')", "CREATE VIEW hv AS SELECT load_extension('x')",
                "CREATE TRIGGER ht AFTER INSERT ON t BEGIN SELECT load_extension('x'); END")) {
            refused.put(sql, "STATEMENT_NOT_ALLOWED");
        }
        // Pragmas that touch files or the connection.
        for (String sql : List.of("PRAGMA writable_schema=ON", "PRAGMA writable_schema = 1", "PRAGMA main.writable_schema=ON",
                "PRAGMA \"writable_schema\"=1", "pragma WRITABLE_SCHEMA", "PRAGMA writable_schema=RESET",
                "EXPLAIN PRAGMA writable_schema=1", "PRAGMA temp_store_directory='" + outside + "'",
                "PRAGMA temp_store_directory", "PRAGMA data_store_directory='" + outside + "'", "PRAGMA journal_mode=WAL",
                "PRAGMA journal_mode=OFF", "PRAGMA main.journal_mode=MEMORY", "PRAGMA journal_mode", "PRAGMA query_only=0",
                "PRAGMA trusted_schema=ON", "PRAGMA synchronous=OFF", "PRAGMA locking_mode=EXCLUSIVE",
                "PRAGMA mmap_size=1073741824", "PRAGMA cache_size=-2000000", "PRAGMA max_page_count=1",
                "PRAGMA page_size=512", "PRAGMA schema_version=1", "PRAGMA application_id=7", "PRAGMA encoding='UTF-16'",
                "PRAGMA hard_heap_limit=1", "PRAGMA soft_heap_limit=1", "PRAGMA threads=8", "PRAGMA secure_delete=ON",
                "PRAGMA key='x'", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA database_list", "PRAGMA busy_timeout=0",
                "PRAGMA auto_vacuum=FULL", "PRAGMA incremental_vacuum", "PRAGMA shrink_memory",
                "PRAGMA case_sensitive_like=1", "PRAGMA ignore_check_constraints=1", "PRAGMA cell_size_check=ON",
                "PRAGMA temp_store=MEMORY", "PRAGMA journal_size_limit=0", "PRAGMA a_future_pragma=1",
                "SELECT * FROM pragma_database_list", "SELECT * FROM 'pragma_database_list'",
                "SELECT * FROM main.pragma_journal_mode", "SELECT * FROM pragma_temp_store_directory",
                "CREATE VIEW hv2 AS SELECT * FROM pragma_database_list",
                "WITH x AS (SELECT * FROM \"pragma_database_list\") SELECT * FROM x")) {
            refused.put(sql, "STATEMENT_NOT_ALLOWED");
        }
        refused.forEach((sql, code) -> c.sql(abbreviate(sql), "plain", admin, TestApi.pipeline(sql), code));

        // Bound parameters cannot smuggle a file name past the sandbox.
        c.sql("VACUUM INTO ?", "plain", admin, executeWith("VACUUM INTO ?",
                "\"args\":[{\"type\":\"text\",\"value\":\"" + TMP_TARGET + "\"}]"), "STATEMENT_NOT_ALLOWED");
        c.sql("ATTACH ? AS x", "plain", admin, executeWith("ATTACH ? AS x",
                "\"args\":[{\"type\":\"text\",\"value\":\"" + TMP_TARGET + "\"}]"), "STATEMENT_NOT_ALLOWED");
        c.sql("load_extension(?)", "plain", admin, executeWith("SELECT load_extension(?)",
                "\"args\":[{\"type\":\"text\",\"value\":\"x\"}]"), "STATEMENT_NOT_ALLOWED");
        // In batches, sequences and stored SQL as well.
        c.add("ATTACH as a batch step", () -> TestApi.sql("plain", TestApi.ADMIN,
                "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"SELECT 1\"}},"
                        + "{\"stmt\":{\"sql\":\"ATTACH '" + TMP_TARGET + "' AS x\"}}]}}]}"),
                200, "/results/0/response/result/step_errors/1/code", "STATEMENT_NOT_ALLOWED");
        c.sql("ATTACH in a sequence (executeMultiple)", "plain", admin, "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"SELECT 1; ATTACH '" + TMP_TARGET + "' AS x; SELECT 2\"}]}", "STATEMENT_NOT_ALLOWED");
        c.add("VACUUM INTO as stored SQL, run", () -> TestApi.sql("plain", TestApi.ADMIN, "{\"requests\":[{\"type\":\"store_sql\","
                + "\"sql_id\":3,\"sql\":\"VACUUM INTO '" + TMP_TARGET + "'\"},{\"type\":\"execute\",\"stmt\":{\"sql_id\":3}}]}"),
                200, "/results/1/error/code", "STATEMENT_NOT_ALLOWED");

        // Time: queries that never end stop at the statement time limit.
        String forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) ";
        for (String sql : List.of(forever + "SELECT count(*) FROM c", forever + "SELECT max(x) FROM c WHERE x < 0",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x FROM c) SELECT x FROM c LIMIT 1 OFFSET 9000000000000",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100000) SELECT count(*) FROM c a, c b",
                "INSERT INTO t(v) SELECT hex(randomblob(1000)) FROM (" + forever + "SELECT x FROM c)")) {
            c.sql("never ends: " + abbreviate(sql), "plain", admin, TestApi.pipeline(sql), "LIMIT_EXCEEDED");
        }
        c.add("never ends, in a batch inside BEGIN IMMEDIATE: later steps skipped, nothing kept",
                () -> TestApi.sql("plain", TestApi.ADMIN, "{\"requests\":[{\"type\":\"batch\",\"batch\":{\"steps\":["
                        + "{\"stmt\":{\"sql\":\"BEGIN IMMEDIATE\"}},"
                        + "{\"condition\":{\"type\":\"ok\",\"step\":0},\"stmt\":{\"sql\":\"DELETE FROM t\"}},"
                        + "{\"condition\":{\"type\":\"ok\",\"step\":1},\"stmt\":{\"sql\":" + quote(forever + "SELECT count(*) FROM c") + "}},"
                        + "{\"condition\":{\"type\":\"ok\",\"step\":2},\"stmt\":{\"sql\":\"COMMIT\"}},"
                        + "{\"condition\":{\"type\":\"not\",\"cond\":{\"type\":\"ok\",\"step\":3}},\"stmt\":{\"sql\":\"ROLLBACK\"}}"
                        + "]}},{\"type\":\"close\"}]}"),
                200, "/results/0/response/result/step_errors/2/code", "LIMIT_EXCEEDED");
        c.sql("never ends, want_rows false", "plain", admin, executeWith(forever + "SELECT x FROM c", "\"want_rows\":false"),
                "LIMIT_EXCEEDED");
        c.sql("never ends, on a child with its own token", "tenant-a", () -> dbToken,
                TestApi.pipeline(forever + "SELECT count(*) FROM c"), "LIMIT_EXCEEDED");

        // Memory: values and results beyond the limits.
        Map<String, String> memory = new LinkedHashMap<>();
        memory.put("SELECT zeroblob(2000000000)", "SQLITE_TOOBIG");
        memory.put("SELECT length(zeroblob(2000000000))", "SQLITE_TOOBIG");
        memory.put("SELECT zeroblob(16777217)", "SQLITE_TOOBIG");
        memory.put("SELECT length(zeroblob(16777216))", "ok");
        memory.put("SELECT randomblob(2000000000)", "SQLITE_TOOBIG");
        memory.put("INSERT INTO t(v) VALUES (zeroblob(2000000000))", "SQLITE_TOOBIG");
        memory.put("SELECT printf('%.*c', 2000000000, 'x')", "SQLITE_TOOBIG");
        memory.put("SELECT replace(hex(zeroblob(9000000)), '0', '00')", "SQLITE_TOOBIG");
        memory.put("SELECT length(hex(zeroblob(8000000)) || hex(zeroblob(8000000)))", "SQLITE_TOOBIG");
        memory.put("WITH RECURSIVE c(x) AS (SELECT 'a' UNION ALL SELECT x||x FROM c) SELECT length(x) FROM c", "SQLITE_TOOBIG");
        // group_concat stops growing at the value limit but reports it only when the (endless) input ends.
        memory.put("SELECT length(group_concat(hex(zeroblob(1000000)))) FROM (" + forever + "SELECT x FROM c)", "LIMIT_EXCEEDED");
        memory.put("SELECT length(group_concat(hex(zeroblob(1000000)))) FROM (" + forever + "SELECT x FROM c LIMIT 20)",
                "SQLITE_TOOBIG");
        memory.put("SELECT zeroblob(10000000)", "LIMIT_EXCEEDED");
        memory.put("SELECT randomblob(16000000)", "LIMIT_EXCEEDED");
        memory.put("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100) SELECT randomblob(1000000) FROM c",
                "LIMIT_EXCEEDED");
        memory.put(forever + "SELECT x FROM c", "LIMIT_EXCEEDED");
        memory.put("SELECT '" + "x".repeat(1_000_001) + "'", "SQLITE_TOOBIG");
        memory.put("SELECT 5 IN (" + "1,".repeat(100_000) + "5)", "ok");
        memory.put("SELECT 5 IN (" + "1,".repeat(500_000) + "5)", "SQLITE_TOOBIG");
        memory.put("SELECT ?10001", "SQLITE_ERROR");
        memory.put("SELECT 1" + " UNION SELECT 1".repeat(200), "SQLITE_ERROR");
        memory.forEach((sql, code) -> c.sql(abbreviate(sql), "plain", admin, TestApi.pipeline(sql), code));
        c.add("10 001 arguments", () -> TestApi.sql("plain", TestApi.ADMIN, executeWith("SELECT 1 WHERE 1 IN ("
                        + "?,".repeat(10_000) + "?)", "\"args\":[" + String.join(",", java.util.Collections.nCopies(10_001,
                        "{\"type\":\"integer\",\"value\":\"1\"}")) + "]")),
                200, "/results/0/error/code", "SQLITE_ERROR");

        // Depth: the parser and the expression tree are bounded; nothing recurses in Java.
        Map<String, String> deep = new LinkedHashMap<>();
        deep.put("SELECT " + "(".repeat(10_000) + "1" + ")".repeat(10_000), "SQLITE_ERROR");
        deep.put("SELECT 1" + "+1".repeat(100_000), "SQLITE_ERROR");
        deep.put("SELECT " + "- ".repeat(10_000) + "1", "SQLITE_ERROR");
        deep.put("SELECT " + "NOT ".repeat(10_000) + "1", "SQLITE_ERROR");
        deep.put("SELECT " + "(SELECT ".repeat(500) + "1" + ")".repeat(500), "SQLITE_ERROR");
        deep.put("SELECT " + "CASE WHEN 1 THEN ".repeat(1000) + "1" + " END".repeat(1000), "SQLITE_ERROR");
        deep.put("SELECT " + "coalesce(".repeat(10_000) + "1" + ")".repeat(10_000), "SQLITE_ERROR");
        deep.put("SELECT json('" + "[".repeat(10_000) + "]".repeat(10_000) + "')", "SQLITE_ERROR");
        deep.put("SELECT " + "'".repeat(10_001), "SQL_PARSE_ERROR");
        deep.put("SELECT /*" + " nested /*".repeat(10_000), "SQL_PARSE_ERROR");
        deep.put("SELECT \"" + "x".repeat(100_000), "SQL_PARSE_ERROR");
        deep.put("CREATE TRIGGER deep AFTER INSERT ON t BEGIN " + "SELECT 1; ".repeat(10_000), "SQL_PARSE_ERROR");
        deep.forEach((sql, code) -> c.sql(abbreviate(sql), "plain", admin, TestApi.pipeline(sql), code));
        c.sql("trigger recursion", "plain", admin, "{\"requests\":[{\"type\":\"sequence\",\"sql\":"
                + "\"PRAGMA recursive_triggers=ON; CREATE TEMP TABLE r(a); CREATE TEMP TRIGGER rt AFTER INSERT ON r "
                + "BEGIN INSERT INTO r VALUES (new.a + 1); END; INSERT INTO r VALUES (1)\"}]}", "SQLITE_ERROR");

        // Odd characters: SQLite stops at a NUL and reads a lone surrogate as '?'; the sandbox still holds.
        c.sql("NUL then ATTACH", "plain", admin, TestApi.pipeline("SELECT 1\u0000ATTACH '" + TMP_TARGET + "' AS x"), "ok");
        c.sql("NUL inside ATTACH's file name", "plain", admin,
                TestApi.pipeline("ATTACH '" + TMP_TARGET + "\u0000.txt' AS x"), "STATEMENT_NOT_ALLOWED");
        c.sql("lone surrogate in a string", "plain", admin, TestApi.pipeline("SELECT '\ud800'"), "ok");
        c.sql("lone surrogate as a token", "plain", admin, TestApi.pipeline("SELECT 1 \ud800"), "SQL_PARSE_ERROR");
        c.sql("lone surrogate before ATTACH", "plain", admin, TestApi.pipeline("\ud800ATTACH '" + TMP_TARGET + "' AS x"),
                "SQL_PARSE_ERROR");
        c.sql("lone surrogate inside load_extension", "plain", admin, TestApi.pipeline("SELECT load_extension\ud800('x')"),
                "SQL_PARSE_ERROR");
        c.sql("lone surrogate inside a pragma name", "plain", admin, TestApi.pipeline("PRAGMA writable_schema\ud800=1"),
                "STATEMENT_NOT_ALLOWED");
        c.sql("fullwidth ATTACH is no keyword", "plain", admin, TestApi.pipeline("\uff21\uff34\uff34\uff21\uff23\uff28 'x' AS y"),
                "SQL_PARSE_ERROR");
        c.sql("Cyrillic look-alike pragma", "plain", admin, TestApi.pipeline("PRAGMA writ\u0430ble_schema=1"),
                "STATEMENT_NOT_ALLOWED");

        // Files the tenant may not reach by other means.
        for (String sql : List.of("SELECT readfile('/etc/passwd')", "SELECT writefile('" + TMP_TARGET + "', 'x')",
                "SELECT edit('x')", "SELECT * FROM fsdir('/')", "SELECT * FROM zipfile('" + TMP_TARGET + "')",
                "SELECT * FROM sqlite_dbpage", "SELECT * FROM generate_series(1, 10)", "SELECT * FROM csv('/etc/passwd')")) {
            c.sql(abbreviate(sql), "plain", admin, TestApi.pipeline(sql), "SQLITE_ERROR");
        }

        // The connection goes back to the pool clean: these run after the cases above that changed settings.
        c.sql("PRAGMA foreign_keys=OFF", "plain", admin, TestApi.pipeline("PRAGMA foreign_keys=OFF"), "ok");
        c.sql("PRAGMA recursive_triggers=ON", "plain", admin, TestApi.pipeline("PRAGMA recursive_triggers=ON"), "ok");
        c.sql("CREATE TEMP TABLE", "plain", admin, TestApi.pipeline("CREATE TEMP TABLE leftover(a)"), "ok");
        c.add("then: settings restored, temporary objects gone", () -> TestApi.sql("plain", TestApi.ADMIN,
                TestApi.pipeline("SELECT (SELECT foreign_keys FROM pragma_foreign_keys) || '/' || "
                        + "(SELECT count(*) FROM temp.sqlite_schema)")),
                200, "/results/0/response/result/rows/0/0/value", "1/0");
        c.sql("plain VACUUM runs", "plain", admin, TestApi.pipeline("VACUUM"), "ok");

        // A child database: schema changes refused, the sandbox as everywhere.
        Supplier<String> child = () -> dbToken;
        c.sql("child: CREATE TABLE", "tenant-a", child, TestApi.pipeline("CREATE TABLE x(a)"), "SCHEMA_CHANGE_REFUSED");
        c.sql("child: CREATE TEMP TABLE", "tenant-a", child, TestApi.pipeline("CREATE TEMP TABLE x(a)"), "SCHEMA_CHANGE_REFUSED");
        c.sql("child: DROP TABLE", "tenant-a", child, TestApi.pipeline("DROP TABLE t"), "SCHEMA_CHANGE_REFUSED");
        c.sql("child: PRAGMA user_version", "tenant-a", child, TestApi.pipeline("PRAGMA user_version=5"), "SCHEMA_CHANGE_REFUSED");
        c.sql("child: ATTACH its sibling", "tenant-a", child, TestApi.pipeline("ATTACH '"
                + root.resolve("databases/tenant-b.db") + "' AS b"), "STATEMENT_NOT_ALLOWED");
        c.sql("child: VACUUM INTO", "tenant-a", child, TestApi.pipeline("VACUUM INTO '" + TMP_TARGET + "'"),
                "STATEMENT_NOT_ALLOWED");
        c.sql("child: PRAGMA writable_schema", "tenant-a", child, TestApi.pipeline("PRAGMA writable_schema=ON"),
                "STATEMENT_NOT_ALLOWED");

        // A read-only token: SQLite refuses the writes.
        Supplier<String> ro = () -> readOnlyToken;
        for (String sql : List.of("INSERT INTO t(v) VALUES ('x')", "DELETE FROM t", "DROP TABLE t", "CREATE TEMP TABLE x(a)",
                "PRAGMA user_version=9", "VACUUM", "REPLACE INTO t(id, v) VALUES (1, 'x')")) {
            c.sql("read-only: " + sql, "plain", ro, TestApi.pipeline(sql), "READONLY_TOKEN");
        }
        c.sql("read-only: PRAGMA query_only=0", "plain", ro, TestApi.pipeline("PRAGMA query_only=0"), "STATEMENT_NOT_ALLOWED");
    }

    // ------------------------------------------------------------------------------------------------------------
    // The run

    @Test
    void thereAreAtLeast200Cases() {
        List<Case> all = cases();
        Map<String, Long> byCategory = all.stream().collect(Collectors.groupingBy(Case::category, TreeMap::new,
                Collectors.counting()));
        System.out.println("hostile cases: " + all.size() + " " + byCategory);
        assertThat(all).hasSizeGreaterThanOrEqualTo(200);
        assertThat(all.stream().map(Case::toString).distinct()).as("case names are unique").hasSameSizeAs(all);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileInput(Case c) throws IOException {
        Map<String, String> outsideBefore = snapshotOutsideRoot();
        Map<String, String> untouchedBefore = untouchedDatabases();
        APIGatewayV2HTTPResponse r;
        try {
            r = api.send(c.event().get());
        } catch (Throwable t) {
            // Out of the handler, this is an invocation error: API Gateway answers 500/502 and the client learns nothing.
            throw new AssertionError("the handler threw instead of answering: " + t, t);
        }
        String shown = c + " → " + (r.getBody() == null ? "null" : abbreviate(r.getBody()));
        assertThat(r.getStatusCode()).as("status (never 5xx): %s", shown).isLessThan(500).isEqualTo(c.status());
        JsonNode body = TestApi.body(r);
        assertThat(body.isObject()).as(shown).isTrue();
        if (r.getStatusCode() != 200) {
            assertThat(body.path("error").asText()).as("error message: %s", shown).isNotBlank();
            assertThat(body.path("message").asText()).as("libSQL's message field: %s", shown).isNotBlank();
        }
        c.expect().forEach((pointer, value) ->
                assertThat(body.at(JsonPointer.compile(pointer)).asText()).as("%s in %s", pointer, shown).isEqualTo(value));

        assertThat(snapshotOutsideRoot()).as("files outside the data root after %s", c).isEqualTo(outsideBefore);
        assertThat(untouchedDatabases()).as("databases no case writes, after %s", c).isEqualTo(untouchedBefore);
        assertOnlyStoreFilesInRoot();
        assertThat(TMP_TARGET).doesNotExist();
        assertThat(REL_TARGET).doesNotExist();
        assertStillAnswers();
    }

    /** Paths, sizes and modification times of everything in the test's tree except the data root. */
    private static Map<String, String> snapshotOutsideRoot() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.startsWith(root)) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                m.put(base.relativize(p).toString(), (a.isDirectory() ? "dir " : a.size() + " bytes ")
                        + a.lastModifiedTime().toMillis());
            }
        }
        assertThat(m).containsKeys("outside", "outside/victim.db", "outside/notes.txt", "outside/empty-dir");
        return m;
    }

    /** Databases that hostile cases only read or are refused: their files must not change at all. */
    private static Map<String, String> untouchedDatabases() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String name : List.of("tpl", "tenant-b", "other")) {
            Path p = root.resolve("databases").resolve(name + ".db");
            m.put(name, Files.size(p) + " bytes " + Files.getLastModifiedTime(p).toMillis());
        }
        return m;
    }

    private static final Pattern STORE_FILES = Pattern.compile(
            "token-signing-key|databases|locks|tmp|copies|databases/[a-z0-9][a-z0-9-]{0,62}\\.db|locks/[a-z0-9][a-z0-9-]{0,62}\\.lock");

    /** Only what the store makes: valid names, no journals left behind, nothing in tmp/. */
    private static void assertOnlyStoreFilesInRoot() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            List<String> unexpected = s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString())
                    .filter(p -> !STORE_FILES.matcher(p).matches()).toList();
            assertThat(unexpected).as("unexpected files in the data root").isEmpty();
        }
    }

    private static void assertStillAnswers() {
        APIGatewayV2HTTPResponse health = api.send(ApiEvents.get("/health"));
        assertThat(health.getStatusCode()).isEqualTo(200);
        JsonNode rows = api.run("plain", TestApi.ADMIN, "SELECT count(*) FROM t");
        assertThat(rows.at("/0/response/result/rows/0/0/value").asText()).as("the fixture's rows: %s", rows)
                .isEqualTo(Integer.toString(SENTINEL_ROWS));
        JsonNode jobs = TestApi.body(api.send(ApiEvents.get("/db/tpl/v1/jobs").bearer(TestApi.ADMIN)));
        assertThat(jobs.get("migrations")).as("no migration job was started").isEmpty();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers

    /** Percent-encodes every byte of the UTF-8 form except unreserved characters, as a client puts a name in a path. */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }

    /** The body with the value at {@code pointer} replaced by {@code json} (removed if null). */
    static String withField(String body, String pointer, String json) {
        JsonNode tree = Json.parse(body.getBytes(StandardCharsets.UTF_8));
        JsonPointer p = JsonPointer.compile(pointer);
        JsonNode parent = tree.at(p.head());
        String last = p.last().getMatchingProperty();
        JsonNode value = json == null ? null : parseLenient(json);
        if (parent instanceof ObjectNode o) {
            if (value == null) {
                o.remove(last);
            } else {
                o.set(last, value);
            }
        } else if (parent instanceof ArrayNode a) {
            int i = p.last().getMatchingIndex();
            if (value == null) {
                a.remove(i);
            } else {
                a.set(i, value);
            }
        } else {
            throw new IllegalArgumentException("no parent for " + pointer + " in " + body);
        }
        return Json.write(tree);
    }

    /** Parses test values, which may be longer numbers than the request parser allows. */
    private static JsonNode parseLenient(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static String quote(String s) {
        return Json.MAPPER.getNodeFactory().textNode(s).toString();
    }

    static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(90).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        int n = s.codePointCount(0, s.length());
        return n > 90 ? b + "… (" + s.length() + " chars)" : b.toString();
    }
}
