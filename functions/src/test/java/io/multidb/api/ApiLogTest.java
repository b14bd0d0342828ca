package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.telemetry.LogCapture;
import io.multidb.telemetry.RequestLog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API handler's one structured event per request (io.multidb.telemetry.RequestLog): its correlation keys, its
 * embedded metrics, and that no token and no row content ever reaches a log line.
 */
class ApiLogTest {
    private static final String ROUTE_PIPELINE = "POST /db/{database}/v2/pipeline";
    @TempDir
    Path root;
    private TestApi api;
    private LogCapture logs;

    @BeforeEach
    void setUp() {
        api = TestApi.create(root);
        api.group("default");
        api.database("notes", "default");
        logs = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        logs.close();
        api.store.close();
    }

    private APIGatewayV2HTTPResponse send(ApiEvents.Builder b, String requestId) {
        APIGatewayV2HTTPEvent e = b.build();
        e.getRequestContext().setRequestId(requestId);
        return api.send(e);
    }

    private JsonNode onlyEvent() {
        List<JsonNode> events = logs.events("io.multidb.request");
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    @Test
    void aSuccessfulRequestIsOneInfoEventWithItsRouteTemplateAndMetrics() {
        String token = api.token("databases", "notes", null, null);
        logs.close();
        logs = new LogCapture();
        APIGatewayV2HTTPResponse r = send(TestApi.sql("notes", token, TestApi.pipeline("SELECT 1")), "req-ok");
        assertThat(r.getStatusCode()).isEqualTo(200);

        JsonNode e = onlyEvent();
        assertThat(e.get("level").asText()).isEqualTo("INFO");
        assertThat(e.get("message").asText()).isEqualTo("request");
        assertThat(e.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(e.get("request_id").asText()).isEqualTo("req-ok");
        assertThat(e.get("route").asText()).isEqualTo(ROUTE_PIPELINE);
        assertThat(e.get("status").asInt()).isEqualTo(200);
        assertThat(e.get("database").asText()).isEqualTo("notes");
        assertThat(e.has("code")).isFalse();
        assertThat(LogCapture.assertEmf(e)).containsExactlyInAnyOrder("Requests", "Latency", "Requests", "Latency");
        assertThat(e.get("_aws").get("CloudWatchMetrics").get(0).get("Dimensions").toString()).isEqualTo("[[\"route\"]]");
        assertThat(e.get("_aws").get("CloudWatchMetrics").get(1).get("Dimensions").toString()).isEqualTo("[[]]");
        assertThat(e.get("Latency").asDouble()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void aRefusedRequestCarriesItsCodeAndTheCounterOfItsClass() {
        APIGatewayV2HTTPResponse r = send(ApiEvents.get(TestApi.v1("databases/notes/migrations/job-1"))
                .bearer("not-a-token"), "req-401");
        assertThat(r.getStatusCode()).isEqualTo(401);

        JsonNode e = onlyEvent();
        assertThat(e.get("level").asText()).isEqualTo("INFO");
        assertThat(e.get("route").asText()).isEqualTo("GET /v1/organizations/{org}/databases/{database}/migrations/{job}");
        assertThat(e.get("status").asInt()).isEqualTo(401);
        assertThat(e.get("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(e.get("error").asText()).isNotBlank();
        assertThat(e.get("schema_database").asText()).isEqualTo("notes");
        assertThat(e.get("job_id").asText()).isEqualTo("job-1");
        assertThat(LogCapture.assertEmf(e)).contains("Errors4xx");
        assertThat(e.get("Errors4xx").asInt()).isEqualTo(1);
        assertThat(e.has("Errors5xx")).isFalse();
    }

    @Test
    void aSqlErrorResultInsideA200IsTheEventsCode() {
        String readOnly = api.token("databases", "notes", null, "read-only");
        logs.close();
        logs = new LogCapture();
        send(TestApi.sql("notes", readOnly, TestApi.pipeline("CREATE TABLE t(x)")), "req-ro");
        JsonNode e = onlyEvent();
        assertThat(e.get("status").asInt()).isEqualTo(200);
        assertThat(e.get("code").asText()).isEqualTo("READONLY_TOKEN");
        assertThat(e.get("result_codes").toString()).isEqualTo("[\"READONLY_TOKEN\"]");
    }

    @Test
    void anUnknownPathIsUnmatchedNotItsRawText() {
        send(ApiEvents.get("/wp-admin/%0a" + "x".repeat(300)), "req-404");
        JsonNode e = onlyEvent();
        assertThat(e.get("route").asText()).isEqualTo("unmatched");
        assertThat(e.get("code").asText()).isEqualTo("NOT_FOUND");
        // The message says what the client sent (it is what the client is shown), cut short.
        assertThat(e.get("error").asText()).hasSizeLessThanOrEqualTo(RequestLog.ERROR_CHARS);
    }

    @Test
    void noTokenAndNoRowContentEverReachesALogLine() {
        String token = api.token("databases", "notes", null, null);
        String secret = "row-secret-7f3a9";
        api.run("notes", token, "CREATE TABLE n(body TEXT)", "INSERT INTO n VALUES ('" + secret + "')", "SELECT body FROM n");
        // A bad statement: SQLite's message quotes the SQL, which can carry literals.
        api.send(TestApi.sql("notes", token, TestApi.pipeline("SELEC '" + secret + "'")));
        api.send(ApiEvents.get(TestApi.v1("databases")).bearer(token));          // 403 with a real token
        api.send(ApiEvents.get(TestApi.v1("databases")).bearer(token + "x"));    // 401 with a forged one
        api.send(ApiEvents.post(TestApi.v1("databases/notes/auth/tokens")).bearer(TestApi.ADMIN));
        assertThat(logs.events("io.multidb.request")).hasSize(6); // the token request, run, SELEC, 403, 401, admin
        for (String line : logs.lines()) {
            assertThat(line).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1))
                    .doesNotContain(TestApi.ADMIN).doesNotContain(secret);
        }
    }

    @Test
    void aWriteThatBecomesAMigrationAndAWriteItBlocksNameTheJob() {
        api.schemaDatabase("app", "default");
        api.run("app", TestApi.ADMIN, "CREATE TABLE n(x)");
        api.child("one", "default", "app");
        logs.close();
        logs = new LogCapture();
        send(TestApi.sql("app", TestApi.ADMIN, TestApi.pipeline("ALTER TABLE n ADD COLUMN y")), "req-mig");
        JsonNode started = onlyEvent();
        assertThat(started.get("code").asText()).isEqualTo("SCHEMA_MIGRATION_RUNNING"); // the fake workflow never runs
        String job = started.get("job_id").asText();
        assertThat(job).isNotBlank();

        logs.close();
        logs = new LogCapture();
        send(TestApi.sql("one", TestApi.ADMIN, TestApi.pipeline("INSERT INTO n(x) VALUES (1)")), "req-blocked");
        JsonNode blocked = onlyEvent();
        assertThat(blocked.get("code").asText()).isEqualTo("BLOCKED");
        assertThat(blocked.get("job_id").asText()).isEqualTo(job);
        assertThat(blocked.get("Blocked").asInt()).isEqualTo(1);
        assertThat(LogCapture.assertEmf(blocked)).contains("Blocked");
    }
}
