package io.multidb.api;

import org.slf4j.LoggerFactory;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.multidb.sql.ExecutionPolicy;
import io.multidb.sql.PipelineExecutor;
import io.multidb.sql.SqlLimits;
import java.sql.DriverManager;
import java.util.Map;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.sqlite.SQLiteConnection;

/**
 * Warms the API handler before a SnapStart snapshot (CRaC beforeCheckpoint): loads and JIT-warms the classes of the
 * request path, the JSON mapper, the SQLite driver and its native library, and the SDK client's marshalling,
 * without touching customer data: synthetic requests that end in 401/404 and SQL on an in-memory database.
 */
public final class Priming implements Resource {
    /** Strong reference: CRaC keeps only weak references to registered resources. */
    private static Priming registered;
    private final ApiHandler handler;

    private Priming(ApiHandler handler) {
        this.handler = handler;
    }

    static synchronized void register(ApiHandler handler) {
        registered = new Priming(handler);
        Core.getGlobalContext().register(registered);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime(handler);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: clients hold no connections across the snapshot worth keeping (url-connection opens
        // a connection per request host and keeps none we rely on).
    }

    /** Runs the warm-up; safe to call more than once. */
    public static void prime(ApiHandler handler) {
        for (int i = 0; i < 20; i++) {
            handler.handleRequest(event("GET", "/health", null, null), null);
            handler.handleRequest(event("GET", "/v1/organizations/prime/groups", "Bearer x", null), null);
            handler.handleRequest(event("POST", "/db/prime/v2/pipeline", null,
                    "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT 1\"}},{\"type\":\"close\"}]}"), null);
        }
        try (SQLiteConnection c = (SQLiteConnection) DriverManager.getConnection("jdbc:sqlite::memory:")) {
            PipelineExecutor executor = new PipelineExecutor(SqlLimits.defaults());
            var request = Json.parse(("{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"CREATE TABLE t(i INTEGER PRIMARY KEY, "
                    + "s TEXT, f REAL, b BLOB)\"}},{\"type\":\"batch\",\"batch\":{\"steps\":[{\"stmt\":{\"sql\":\"INSERT INTO t(s,f,b) "
                    + "VALUES (?,?,?)\",\"args\":[{\"type\":\"text\",\"value\":\"x\"},{\"type\":\"float\",\"value\":1.5},"
                    + "{\"type\":\"blob\",\"base64\":\"AQI=\"}]}},{\"condition\":{\"type\":\"ok\",\"step\":0},\"stmt\":{\"sql\":"
                    + "\"SELECT * FROM t WHERE i = ?\",\"args\":[{\"type\":\"integer\",\"value\":\"1\"}]}}]}},{\"type\":\"close\"}]}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 20; i++) {
                executor.execute(c, request, ExecutionPolicy.unrestricted(SqlLimits.defaults()));
            }
        } catch (Exception e) {
            LoggerFactory.getLogger(Priming.class).warn("priming SQLite failed (the first request will load it instead)", e);
        }
        try {
            handler.services().databases().listGroups("prime-org");
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(Priming.class).warn("priming the metadata client failed (the first request will pay for it)", e);
        }
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, String auth, String body) {
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(path);
        e.setRawQueryString("");
        e.setHeaders(auth == null ? Map.of("host", "prime", "content-type", "application/json")
                : Map.of("host", "prime", "authorization", auth, "content-type", "application/json"));
        e.setBody(body);
        e.setIsBase64Encoded(false);
        APIGatewayV2HTTPEvent.RequestContext rc = new APIGatewayV2HTTPEvent.RequestContext();
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(method);
        http.setPath(path);
        rc.setHttp(http);
        e.setRequestContext(rc);
        return e;
    }
}
