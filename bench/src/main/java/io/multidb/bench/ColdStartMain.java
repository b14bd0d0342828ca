package io.multidb.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.multidb.api.ApiHandler;
import io.multidb.api.Priming;
import io.multidb.api.Wiring;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The cold-start probe: run in a fresh JVM with only the shaded Lambda jar and this class on the class path (see
 * {@link ColdStartBench}). It builds the API handler as the Lambda container's init does, from an environment
 * (read from a properties file, pointing at the local runtime's dynalite and data root), optionally primes it as
 * SnapStart's beforeCheckpoint hook would, then handles one event (a point SELECT on the data plane with a database
 * token) and a second one, and prints System.nanoTime() at each step (CLOCK_MONOTONIC on Linux: comparable with the
 * parent's clock). One class, no lambdas: nothing else of the bench's is loaded.
 *
 * <p>Arguments: {@code prime|plain <env.properties>}.
 */
public final class ColdStartMain {
    private ColdStartMain() {
    }

    public static void main(String[] args) throws Exception {
        long main = System.nanoTime();
        boolean prime = args[0].equals("prime");
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(args[1])) {
            p.load(in);
        }
        Map<String, String> env = new HashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("MULTIDB_") || k.startsWith("AWS_")) {
                env.put(k, p.getProperty(k));
            }
        }
        ApiHandler handler = new ApiHandler(Wiring.fromEnvironment(env));
        long built = System.nanoTime();
        if (prime) {
            Priming.prime(handler);
        }
        long init = System.nanoTime();
        String path = "/db/" + p.getProperty("database") + "/v2/pipeline";
        String body = "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT id, name, qty, created_at FROM items "
                + "WHERE id = ?\",\"args\":[{\"type\":\"integer\",\"value\":\"7\"}]}},{\"type\":\"close\"}]}";
        APIGatewayV2HTTPResponse first = handler.handleRequest(event(path, p.getProperty("token"), body), null);
        long handled = System.nanoTime();
        APIGatewayV2HTTPResponse second = handler.handleRequest(event(path, p.getProperty("token"), body), null);
        long again = System.nanoTime();
        boolean ok = first.getStatusCode() == 200 && first.getBody().contains("item-7") && second.getStatusCode() == 200;
        // This process's CPU until now (read after the timed part): less disturbed by a busy machine than wall time.
        long cpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
        System.out.println("COLDSTART " + main + " " + built + " " + init + " " + handled + " " + again + " " + ok + " "
                + cpu);
        System.out.flush();
        if (!ok) {
            System.out.println("first response: " + first.getStatusCode() + " " + first.getBody());
        }
        System.exit(ok ? 0 : 1);
    }

    /** The event API Gateway's HTTP API (payload 2.0) delivers for the request. */
    static APIGatewayV2HTTPEvent event(String path, String token, String body) {
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setVersion("2.0");
        e.setRouteKey("$default");
        e.setRawPath(path);
        e.setRawQueryString("");
        Map<String, String> headers = new HashMap<>();
        headers.put("host", "api.example.com");
        headers.put("authorization", "Bearer " + token);
        headers.put("content-type", "application/json");
        headers.put("content-length", Integer.toString(body.length()));
        e.setHeaders(headers);
        e.setBody(body);
        e.setIsBase64Encoded(false);
        APIGatewayV2HTTPEvent.RequestContext rc = new APIGatewayV2HTTPEvent.RequestContext();
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("POST");
        http.setPath(path);
        http.setProtocol("HTTP/1.1");
        http.setSourceIp("127.0.0.1");
        rc.setHttp(http);
        rc.setDomainName("api.example.com");
        rc.setRequestId("cold-start");
        rc.setStage("$default");
        rc.setTimeEpoch(System.currentTimeMillis());
        e.setRequestContext(rc);
        return e;
    }
}
