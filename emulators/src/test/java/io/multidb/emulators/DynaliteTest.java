package io.multidb.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynaliteTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void startsInMemoryOnLoopbackAndAnswersListTables() throws Exception {
        try (Dynalite dynalite = Dynalite.start(null, 0)) {
            assertThat(dynalite.endpoint().toString()).isEqualTo("http://127.0.0.1:" + dynalite.port());
            assertThat(dynalite.dataDir()).isNull();
            HttpResponse<String> response = call(dynalite, "ListTables", "{}");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"TableNames\":[]}");
            assertThat(dynalite.output()).contains("Dynalite listening at: http://127.0.0.1:" + dynalite.port());
        }
    }

    @Test
    void persistedTablesAndItemsSurviveARestart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("dynalite");
        try (Dynalite dynalite = Dynalite.start(data, 0)) {
            HttpResponse<String> create = call(dynalite, "CreateTable", """
                    {"TableName":"items","BillingMode":"PAY_PER_REQUEST",
                     "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
                     "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}""");
            assertThat(create.statusCode()).as(create.body()).isEqualTo(200);
            awaitActive(dynalite, "items");
            HttpResponse<String> put = call(dynalite, "PutItem",
                    "{\"TableName\":\"items\",\"Item\":{\"pk\":{\"S\":\"k\"},\"v\":{\"S\":\"kept\"}}}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        }
        try (Dynalite again = Dynalite.start(data, 0)) {
            HttpResponse<String> get = call(again, "GetItem",
                    "{\"TableName\":\"items\",\"Key\":{\"pk\":{\"S\":\"k\"}},\"ConsistentRead\":true}");
            assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
            assertThat(get.body()).contains("\"v\":{\"S\":\"kept\"}");
        }
    }

    @Test
    void closeLeavesNoProcessAndIsIdempotent() {
        Dynalite dynalite = Dynalite.start(null, 0);
        long pid = dynalite.pid();
        assertThat(ProcessHandle.of(pid)).map(ProcessHandle::isAlive).contains(true);
        dynalite.close();
        dynalite.close();
        assertThat(dynalite.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void anExplicitPortInUseFailsClearly() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Dynalite.start(null, taken.getLocalPort()))
                    .isInstanceOf(EmulatorException.class)
                    .hasMessageContaining("port " + taken.getLocalPort() + " on 127.0.0.1 is in use");
        }
    }

    @Test
    void anExplicitFreePortIsUsed() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Dynalite dynalite = Dynalite.start(null, port)) {
            assertThat(dynalite.port()).isEqualTo(port);
            assertThat(call(dynalite, "ListTables", "{}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void nodeEndsWhenTheJvmSideOfItsStdinCloses() throws Exception {
        // What happens when the JVM is killed without running shutdown hooks: the watchdog ends Node.
        Path nodeModules = NodeModules.locate("dynalite");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        NodeProcess.Spec spec = new NodeProcess.Spec("dynalite", nodeModules,
                nodeModules.resolve("dynalite/cli.js"), List.of("--host", "127.0.0.1", "--port", "" + port),
                nodeModules.getParent(), null, port, Duration.ofSeconds(30));
        try (NodeProcess node = NodeProcess.start(spec)) {
            assertThat(node.isAlive()).isTrue();
            node.closeInput();
            assertThat(node.awaitExit(Duration.ofSeconds(20))).as("exited after stdin closed").isTrue();
        }
    }

    @Test
    void aMissingNodeModulesSaysToRunNpmCi(@TempDir Path empty) {
        String previous = System.getProperty(NodeModules.PROPERTY);
        System.setProperty(NodeModules.PROPERTY, empty.toString());
        try {
            assertThatThrownBy(() -> Dynalite.start(null, 0))
                    .isInstanceOf(EmulatorException.class)
                    .hasMessageContaining("run npm ci at the repo root");
        } finally {
            if (previous == null) {
                System.clearProperty(NodeModules.PROPERTY);
            } else {
                System.setProperty(NodeModules.PROPERTY, previous);
            }
        }
    }

    /** A raw DynamoDB JSON call with SigV4-looking headers (dynalite checks that they are there, not the signature). */
    static HttpResponse<String> call(Dynalite dynalite, String action, String body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(dynalite.endpoint())
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810." + action)
                .header("X-Amz-Date", "20250101T000000Z")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
                        + "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitActive(Dynalite dynalite, String table) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (true) {
            String body = call(dynalite, "DescribeTable", "{\"TableName\":\"" + table + "\"}").body();
            if (body.contains("\"TableStatus\":\"ACTIVE\"")) {
                return;
            }
            assertThat(Instant.now()).as("table %s active in time: %s", table, body).isBefore(deadline);
            // dynalite keeps a new table CREATING for a fixed 500 ms and has no event to wait on.
            Thread.sleep(100);
        }
    }
}
