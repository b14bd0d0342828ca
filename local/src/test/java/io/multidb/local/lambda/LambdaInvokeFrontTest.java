package io.multidb.local.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Lambda Invoke front, spoken to over HTTP as the local Step Functions does. */
class LambdaInvokeFrontTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private LambdaInvokeFront front;

    @AfterEach
    void close() {
        if (front != null) {
            front.close();
        }
        http.close();
    }

    @Test
    void streamHandlersGetTheEventAndReturnTheirOutput() throws Exception {
        front = LambdaInvokeFront.builder()
                .functionTimeout(Duration.ofSeconds(30))
                .streamFunction("echo", (in, out, ctx) -> {
                    JsonNode event = JSON.readTree(in);
                    JSON.writeValue(out, JSON.createObjectNode()
                            .put("got", event.path("n").asInt())
                            .put("function", ctx.getFunctionName())
                            .put("remaining_ok", ctx.getRemainingTimeInMillis() > 0
                                    && ctx.getRemainingTimeInMillis() <= 30_000));
                })
                .start();

        HttpResponse<String> r = invoke("echo", "{\"n\": 7}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Amz-Function-Error")).isEmpty();
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.createObjectNode()
                .put("got", 7).put("function", "echo").put("remaining_ok", true));
    }

    @Test
    void mapHandlersAreReachableByNameArnAndQualifiedArn() throws Exception {
        front = LambdaInvokeFront.builder()
                .mapFunction("double", (event, ctx) -> {
                    Map<String, Object> out = new HashMap<>();
                    out.put("twice", ((Number) event.get("n")).intValue() * 2);
                    return out;
                })
                .start();

        for (String ref : new String[] {"double", front.functionArn("double"), front.functionArn("double") + ":live"}) {
            HttpResponse<String> r = invoke(ref, "{\"n\": 21}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("twice").asInt()).isEqualTo(42);
        }
    }

    @Test
    void aThrowingHandlerIsAFunctionErrorNamedByItsClass() throws Exception {
        front = LambdaInvokeFront.builder()
                .streamFunction("broken", (in, out, ctx) -> {
                    throw new IllegalStateException("no lock", new IOException("disk gone"));
                })
                .start();

        HttpResponse<String> r = invoke("broken", "{}");

        // Lambda's shape for a function error: 200, the header, the Java runtime's error document.
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Amz-Function-Error")).contains("Unhandled");
        JsonNode error = JSON.readTree(r.body());
        assertThat(error.path("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.path("errorMessage").asText()).isEqualTo("no lock");
        assertThat(error.path("stackTrace").isArray()).isTrue();
        assertThat(error.path("stackTrace").get(0).asText()).contains("LambdaInvokeFrontTest");
        assertThat(error.path("cause").path("errorType").asText()).isEqualTo("java.io.IOException");
    }

    @Test
    void serviceErrorsAreLambdasOwn() throws Exception {
        front = LambdaInvokeFront.builder().streamFunction("f", (in, out, ctx) -> out.write("{}".getBytes())).start();

        HttpResponse<String> missing = invoke("nope", "{}");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("x-amzn-ErrorType")).contains("ResourceNotFoundException");

        HttpResponse<String> badJson = invoke("f", "{not json");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.headers().firstValue("x-amzn-ErrorType")).contains("InvalidRequestContentException");

        assertThatThrownBy(() -> front.register("bad/name", new LambdaFunction.Stream((in, out, ctx) -> {})))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invocationsBeyondTheConcurrencyAreThrottled() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        front = LambdaInvokeFront.builder()
                .concurrency(1)
                .streamFunction("slow", (in, out, ctx) -> {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.write("{\"done\":true}".getBytes(StandardCharsets.UTF_8));
                })
                .start();

        CompletableFuture<HttpResponse<String>> first = http.sendAsync(request("slow", "{}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> second = invoke("slow", "{}");
        release.countDown();

        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("x-amzn-ErrorType")).contains("TooManyRequestsException");
        assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("{\"done\":true}");
    }

    private HttpResponse<String> invoke(String function, String body) throws IOException, InterruptedException {
        return http.send(request(function, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String function, String body) {
        URI uri = URI.create(front.endpoint() + "/2015-03-31/functions/"
                + URLEncoder.encode(function, StandardCharsets.UTF_8) + "/invocations");
        return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
