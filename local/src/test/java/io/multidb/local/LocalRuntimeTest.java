package io.multidb.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalRuntimeTest {
    @TempDir
    Path tmp;

    private LocalConfig config() throws Exception {
        return LocalConfig.load(new LocalConfig.Flags(0, tmp, false), Map.of());
    }

    @Test
    void serves_until_closed() throws Exception {
        LocalRuntime runtime = LocalRuntime.start(config());
        URI uri = runtime.baseUri().resolve("v1/organizations/local/databases");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (client) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            // The real handler answers: no token, no control plane.
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("\"error\"");
            long before = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
            assertThat(before).as("dynalite and the Step Functions service run as children").isGreaterThanOrEqualTo(2);

            runtime.close();
            runtime.close(); // the shutdown hook may close again
            runtime.awaitClose();

            assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
            // No orphans: every emulator process is gone.
            ProcessHandle.current().descendants().forEach(p -> p.onExit().join());
            assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
        }
    }

    @Test
    void resources_close_newest_first_even_when_one_fails() throws Exception {
        List<String> closed = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LocalRuntime runtime = new LocalRuntime(config(), new PrintStream(log, true, StandardCharsets.UTF_8));
        runtime.register(() -> closed.add("dynalite"));
        runtime.register(() -> {
            closed.add("catalog");
            throw new IllegalStateException("catalog would not stop");
        });
        runtime.register(() -> closed.add("front"));

        runtime.close();

        assertThat(closed).containsExactly("front", "catalog", "dynalite");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("catalog would not stop");
        assertThatThrownBy(() -> runtime.register(() -> closed.add("late")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(closed).endsWith("late"); // closed at once rather than left running
    }

    @Test
    void the_banner_tells_how_to_connect() throws Exception {
        try (LocalRuntime runtime = LocalRuntime.start(config())) {
            String banner = LocalRuntime.banner(runtime);

            assertThat(banner).contains("http://127.0.0.1:" + runtime.port() + "/")
                    .contains(runtime.config().adminToken())
                    .contains(tmp.resolve("admin-token").toString())
                    .contains("http://127.0.0.1:" + runtime.port() + "/console ")
                    .contains("baseUrl: \"http://127.0.0.1:" + runtime.port() + "/v1/\"");
        }
    }

    @Test
    void dynalite_killed_under_a_running_runtime_is_started_again_and_requests_wait_for_it() throws Exception {
        try (LocalRuntime runtime = LocalRuntime.start(config());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String token = runtime.config().adminToken();
            URI groups = runtime.baseUri().resolve("v1/organizations/local/groups");
            assertThat(post(client, groups, token, "{\"name\":\"before\",\"location\":\"eu-west-1\"}")).isEqualTo(200);
            long first = runtime.dynalitePid();

            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            ProcessHandle.of(first).ifPresent(p -> p.onExit().join());

            // dynalite is down for a second or two; a request meanwhile waits (the emulator client's retries)
            // instead of answering 503, and sees what was written before the kill (the tables live on disk).
            // Many at once, as under load: they share one SDK client, whose retries must not run out for all.
            List<Integer> statuses;
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                var futures = java.util.stream.IntStream.range(0, 40).mapToObj(i -> pool.submit(() ->
                        post(client, groups, token, "{\"name\":\"after-" + i + "\",\"location\":\"eu-west-1\"}"))).toList();
                statuses = new java.util.ArrayList<>();
                for (var f : futures) {
                    statuses.add(f.get());
                }
            }
            assertThat(statuses).containsOnly(200);
            assertThat(runtime.dynaliteRestarts()).isEqualTo(1);
            assertThat(runtime.dynalitePid()).isNotEqualTo(first);
            HttpResponse<String> list = client.send(HttpRequest.newBuilder(groups)
                    .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(list.body()).contains("\"before\"");
        }
    }

    private static int post(HttpClient client, URI uri, String token, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).header("authorization", "Bearer " + token)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
