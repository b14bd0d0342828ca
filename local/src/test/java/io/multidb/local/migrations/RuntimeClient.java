package io.multidb.local.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.local.LocalRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A plain HTTP client of a running local runtime: the control plane's JSON and the data plane's Hrana v2 pipeline. */
final class RuntimeClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;
    private final String token;
    private final String org;

    RuntimeClient(LocalRuntime runtime) {
        this.base = runtime.baseUri();
        this.token = runtime.config().adminToken();
        this.org = runtime.config().org();
    }

    record Response(int status, JsonNode body) {
        Response expect(int expected) {
            assertThat(status).as("HTTP status of %s", body).isEqualTo(expected);
            return this;
        }
    }

    Response send(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path.substring(1)))
                .header("authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    }

    Response get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    Response post(String path, JsonNode body) throws IOException, InterruptedException {
        return send("POST", path, body == null ? JSON.createObjectNode() : body);
    }

    String orgPath() {
        return "/v1/organizations/" + org;
    }

    String migrations(String parent) {
        return orgPath() + "/databases/" + parent + "/migrations";
    }

    // ------------------------------------------------------------------------------------------------ families

    void createGroup(String group) throws Exception {
        post(orgPath() + "/groups", JSON.createObjectNode().put("name", group).put("location", "local")).expect(200);
    }

    void createSchemaDatabase(String name, String group) throws Exception {
        post(orgPath() + "/databases", JSON.createObjectNode().put("name", name).put("group", group).put("is_schema", true))
                .expect(200);
    }

    void createChild(String name, String group, String parent) throws Exception {
        post(orgPath() + "/databases", JSON.createObjectNode().put("name", name).put("group", group).put("schema", parent))
                .expect(200);
    }

    long schemaVersion(String db) throws Exception {
        return get(orgPath() + "/databases/" + db).expect(200).body().path("database").path("schema_version").asLong();
    }

    // ------------------------------------------------------------------------------------------------ SQL

    /** Runs the statements in one pipeline; fails the test on any error result. Returns the results. */
    List<JsonNode> execute(String db, String... statements) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String s : statements) {
            requests.addObject().put("type", "execute").putObject("stmt").put("sql", s);
        }
        requests.addObject().put("type", "close");
        Response r = post("/db/" + db + "/v2/pipeline", body).expect(200);
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode result : r.body().path("results")) {
            assertThat(result.path("type").asText()).as("result of %s on %s: %s", List.of(statements), db, result).isEqualTo("ok");
            if (result.path("response").path("type").asText().equals("execute")) {
                out.add(result.path("response").path("result"));
            }
        }
        return out;
    }

    /** Runs one statement; null if it succeeded, else the error result ({@code {"message", "code"}}). */
    JsonNode tryExecute(String db, String sql) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        requests.addObject().put("type", "execute").putObject("stmt").put("sql", sql);
        requests.addObject().put("type", "close");
        JsonNode result = post("/db/" + db + "/v2/pipeline", body).expect(200).body().path("results").get(0);
        return result.path("type").asText().equals("ok") ? null : result.path("error");
    }

    /** The rows of one query, each value as text ("null" for NULL), columns joined by '|'. */
    List<String> rows(String db, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode row : execute(db, sql).get(0).path("rows")) {
            List<String> values = new ArrayList<>();
            for (JsonNode v : row) {
                values.add(v.path("type").asText().equals("null") ? "null" : v.path("value").asText());
            }
            out.add(String.join("|", values));
        }
        return out;
    }

    /** Schema and rows of t: what a migration that changed nothing, or was rolled back, must leave identical. */
    String snapshot(String db) throws Exception {
        return schema(db) + "\n--\n" + String.join("\n", rows(db, "SELECT * FROM t ORDER BY id"));
    }

    /** {@link #snapshot} of each database, in the given order. */
    java.util.Map<String, String> snapshots(List<String> dbs) throws Exception {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String db : dbs) {
            out.put(db, snapshot(db));
        }
        return out;
    }

    String schema(String db) throws Exception {
        return String.join("\n", rows(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name"));
    }

    // ------------------------------------------------------------------------------------------------ jobs

    /** Polls the job until it has ended; the deadline only keeps a broken build from hanging. */
    JsonNode awaitJob(String parent, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (true) {
            JsonNode job = get(migrations(parent) + "/" + jobId).expect(200).body();
            if (!io.multidb.migrations.JobStatus.fromWire(job.path("status").asText()).isRunning()) {
                return job;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("job " + jobId + " still running after 5 minutes: " + job);
            }
            Thread.sleep(50); // nothing to wait on but the job: look again shortly
        }
    }
}
