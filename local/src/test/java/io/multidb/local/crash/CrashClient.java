package io.multidb.local.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The runtime over HTTP, as any client sees it: the control plane's JSON and the data plane's Hrana v2 pipeline. */
final class CrashClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;
    private final String org;

    CrashClient(URI base, String token, String org) {
        this.base = base;
        this.token = token;
        this.org = org;
    }

    record Response(int status, JsonNode body) {
        Response expect(int... expected) {
            for (int e : expected) {
                if (status == e) {
                    return this;
                }
            }
            throw new AssertionError("HTTP " + status + ": " + body);
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

    void createGroup(String group) throws Exception {
        post(orgPath() + "/groups", JSON.createObjectNode().put("name", group).put("location", "local")).expect(200);
    }

    void createDatabase(String name, String group, String parent) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("name", name).put("group", group);
        if (parent == null) {
            body.put("is_schema", true);
        } else {
            body.put("schema", parent);
        }
        post(orgPath() + "/databases", body).expect(200);
    }

    /** The catalog's schema_version of one database (control plane). */
    long schemaVersion(String db) throws Exception {
        return get(orgPath() + "/databases/" + db).expect(200).body().path("database").path("schema_version").asLong(-1);
    }

    /** Every result of one pipeline (the close result left out): {"type":"ok"|"error", ...}. */
    List<JsonNode> pipeline(String db, List<String> statements) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String s : statements) {
            requests.addObject().put("type", "execute").putObject("stmt").put("sql", s);
        }
        requests.addObject().put("type", "close");
        JsonNode results = post("/db/" + db + "/v2/pipeline", body).expect(200).body().path("results");
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            out.add(results.get(i));
        }
        return out;
    }

    /** Runs statements in one pipeline; fails on any error result. */
    void execute(String db, List<String> statements) throws Exception {
        for (JsonNode r : pipeline(db, statements)) {
            if (!r.path("type").asText().equals("ok")) {
                throw new AssertionError("error result on " + db + ": " + r);
            }
        }
    }

    /** The job with its progress, every page of it. */
    JsonNode job(String parent, String id) throws Exception {
        ObjectNode job = (ObjectNode) get(migrations(parent) + "/" + id).expect(200).body();
        ArrayNode progress = (ArrayNode) job.path("progress");
        String cursor = job.path("next_cursor").asText(null);
        while (cursor != null) {
            JsonNode page = get(migrations(parent) + "/" + id + "?cursor=" + java.net.URLEncoder.encode(cursor,
                    java.nio.charset.StandardCharsets.UTF_8)).expect(200).body();
            page.path("progress").forEach(progress::add);
            cursor = page.path("next_cursor").asText(null);
        }
        job.remove("next_cursor");
        return job;
    }
}
