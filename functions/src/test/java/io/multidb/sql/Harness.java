package io.multidb.sql;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.sqlite.SQLiteConnection;

/**
 * A real database file in a temporary data root, a pooled connection to it, streams in an in-memory store, and
 * request builders.
 */
final class Harness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    final Path root;
    final SqliteStore store;
    final SqliteStore.Lease lease;
    final SQLiteConnection connection;
    PipelineExecutor executor = new PipelineExecutor(SqlLimits.defaults());
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    final MutableClock clock = new MutableClock();
    final InMemoryStreamStore streamStore = new InMemoryStreamStore();
    Streams streams = new Streams(streamStore, BatonKeys.of(KEY), StreamOptions.defaults(), clock);
    /** The scope requests run in: streams on, bound to this organization and database. */
    StreamScope scope = new StreamScope(streams, "org1", "db1", "db1-id-1", null);

    Harness(Path root) {
        this.root = root;
        this.store = new SqliteStore(root, StorageOptions.defaults());
        assertThat(store.createEmpty("db1")).isTrue();
        this.lease = store.open("db1").orElseThrow();
        this.connection = lease.connection();
    }

    Path file() {
        return store.fileOf("db1");
    }

    static ExecutionPolicy open() {
        return ExecutionPolicy.unrestricted(SqlLimits.defaults());
    }

    static ExecutionPolicy readOnly() {
        return new ExecutionPolicy(SqlErrorCodes.BLOCKED, "Writes are blocked: this token is read-only.", null,
                SqlLimits.defaults());
    }

    static ExecutionPolicy child() {
        return new ExecutionPolicy(null, null, "Schema changes on a child database are refused: change the "
                + "schema database instead.", SqlLimits.defaults());
    }

    PipelineResult run(ExecutionPolicy policy, JsonNode body) {
        return executor.execute(connection, body, policy, scope);
    }

    /** Runs without a stream scope: interactive transactions are refused. */
    PipelineResult runWithoutStreams(ExecutionPolicy policy, JsonNode body) {
        return executor.execute(connection, body, policy);
    }

    /** Uses other stream options (limits, expiry) from now on. */
    void streamOptions(StreamOptions options) {
        streams = new Streams(streamStore, BatonKeys.of(KEY), options, clock);
        scope = new StreamScope(streams, scope.org(), scope.database(), scope.databaseId(), scope.writeRefusal());
    }

    /** Runs a pipeline of these requests (plus close, as the client sends) and answers the results. */
    ArrayNode pipeline(ExecutionPolicy policy, JsonNode... requests) {
        ObjectNode body = F.objectNode();
        ArrayNode list = body.putArray("requests");
        for (JsonNode r : requests) {
            list.add(r);
        }
        list.add(closeReq());
        JsonNode out = run(policy, body).body();
        assertThat(out.get("baton").isNull()).isTrue();
        assertThat(out.get("base_url").isNull()).isTrue();
        assertThat(out.get("results")).hasSize(requests.length + 1);
        assertThat(out.get("results").get(requests.length).toString())
                .isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"close\"}}");
        return (ArrayNode) out.get("results");
    }

    ArrayNode pipeline(JsonNode... requests) {
        return pipeline(open(), requests);
    }

    /** The StmtResult of one execute, failing the test on an error result. */
    JsonNode result(ExecutionPolicy policy, String sql, JsonNode... args) {
        JsonNode r = pipeline(policy, execute(sql, args)).get(0);
        assertThat(r.get("type").asText()).as(r.toString()).isEqualTo("ok");
        assertThat(r.at("/response/type").asText()).isEqualTo("execute");
        return r.at("/response/result");
    }

    JsonNode result(String sql, JsonNode... args) {
        return result(open(), sql, args);
    }

    /** The error of one execute, failing the test if it succeeded. */
    JsonNode error(ExecutionPolicy policy, String sql, JsonNode... args) {
        JsonNode r = pipeline(policy, execute(sql, args)).get(0);
        assertThat(r.get("type").asText()).as(r.toString()).isEqualTo("error");
        return r.get("error");
    }

    JsonNode error(String sql, JsonNode... args) {
        return error(open(), sql, args);
    }

    /** Reads with a separate connection of its own, so the test sees what is committed in the file. */
    List<List<Object>> query(String sql) {
        try (SQLiteConnection c = store.connect(file(), true); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    String schema() {
        return query("SELECT type, name, sql FROM sqlite_master ORDER BY name").toString();
    }

    /** Every file under the data root with its size and content hash: a sandbox test must not change it. */
    Map<String, String> tree() {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.toList()) {
                String name = root.relativize(p).toString();
                out.put(name, Files.isRegularFile(p) ? Integer.toHexString(java.util.Arrays.hashCode(
                        Files.readAllBytes(p))) : "dir");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Asserts the connection is in autocommit mode: BEGIN fails inside a transaction. */
    void assertNoTransaction() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("BEGIN");
            s.execute("ROLLBACK");
        }
    }

    long pragma(String name) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    // ---- request builders, in the shapes @libsql/client sends ----

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectNode stmt(String sql, JsonNode... args) {
        ObjectNode s = F.objectNode();
        s.put("sql", sql);
        ArrayNode a = s.putArray("args");
        for (JsonNode v : args) {
            a.add(v);
        }
        s.putArray("named_args");
        s.put("want_rows", true);
        return s;
    }

    static ObjectNode execute(String sql, JsonNode... args) {
        return execute(stmt(sql, args));
    }

    static ObjectNode execute(ObjectNode stmt) {
        ObjectNode r = F.objectNode();
        r.put("type", "execute");
        r.set("stmt", stmt);
        return r;
    }

    static ObjectNode sequence(String sql) {
        ObjectNode r = F.objectNode();
        r.put("type", "sequence");
        r.put("sql", sql);
        return r;
    }

    static ObjectNode closeReq() {
        ObjectNode r = F.objectNode();
        r.put("type", "close");
        return r;
    }

    static ObjectNode storeSql(int id, String sql) {
        ObjectNode r = F.objectNode();
        r.put("type", "store_sql");
        r.put("sql_id", id);
        r.put("sql", sql);
        return r;
    }

    static ObjectNode closeSql(int id) {
        ObjectNode r = F.objectNode();
        r.put("type", "close_sql");
        r.put("sql_id", id);
        return r;
    }

    /** A batch of steps; each step is [condition or null, stmt]. */
    static ObjectNode batch(ObjectNode... steps) {
        ObjectNode r = F.objectNode();
        r.put("type", "batch");
        ArrayNode list = r.putObject("batch").putArray("steps");
        for (ObjectNode s : steps) {
            list.add(s);
        }
        return r;
    }

    static ObjectNode step(JsonNode condition, String sql, JsonNode... args) {
        ObjectNode s = F.objectNode();
        if (condition != null) {
            s.set("condition", condition);
        }
        s.set("stmt", stmt(sql, args));
        return s;
    }

    static JsonNode ok(int step) {
        return parse("{\"type\":\"ok\",\"step\":" + step + "}");
    }

    static JsonNode err(int step) {
        return parse("{\"type\":\"error\",\"step\":" + step + "}");
    }

    static JsonNode not(JsonNode cond) {
        ObjectNode c = F.objectNode();
        c.put("type", "not");
        c.set("cond", cond);
        return c;
    }

    static JsonNode integer(String v) {
        return parse("{\"type\":\"integer\",\"value\":\"" + v + "\"}");
    }

    static JsonNode flt(double v) {
        ObjectNode n = F.objectNode();
        n.put("type", "float");
        n.put("value", v);
        return n;
    }

    static JsonNode text(String v) {
        ObjectNode n = F.objectNode();
        n.put("type", "text");
        n.put("value", v);
        return n;
    }

    static JsonNode blob(String base64) {
        return parse("{\"type\":\"blob\",\"base64\":\"" + base64 + "\"}");
    }

    static JsonNode nul() {
        return parse("{\"type\":\"null\"}");
    }

    /** The values of a StmtResult's rows, as compact JSON, for short assertions. */
    static String rows(JsonNode result) {
        return result.get("rows").toString();
    }

    @Override
    public void close() {
        lease.close();
        store.close();
    }
}
