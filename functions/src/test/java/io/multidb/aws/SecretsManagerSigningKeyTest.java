package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.multidb.auth.SigningKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/**
 * The real SDK client against a stub of Secrets Manager's GetSecretValue (JSON 1.1 over HTTP, as the service
 * speaks it): no emulator of Secrets Manager runs without Docker here.
 */
class SecretsManagerSigningKeyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Secret id → the response's value fields (SecretString or SecretBinary). */
    private static final Map<String, ObjectNode> SECRETS = new ConcurrentHashMap<>();
    private static final AtomicInteger CALLS = new AtomicInteger();
    private static HttpServer server;
    private static URI endpoint;

    @BeforeAll
    static void startStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            CALLS.incrementAndGet();
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            ObjectNode value = SECRETS.get(request.path("SecretId").asText());
            int status;
            ObjectNode body = JSON.createObjectNode();
            if (!"secretsmanager.GetSecretValue".equals(target)) {
                status = 400;
                body.put("__type", "InvalidRequestException").put("message", "unexpected " + target);
            } else if (value == null) {
                status = 400;
                body.put("__type", "ResourceNotFoundException")
                        .put("message", "Secrets Manager can't find the specified secret.");
            } else {
                status = 200;
                body.put("ARN", "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + request.get("SecretId").asText())
                        .put("Name", request.get("SecretId").asText()).put("VersionId", "v1");
                body.setAll(value);
            }
            byte[] bytes = JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stopStub() {
        server.stop(0);
    }

    private static void putString(String id, String s) {
        SECRETS.put(id, JSON.createObjectNode().put("SecretString", s));
    }

    private static SigningKey load(String id) {
        return SecretsManagerSigningKey.load(id, Region.US_EAST_1, endpoint).current();
    }

    @Test
    void aStringSecretIsTheKeyAndIsReadOnce() {
        String secret = Base64.getEncoder().encodeToString(new byte[32]); // 44 characters, like openssl rand -base64 32
        putString("multidb/token-key", secret);
        int before = CALLS.get();
        SecretsManagerSigningKey keys = SecretsManagerSigningKey.load("multidb/token-key", Region.US_EAST_1, endpoint);
        keys.current();
        keys.current();
        assertThat(keys.current()).isEqualTo(SigningKey.of(secret.getBytes(StandardCharsets.UTF_8)));
        assertThat(CALLS.get() - before).isEqualTo(1);
    }

    @Test
    void aBinarySecretIsUsedAsItIs() {
        byte[] raw = new byte[48];
        raw[0] = 7;
        SECRETS.put("bin", JSON.createObjectNode().put("SecretBinary", Base64.getEncoder().encodeToString(raw)));
        assertThat(load("bin")).isEqualTo(SigningKey.of(raw));
    }

    @Test
    void unusableSecretsAreRefusedSayingWhatToDo() {
        putString("short", "x".repeat(42));
        assertThatThrownBy(() -> load("short")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 42 characters; it needs at least 43");
        putString("json", "{\"key\":\"" + "x".repeat(60) + "\"}");
        assertThatThrownBy(() -> load("json")).isInstanceOf(IllegalStateException.class).hasMessageContaining("holds JSON");
        SECRETS.put("tiny-bin", JSON.createObjectNode().put("SecretBinary", Base64.getEncoder().encodeToString(new byte[16])));
        assertThatThrownBy(() -> load("tiny-bin")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has 16 bytes");
        assertThatThrownBy(() -> load("absent")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("secret absent does not exist");
        // Control: a good secret under the same stub loads, so the refusals above are the secrets' doing.
        putString("fine", "y".repeat(43));
        assertThat(load("fine")).isNotNull();
    }

    @Test
    void anUnreachableEndpointIsAClearStartupFailure() {
        URI closed = URI.create("http://127.0.0.1:1");
        assertThatThrownBy(() -> SecretsManagerSigningKey.load("any", Region.US_EAST_1, closed))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot read the token signing key secret any");
    }
}
