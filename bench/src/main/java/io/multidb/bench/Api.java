package io.multidb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The control and data plane calls the scenarios make, over {@link Http}; a non-2xx answer is an error. */
final class Api implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final Http http;
    private final String org;

    Api(int port, String token, String org) {
        this.http = new Http(port, token);
        this.org = org;
    }

    JsonNode createGroup(String name) {
        return call("POST", "/v1/organizations/" + org + "/groups",
                JSON.createObjectNode().put("name", name).put("location", "local"));
    }

    JsonNode createSchemaDatabase(String name, String group) {
        return call("POST", "/v1/organizations/" + org + "/databases",
                JSON.createObjectNode().put("name", name).put("group", group).put("is_schema", true));
    }

    JsonNode createChild(String name, String group, String parent) {
        return call("POST", "/v1/organizations/" + org + "/databases",
                JSON.createObjectNode().put("name", name).put("group", group).put("schema", parent));
    }

    /** A database token (what a tenant's client holds), full access. */
    String databaseToken(String db) {
        return call("POST", "/v1/organizations/" + org + "/databases/" + db + "/auth/tokens?expiration=never",
                null).get("jwt").asText();
    }

    /** Runs statements through the data plane; fails on any statement error. */
    JsonNode execute(String db, String... statements) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String sql : statements) {
            requests.addObject().put("type", "execute").putObject("stmt").put("sql", sql);
        }
        requests.addObject().put("type", "close");
        JsonNode out = call("POST", "/db/" + db + "/v2/pipeline", body);
        for (JsonNode r : out.get("results")) {
            if (!"ok".equals(r.path("type").asText())) {
                throw new IllegalStateException("statement failed on " + db + ": " + r);
            }
        }
        return out;
    }

    /** Starts a migration and waits for it up to {@code waitSeconds} (the API bounds the wait at 25 s). */
    JsonNode startMigration(String parent, String sql, int waitSeconds) {
        return call("POST", "/v1/organizations/" + org + "/databases/" + parent + "/migrations",
                JSON.createObjectNode().put("sql", sql).put("wait", waitSeconds));
    }

    JsonNode migration(String parent, String jobId) {
        return call("GET", "/v1/organizations/" + org + "/databases/" + parent + "/migrations/" + jobId, null);
    }

    JsonNode call(String method, String path, JsonNode body) {
        try {
            byte[] bytes = body == null ? (method.equals("POST") ? "{}".getBytes(StandardCharsets.UTF_8) : null)
                    : JSON.writeValueAsBytes(body);
            Http.Response r = http.send(method, path, bytes);
            if (r.status() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + r.status() + ": " + r.text());
            }
            return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
