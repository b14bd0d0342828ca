package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.auth.Authorizer;
import io.multidb.auth.FileSigningKey;
import io.multidb.auth.InMemoryTokenGenerations;
import io.multidb.auth.TokenService;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.drift.DriftOptions;
import io.multidb.drift.InMemoryDriftStore;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.sql.SqlLimits;
import io.multidb.sql.SqlService;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.tasks.TaskWiring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The API handler over the fakes (in-memory catalog, migration store and counters) and real SQLite files, built
 * as {@link Wiring#build} builds it but with the knobs tests need: SQL limits (a short statement time), the
 * clock tokens are checked against, and a short migration wait. Plus a few helpers to drive it.
 */
final class TestApi {
    static final String ORG = "acme";
    static final String ADMIN = "test-admin-token-0123456789";

    final ApiHandler handler;
    final TokenService tokens;
    final SqliteStore store;
    final Path root;

    private TestApi(ApiHandler handler, TokenService tokens, SqliteStore store, Path root) {
        this.handler = handler;
        this.tokens = tokens;
        this.store = store;
        this.root = root;
    }

    static TestApi create(Path root, SqlLimits limits, Clock tokenClock) {
        InMemoryCatalog catalog = new InMemoryCatalog();
        SqliteStore store = new SqliteStore(root, StorageOptions.defaults());
        InMemoryMigrationStore migrationStore = new InMemoryMigrationStore(catalog);
        ApiHandlerTest.RecordingWorkflows workflows = new ApiHandlerTest.RecordingWorkflows();
        MigrationService migrations = TaskWiring.build(catalog, store, root, migrationStore,
                workflows, MigrationOptions.defaults(), java.util.function.UnaryOperator.identity());
        TokenService tokens = new TokenService(ORG, ADMIN, FileSigningKey.open(root), new InMemoryTokenGenerations(),
                Duration.ofSeconds(5), tokenClock);
        Duration wait = Duration.ofSeconds(1);
        Services services = new Services(ORG, tokens, new Authorizer(tokens),
                new DatabaseService(catalog, store, Clock.systemUTC()),
                new SqlService(catalog, store, limits, migrations, wait), migrations, wait,
                TaskWiring.drift(catalog, store, migrationStore, new InMemoryDriftStore(), workflows,
                        DriftOptions.defaults()));
        return new TestApi(new ApiHandler(services), tokens, store, root);
    }

    static TestApi create(Path root) {
        return create(root, SqlLimits.defaults(), Clock.systemUTC());
    }

    APIGatewayV2HTTPResponse send(APIGatewayV2HTTPEvent event) {
        return handler.handleRequest(event, null);
    }

    APIGatewayV2HTTPResponse send(ApiEvents.Builder b) {
        return send(b.build());
    }

    static JsonNode body(APIGatewayV2HTTPResponse r) {
        assertThat(r.getHeaders()).containsEntry("content-type", "application/json");
        return Json.parse(r.getBody().getBytes(StandardCharsets.UTF_8));
    }

    /** Sends with the admin token and expects 200. */
    JsonNode admin(ApiEvents.Builder b) {
        APIGatewayV2HTTPResponse r = send(b.bearer(ADMIN));
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        return body(r);
    }

    static String v1(String rest) {
        return "/v1/organizations/" + ORG + "/" + rest;
    }

    void group(String name) {
        admin(ApiEvents.post(v1("groups")).json("{\"name\":\"" + name + "\",\"location\":\"eu-west-1\"}"));
    }

    void database(String name, String group) {
        admin(ApiEvents.post(v1("databases")).json("{\"name\":\"" + name + "\",\"group\":\"" + group + "\"}"));
    }

    void schemaDatabase(String name, String group) {
        admin(ApiEvents.post(v1("databases"))
                .json("{\"name\":\"" + name + "\",\"group\":\"" + group + "\",\"is_schema\":true}"));
    }

    void child(String name, String group, String schema) {
        admin(ApiEvents.post(v1("databases"))
                .json("{\"name\":\"" + name + "\",\"group\":\"" + group + "\",\"schema\":\"" + schema + "\"}"));
    }

    /** A token from the control plane: scope "databases" or "groups". */
    String token(String scope, String name, String expiration, String authorization) {
        ApiEvents.Builder b = ApiEvents.post(v1(scope + "/" + name + "/auth/tokens"));
        if (expiration != null) {
            b.query("expiration", expiration);
        }
        if (authorization != null) {
            b.query("authorization", authorization);
        }
        return admin(b).get("jwt").asText();
    }

    /** A pipeline body of one execute per statement, then close. */
    static String pipeline(String... sql) {
        ObjectNode body = Json.object();
        ArrayNode requests = body.putArray("requests");
        for (String s : sql) {
            ObjectNode r = requests.addObject().put("type", "execute");
            r.putObject("stmt").put("sql", s);
        }
        requests.addObject().put("type", "close");
        return Json.write(body);
    }

    static ApiEvents.Builder sql(String database, String token, String body) {
        return ApiEvents.post("/db/" + database + "/v2/pipeline").bearer(token).json(body);
    }

    /** Runs statements with a token and expects HTTP 200; returns the results array. */
    JsonNode run(String database, String token, String... statements) {
        APIGatewayV2HTTPResponse r = send(sql(database, token, pipeline(statements)));
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        return body(r).get("results");
    }
}
