package io.multidb.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ApiGatewayFrontTest {
    private static final RecordingHandler handler = new RecordingHandler();
    private static final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static ApiGatewayFront front;

    @BeforeAll
    static void start() throws IOException {
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        front = ApiGatewayFront.start(handler, ApiGatewayFront.Options.onPort(0).withLog(log));
    }

    @AfterAll
    static void stop() {
        front.close();
    }

    @BeforeEach
    void reset() {
        handler.reset();
        synchronized (logBytes) {
            logBytes.reset();
        }
    }

    private static String log() {
        synchronized (logBytes) {
            return logBytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + pathAndQuery));
    }

    private static HttpResponse<byte[]> send(HttpRequest request) throws Exception {
        return client.send(request, BodyHandlers.ofByteArray());
    }

    @Test
    void binds_a_free_port_on_loopback() {
        assertThat(front.port()).isPositive();
        assertThat(front.baseUri()).isEqualTo(URI.create("http://127.0.0.1:" + front.port() + "/"));
    }

    @Test
    void a_get_becomes_a_payload_2_0_event() throws Exception {
        long before = System.currentTimeMillis();
        HttpResponse<byte[]> response = send(request(
                "/v1/organizations/local/databases/a%2fb/c?schema=parent&tag=1&tag=2&q=a%20b+c%2B&flag")
                .header("X-Custom-Header", "Value").header("Authorization", "Bearer t0ken").GET().build());
        long after = System.currentTimeMillis();

        assertThat(response.statusCode()).isEqualTo(200);
        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getVersion()).isEqualTo("2.0");
        assertThat(event.getRouteKey()).isEqualTo("$default");
        assertThat(event.getRawPath()).isEqualTo("/v1/organizations/local/databases/a%2fb/c");
        assertThat(event.getRawQueryString()).isEqualTo("schema=parent&tag=1&tag=2&q=a%20b+c%2B&flag");
        assertThat(event.getQueryStringParameters())
                .isEqualTo(Map.of("schema", "parent", "tag", "1,2", "q", "a b c+", "flag", ""));
        assertThat(event.getPathParameters()).isNull();
        assertThat(event.getStageVariables()).isNull();
        assertThat(event.getCookies()).isNull();
        assertThat(event.getBody()).isNull();
        assertThat(event.getIsBase64Encoded()).isFalse();

        Map<String, String> headers = event.getHeaders();
        assertThat(headers.keySet()).allSatisfy(name -> assertThat(name).isEqualTo(name.toLowerCase(Locale.ROOT)));
        assertThat(headers)
                .containsEntry("x-custom-header", "Value")
                .containsEntry("authorization", "Bearer t0ken")
                .containsEntry("host", "127.0.0.1:" + front.port())
                .containsEntry("x-forwarded-for", "127.0.0.1")
                .containsEntry("x-forwarded-port", Integer.toString(front.port()))
                .containsEntry("x-forwarded-proto", "http")
                .doesNotContainKey("content-length");
        assertThat(headers.get("user-agent")).startsWith("Java-http-client");
        assertThat(headers.get("x-amzn-trace-id")).matches("Root=1-[0-9a-f]{8}-[0-9a-f]{24}");

        APIGatewayV2HTTPEvent.RequestContext context = event.getRequestContext();
        assertThat(context.getRouteKey()).isEqualTo("$default");
        assertThat(context.getStage()).isEqualTo("$default");
        assertThat(context.getAccountId()).isEqualTo("anonymous");
        assertThat(context.getApiId()).isEqualTo("local");
        assertThat(context.getDomainName()).isEqualTo("127.0.0.1:" + front.port());
        assertThat(context.getDomainPrefix()).isEqualTo("127");
        assertThat(context.getAuthorizer()).isNull();
        assertThat(UUID.fromString(context.getRequestId()).toString()).isEqualTo(context.getRequestId());
        assertThat(context.getTimeEpoch()).isBetween(before, after);
        ZonedDateTime time = ZonedDateTime.parse(context.getTime(),
                DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US));
        assertThat(time.toEpochSecond()).isEqualTo(context.getTimeEpoch() / 1000);
        assertThat(context.getTime()).endsWith(" +0000");
        assertThat(context.getHttp().getMethod()).isEqualTo("GET");
        assertThat(context.getHttp().getPath()).isEqualTo("/v1/organizations/local/databases/a%2fb/c");
        assertThat(context.getHttp().getProtocol()).isEqualTo("HTTP/1.1");
        assertThat(context.getHttp().getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(context.getHttp().getUserAgent()).isEqualTo(headers.get("user-agent"));

        assertThat(response.headers().firstValue("apigw-requestid")).contains(context.getRequestId());
    }

    @Test
    void no_query_string_is_an_empty_raw_query_and_no_parameters() throws Exception {
        send(request("/").GET().build());

        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getRawPath()).isEqualTo("/");
        assertThat(event.getRawQueryString()).isEmpty();
        assertThat(event.getQueryStringParameters()).isNull();
    }

    @Test
    void repeated_headers_are_joined_and_cookies_get_their_own_field() throws Exception {
        // A raw request: HttpClient would not send repeated lines, mixed-case names or hop-by-hop headers.
        String response = raw("GET /x HTTP/1.1\r\n"
                + "Host: api.example.test:8080\r\n"
                + "X-Multi: a\r\n"
                + "X-MULTI: b\r\n"
                + "X-Mixed-Case: V\r\n"
                + "X-Forwarded-For: 198.51.100.1\r\n"
                + "Cookie: s=1; t=2\r\n"
                + "Cookie: u=3\r\n"
                + "Upgrade: h2c\r\n"
                + "Connection: close\r\n"
                + "\r\n");

        assertThat(response).startsWith("HTTP/1.1 200");
        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getHeaders())
                .containsEntry("x-multi", "a,b")
                .containsEntry("x-mixed-case", "V")
                .containsEntry("x-forwarded-for", "198.51.100.1, 127.0.0.1")
                .doesNotContainKeys("cookie", "connection", "upgrade");
        assertThat(event.getCookies()).containsExactly("s=1", "t=2", "u=3");
        assertThat(event.getRequestContext().getDomainName()).isEqualTo("api.example.test:8080");
        assertThat(event.getRequestContext().getDomainPrefix()).isEqualTo("api");
    }

    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            socket.setSoTimeout(30_000); // a hang fails the test instead of blocking the build
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void a_json_body_arrives_as_text() throws Exception {
        String json = "{\"name\":\"tenant1\",\"note\":\"é ✓\"}";
        send(request("/v1/organizations/local/databases")
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());

        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getRequestContext().getHttp().getMethod()).isEqualTo("POST");
        assertThat(event.getBody()).isEqualTo(json);
        assertThat(event.getIsBase64Encoded()).isFalse();
        assertThat(event.getHeaders())
                .containsEntry("content-type", "application/json; charset=utf-8")
                .containsEntry("content-length", Integer.toString(json.getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void a_binary_body_arrives_base64_encoded() throws Exception {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        send(request("/upload").header("Content-Type", "application/octet-stream")
                .PUT(BodyPublishers.ofByteArray(bytes)).build());

        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getRequestContext().getHttp().getMethod()).isEqualTo("PUT");
        assertThat(event.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(event.getBody())).isEqualTo(bytes);
    }

    /** Text only for the types real HTTP APIs send as text; everything else, even forms or no type, is base64. */
    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "application/json, false",
            "APPLICATION/JSON;charset=UTF-8, false",
            "text/plain, false",
            "text/csv; charset=utf-8, false",
            "application/xml, false",
            "application/javascript, false",
            "application/x-www-form-urlencoded, true",
            "application/x-protobuf, true",
            "image/png, true",
            "none, true"})
    void which_bodies_are_base64(String contentType, boolean base64) throws Exception {
        HttpRequest.Builder builder = request("/db/x/v2/pipeline").POST(BodyPublishers.ofString("a=1&b=2"));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        send(builder.build());

        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getIsBase64Encoded()).isEqualTo(base64);
        String body = base64 ? new String(Base64.getDecoder().decode(event.getBody()), StandardCharsets.UTF_8)
                : event.getBody();
        assertThat(body).isEqualTo("a=1&b=2");
    }

    @Test
    void a_chunked_body_arrives_whole_with_its_length() throws Exception {
        byte[] bytes = "{\"chunked\":true}".getBytes(StandardCharsets.UTF_8);
        send(request("/c").header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build());

        APIGatewayV2HTTPEvent event = handler.only();
        assertThat(event.getBody()).isEqualTo("{\"chunked\":true}");
        assertThat(event.getHeaders())
                .containsEntry("content-length", Integer.toString(bytes.length))
                .doesNotContainKey("transfer-encoding");
    }

    @Test
    void the_response_maps_status_headers_cookies_and_a_base64_body() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff, (byte) 0x80};
        handler.respond = (event, context) -> {
            APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
            response.setStatusCode(201);
            response.setHeaders(Map.of("Content-Type", "application/octet-stream", "X-One", "1"));
            response.setMultiValueHeaders(Map.of("X-Multi", List.of("a", "b")));
            response.setCookies(List.of("s=1; Path=/; HttpOnly", "t=2"));
            response.setBody(Base64.getEncoder().encodeToString(bytes));
            response.setIsBase64Encoded(true);
            return response;
        };

        HttpResponse<byte[]> response = send(request("/r").GET().build());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("content-type")).contains("application/octet-stream");
        assertThat(response.headers().allValues("x-one")).containsExactly("1");
        assertThat(response.headers().allValues("x-multi")).containsExactly("a", "b");
        assertThat(response.headers().allValues("set-cookie")).containsExactly("s=1; Path=/; HttpOnly", "t=2");
        assertThat(response.body()).isEqualTo(bytes);
    }

    @Test
    void a_text_response_body_is_sent_as_utf8() throws Exception {
        handler.respond = (event, context) -> RecordingHandler.ok("{\"text\":\"héllo ✓\"}");

        HttpResponse<byte[]> response = send(request("/t").GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body()).isEqualTo("{\"text\":\"héllo ✓\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_response_without_a_body_is_empty() throws Exception {
        handler.respond = (event, context) -> {
            APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
            response.setStatusCode(204);
            return response;
        };

        HttpResponse<byte[]> response = send(request("/n").DELETE().build());

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(handler.only().getRequestContext().getHttp().getMethod()).isEqualTo("DELETE");
    }

    @Test
    void a_body_over_10_mb_is_refused_without_calling_the_handler() throws Exception {
        byte[] tooBig = new byte[ApiGatewayFront.MAX_BODY_BYTES + 1];

        HttpResponse<byte[]> declared = send(request("/big").header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(tooBig)).build());
        HttpResponse<byte[]> chunked = send(request("/big").header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooBig))).build());

        for (HttpResponse<byte[]> response : List.of(declared, chunked)) {
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.headers().firstValue("content-type")).contains("application/json");
            assertThat(new String(response.body(), StandardCharsets.UTF_8)).startsWith("{\"error\":\"request body is larger");
        }
        assertThat(handler.events).isEmpty();
    }

    @Test
    void a_body_of_exactly_10_mb_is_delivered() throws Exception {
        byte[] limit = new byte[ApiGatewayFront.MAX_BODY_BYTES];
        Arrays.fill(limit, (byte) 'a');
        handler.respond = (event, context) -> RecordingHandler.ok("{\"length\":" + event.getBody().length() + "}");

        HttpResponse<byte[]> response = send(request("/limit").header("Content-Type", "text/plain")
                .POST(BodyPublishers.ofByteArray(limit)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"length\":" + ApiGatewayFront.MAX_BODY_BYTES + "}");
    }

    @Test
    void a_handler_exception_is_a_plain_500_with_the_stack_trace_in_the_log() throws Exception {
        handler.respond = (event, context) -> {
            throw new IllegalStateException("boom-4711");
        };

        HttpResponse<byte[]> response = send(request("/fail").GET().build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(log()).contains("java.lang.IllegalStateException: boom-4711")
                .contains("at io.multidb.local.ApiGatewayFrontTest");
    }

    @ParameterizedTest
    @CsvSource({"null-response", "status-0", "bad-base64"})
    void an_unusable_response_is_a_plain_500(String kind) throws Exception {
        handler.respond = (event, context) -> {
            if (kind.equals("null-response")) {
                return null;
            }
            APIGatewayV2HTTPResponse response = RecordingHandler.ok("not base64!");
            if (kind.equals("status-0")) {
                response.setStatusCode(0);
            } else {
                response.setIsBase64Encoded(true);
            }
            return response;
        };

        HttpResponse<byte[]> response = send(request("/odd").GET().build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"message\":\"Internal Server Error\"}");
        assertThat(log()).contains("unusable handler response");
    }

    @Test
    void the_handler_gets_a_lambda_context() throws Exception {
        handler.respond = (event, context) -> {
            context.getLogger().log("hello from the handler");
            return RecordingHandler.ok("{}");
        };

        send(request("/ctx").GET().build());

        Context context = handler.contexts.get(0);
        String requestId = handler.only().getRequestContext().getRequestId();
        assertThat(context.getAwsRequestId()).isNotEqualTo(requestId);
        assertThat(UUID.fromString(context.getAwsRequestId()).toString()).isEqualTo(context.getAwsRequestId());
        assertThat(context.getFunctionName()).isEqualTo("multidb-api-local");
        assertThat(context.getRemainingTimeInMillis()).isBetween(0, 30_000);
        assertThat(context.getMemoryLimitInMB()).isPositive();
        assertThat(log()).contains("hello from the handler\n");
    }

    @Test
    void remaining_time_counts_down_from_the_configured_timeout() {
        LocalLambdaContext context = new LocalLambdaContext("id", "f", LocalLambdaContext.arn("us-east-1", "0", "f"),
                System.nanoTime() + Duration.ofSeconds(30).toNanos(), 1024, new LocalLambdaContext.StreamLogger(System.err));
        LocalLambdaContext expired = new LocalLambdaContext("id", "f", context.invokedFunctionArn(), System.nanoTime() - 1,
                1024, context.logger());

        assertThat(context.getRemainingTimeInMillis()).isBetween(1, 30_000);
        assertThat(expired.getRemainingTimeInMillis()).isZero();
    }

    @Test
    void requestIdsAreVersion4UuidsAndDoNotRepeat() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = UUID.fromString(ApiGatewayFront.requestId());
            assertThat(id.version()).isEqualTo(4);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(seen.add(id.toString())).isTrue();
        }
    }
}
