package io.multidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator's client against the JDK's server: keep-alive, lengths, and a reconnect. */
class HttpTest {
    private HttpServer server;
    private final AtomicInteger connections = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            byte[] out = (ex.getRequestMethod() + " " + ex.getRequestURI() + " " + auth + " " + in.length)
                    .getBytes(StandardCharsets.UTF_8);
            if (ex.getRequestURI().getPath().equals("/close")) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/empty") ? 204 : 200,
                    ex.getRequestURI().getPath().equals("/empty") ? -1 : out.length);
            if (!ex.getRequestURI().getPath().equals("/empty")) {
                ex.getResponseBody().write(out);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void requestsShareOneConnectionAndBodiesArriveWhole() throws Exception {
        try (Http http = new Http(server.getAddress().getPort(), "t0k")) {
            assertThat(http.post("/a", "{\"x\":1}").text()).isEqualTo("POST /a Bearer t0k 7");
            assertThat(http.get("/b").text()).isEqualTo("GET /b Bearer t0k 0");
            byte[] prepared = http.prepare("POST", "/c", "{}".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                Http.Response r = http.sendPrepared(prepared);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("POST /c Bearer t0k 2");
            }
            Http.Response empty = http.get("/empty");
            assertThat(empty.status()).isEqualTo(204);
            assertThat(empty.body()).isEmpty();
        }
    }

    @Test
    void aConnectionTheServerClosedIsOpenedAgain() throws Exception {
        try (Http http = new Http(server.getAddress().getPort(), null)) {
            assertThat(http.get("/close").status()).isEqualTo(200);
            assertThat(http.get("/after").text()).isEqualTo("GET /after null 0");
        }
    }
}
