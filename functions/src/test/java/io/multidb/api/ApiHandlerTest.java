package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.auth.FileSigningKey;
import io.multidb.auth.InMemoryTokenGenerations;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.WorkflowStarter;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The handler driven by event files shaped exactly as API Gateway's HTTP API sends them (payload v2). */
class ApiHandlerTest {
    static final String TOKEN = "test-admin-token-0123456789";
    private static final PojoSerializer<APIGatewayV2HTTPEvent> EVENTS =
            LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class, ApiHandlerTest.class.getClassLoader());

    @TempDir
    Path root;

    /** Records starts; the workflow itself is exercised against the real ASL in local/. */
    static final class RecordingWorkflows implements WorkflowStarter {
        final List<MigrationJob> started = new ArrayList<>();

        @Override
        public synchronized void start(MigrationJob job) {
            started.add(job);
        }

        @Override
        public synchronized ExecutionState describe(String jobId) {
            return started.stream().anyMatch(j -> j.id().equals(jobId)) ? ExecutionState.RUNNING : ExecutionState.NOT_FOUND;
        }
    }
    private ApiHandler handler;

    @BeforeEach
    void setUp() {
        InMemoryCatalog catalog = new InMemoryCatalog();
        handler = new ApiHandler(Wiring.build("acme", TOKEN, catalog, new InMemoryMigrationStore(catalog),
                new RecordingWorkflows(), new SqliteStore(root, StorageOptions.defaults()), root, java.util.function.UnaryOperator.identity(),
                FileSigningKey.open(root), new InMemoryTokenGenerations()));
    }

    static APIGatewayV2HTTPEvent event(String file) {
        try (InputStream in = ApiHandlerTest.class.getResourceAsStream("/events/handler/" + file)) {
            assertThat(in).as(file).isNotNull();
            return EVENTS.fromJson(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private APIGatewayV2HTTPResponse send(String file) {
        return handler.handleRequest(event(file), null);
    }

    private static JsonNode body(APIGatewayV2HTTPResponse r) {
        assertThat(r.getHeaders()).containsEntry("content-type", "application/json");
        return Json.parse(r.getBody().getBytes());
    }

    private void familyOfOne() {
        assertThat(send("create-group.json").getStatusCode()).isEqualTo(200);
        assertThat(send("create-schema-database.json").getStatusCode()).isEqualTo(200);
        assertThat(send("pipeline-execute.json").getStatusCode()).isEqualTo(200);
        assertThat(send("create-child-database.json").getStatusCode()).isEqualTo(200);
    }

    @Test
    void createsAFamilyAndListsItsChildren() {
        APIGatewayV2HTTPResponse group = send("create-group.json");
        assertThat(body(group).at("/group/name").asText()).isEqualTo("default");
        JsonNode schema = body(send("create-schema-database.json"));
        assertThat(schema.at("/database/Name").asText()).isEqualTo("tpl");
        assertThat(schema.at("/database/DbId").asText()).isNotBlank();
        assertThat(schema.at("/database/url").asText())
                .isEqualTo("https://abc123.execute-api.eu-west-1.amazonaws.com/db/tpl/");
        JsonNode ddl = body(send("pipeline-execute.json"));
        assertThat(ddl.at("/results/0/type").asText()).isEqualTo("ok");
        assertThat(send("create-child-database.json").getStatusCode()).isEqualTo(200);

        JsonNode list = body(send("list-children.json"));
        assertThat(list.at("/databases").size()).isEqualTo(1);
        assertThat(list.at("/databases/0/Name").asText()).isEqualTo("tenant-1");
        assertThat(list.at("/databases/0/schema").asText()).isEqualTo("tpl");
        JsonNode got = body(send("get-database.json"));
        assertThat(got.at("/database/is_schema").asBoolean()).isFalse();
        assertThat(got.at("/database/group").asText()).isEqualTo("default");
    }

    @Test
    void theHranaVersionProbeAnswers200WithoutAToken() {
        APIGatewayV2HTTPResponse r = handler.handleRequest(ApiEvents.get("/db/tpl/v2").build(), null);
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(body(r).get("version").asInt()).isEqualTo(2);
        assertThat(handler.handleRequest(ApiEvents.get("/db/tpl/v3").build(), null).getStatusCode()).isEqualTo(404);
        assertThat(handler.handleRequest(ApiEvents.get("/db/tpl/v3-protobuf").build(), null).getStatusCode())
                .isEqualTo(404);
    }

    @Test
    void childDdlIsAnErrorResultAndBase64BodiesAreRead() {
        familyOfOne();
        APIGatewayV2HTTPResponse ddl = send("pipeline-child-ddl.json");
        assertThat(ddl.getStatusCode()).isEqualTo(200);
        JsonNode result = body(ddl).at("/results/0");
        assertThat(result.at("/type").asText()).isEqualTo("error");
        assertThat(result.at("/error/code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        assertThat(result.at("/error/message").asText()).contains("'tpl'");
        JsonNode count = body(send("pipeline-base64-body.json"));
        assertThat(count.at("/results/0/response/result/rows/0/0/value").asText()).isEqualTo("0");
    }

    @Test
    void deletingAParentWithChildrenIsAConflictNamingTheCount() {
        familyOfOne();
        APIGatewayV2HTTPResponse r = send("delete-database.json");
        assertThat(r.getStatusCode()).isEqualTo(409);
        assertThat(body(r).get("error").asText()).contains("1 children");
    }

    @Test
    void badInputGetsAClearClientErrorAndWritesNothing() throws IOException {
        send("create-group.json");
        expect("no-token.json", 401, "missing token");
        expect("wrong-token.json", 401, "invalid token");
        expect("form-body.json", 415, "Content-Type: application/json");
        expect("invalid-json.json", 400, "not valid JSON");
        expect("bad-name.json", 400, "lowercase letters, digits and dashes");
        expect("encoded-slash.json", 400, "invalid database name 'a/b'");
        expect("unknown-route.json", 404, "no such route");
        APIGatewayV2HTTPResponse m = expect("wrong-method.json", 405, "allowed: GET, POST");
        assertThat(m.getHeaders()).containsEntry("allow", "GET, POST");
        expect("pipeline-no-slash.json", 404, "trailing slash");
        expect("get-database.json", 404, "does not exist");
        try (Stream<Path> files = Files.list(root.resolve("databases"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void oversizedBodiesAre413() {
        send("create-group.json");
        APIGatewayV2HTTPEvent e = event("create-schema-database.json");
        e.setBody("{\"name\":\"" + "a".repeat(ControlPlane.MAX_BODY) + "\"}");
        APIGatewayV2HTTPResponse r = handler.handleRequest(e, null);
        assertThat(r.getStatusCode()).isEqualTo(413);
        assertThat(body(r).get("error").asText()).contains("limit");
    }

    private APIGatewayV2HTTPResponse expect(String file, int status, String text) {
        APIGatewayV2HTTPResponse r = send(file);
        assertThat(r.getStatusCode()).as(file).isEqualTo(status);
        assertThat(body(r).get("error").asText()).as(file).contains(text);
        return r;
    }
}
