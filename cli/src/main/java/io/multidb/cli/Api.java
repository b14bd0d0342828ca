package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The HTTP API as the client uses it: JSON in, JSON out, and every way a request can go wrong turned into one
 * line that says what to do ({@link CliException}). Nothing here knows whether the server is the local runtime or
 * API Gateway.
 */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Pipeline requests on a schema database may wait up to 25 s for a migration (under API Gateway's 30 s). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(40);

    private final Connection.Resolved conn;
    private final HttpClient http;

    Api(Connection.Resolved conn) {
        this.conn = conn;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    Connection.Resolved connection() {
        return conn;
    }

    /** {@code /v1/organizations/{org}} followed by {@code path}. */
    String org(String path) {
        return "/v1/organizations/" + enc(conn.org()) + path;
    }

    static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                j.add(enc(k) + "=" + enc(v));
            }
        });
        return j.toString();
    }

    static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** A response whose status the caller looks at (202 = a job still running). */
    record Response(int status, JsonNode body) {
    }

    JsonNode send(String method, String path, JsonNode body) {
        return exchange(method, path, body).body();
    }

    Response exchange(String method, String path, JsonNode body) {
        if (conn.token() == null) {
            throw new CliException("no token: pass --token, set MULTIDB_TOKEN, or run where the local runtime keeps "
                    + "its admin token (--data-dir, default ./.multidb)");
        }
        URI uri = URI.create(conn.url() + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("authorization", "Bearer " + conn.token())
                .header("accept", "application/json");
        if (body != null) {
            b.header("content-type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else if (method.equals("POST")) {
            b.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("cannot reach multidb at " + conn.url() + ": start it with bin/multidb-local, "
                    + "or point --url / MULTIDB_URL at your deployment");
        } catch (HttpTimeoutException e) {
            throw new CliException(conn.url() + " did not answer " + method + " " + path + " within "
                    + REQUEST_TIMEOUT.toSeconds() + " s: is it overloaded, or is --url the right address?");
        } catch (IOException e) {
            throw new CliException("request to " + conn.url() + " failed (" + describe(e)
                    + "): check --url / MULTIDB_URL and that the server is running");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } catch (IllegalArgumentException e) {
            throw CliException.usage("bad URL " + uri + ": " + e.getMessage());
        }
        JsonNode json = parse(r.body());
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            if (json == null) {
                throw notMultidb(status, method, path);
            }
            return new Response(status, json);
        }
        String message = json != null && json.path("error").isTextual() ? json.get("error").asText()
                : json != null && json.path("message").isTextual() ? json.get("message").asText() : null;
        if (message == null) {
            throw notMultidb(status, method, path);
        }
        throw new CliException(CliException.FAILED, switch (status) {
            case 401 -> "the server refused the token (" + message + "): pass a valid --token or MULTIDB_TOKEN "
                    + "(bin/multidb-local prints its admin token; `multidb auth whoami` shows which one is used)";
            case 403 -> "not allowed with this token: " + message;
            default -> message;
        }, status);
    }

    private CliException notMultidb(int status, String method, String path) {
        return new CliException(conn.url() + " answered " + method + " " + path + " with HTTP " + status
                + " and no multidb JSON: it does not look like a multidb server; check --url / MULTIDB_URL");
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
