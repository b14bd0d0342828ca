package io.multidb.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler tests' sample events (functions/src/test/resources/events, shaped like real HTTP API events) and
 * what this front produces for the same request have the same fields, so a handler tested on either sees the
 * other's shape.
 */
class EventFixturesTest {
    /** Keys under these are the request's data (header names, parameter names), not the event's shape. */
    private static final Set<String> MAPS = Set.of("headers", "queryStringParameters");
    private static final ObjectMapper json = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private static final RecordingHandler handler = new RecordingHandler();
    private static ApiGatewayFront front;

    @BeforeAll
    static void start() throws IOException {
        front = ApiGatewayFront.start(handler, ApiGatewayFront.Options.onPort(0));
    }

    @AfterAll
    static void stop() {
        front.close();
    }

    static Path fixture(String name) {
        // The fixtures belong to the functions module's tests; Surefire sets basedir to this module.
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path events = module.resolveSibling("functions/src/test/resources/events");
        return events.resolve(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"create-database.json", "pipeline-execute.json", "list-databases.json"})
    void the_front_produces_the_fields_of_a_real_event(String name) throws Exception {
        JsonNode sample = json.readTree(Files.readString(fixture(name)));
        // The handler tests will read these files into the library's class: nothing may be unknown to it.
        APIGatewayV2HTTPEvent typed = json.treeToValue(sample, APIGatewayV2HTTPEvent.class);
        handler.reset();

        replay(typed);

        APIGatewayV2HTTPEvent produced = handler.only();
        assertThat(fields(json.valueToTree(produced))).isEqualTo(fields(sample));
        assertThat(produced.getRawPath()).isEqualTo(typed.getRawPath());
        assertThat(produced.getRawQueryString()).isEqualTo(typed.getRawQueryString());
        assertThat(produced.getQueryStringParameters()).isEqualTo(typed.getQueryStringParameters());
        assertThat(produced.getBody()).isEqualTo(typed.getBody());
        assertThat(produced.getIsBase64Encoded()).isEqualTo(typed.getIsBase64Encoded());
        assertThat(produced.getRequestContext().getHttp().getMethod())
                .isEqualTo(typed.getRequestContext().getHttp().getMethod());
        for (String header : new String[] {"authorization", "content-type", "user-agent", "content-length"}) {
            if (typed.getHeaders().containsKey(header) && !typed.getHeaders().get(header).equals("0")) {
                assertThat(produced.getHeaders()).containsEntry(header, typed.getHeaders().get(header));
            }
        }
    }

    /** Sends the request the sample event describes. */
    private static void replay(APIGatewayV2HTTPEvent event) throws Exception {
        String query = event.getRawQueryString().isEmpty() ? "" : "?" + event.getRawQueryString();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + front.port() + event.getRawPath() + query));
        for (Map.Entry<String, String> header : event.getHeaders().entrySet()) {
            if (Set.of("authorization", "content-type", "user-agent", "accept").contains(header.getKey())) {
                request.header(header.getKey(), header.getValue());
            }
        }
        String method = event.getRequestContext().getHttp().getMethod();
        request.method(method, event.getBody() == null ? BodyPublishers.noBody()
                : BodyPublishers.ofString(event.getBody()));
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            assertThat(client.send(request.build(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }
    }

    /** Every field path, e.g. "requestContext.http.method"; maps of request data count as one field. */
    static Set<String> fields(JsonNode node) {
        Set<String> paths = new TreeSet<>();
        collect(node, "", paths);
        return paths;
    }

    private static void collect(JsonNode node, String prefix, Set<String> paths) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String path = prefix + field.getKey();
            paths.add(path);
            if (field.getValue().isObject() && !MAPS.contains(field.getKey())) {
                collect(field.getValue(), path + ".", paths);
            }
        }
    }
}
