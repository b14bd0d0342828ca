package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.multidb.auth.Action;
import io.multidb.auth.Grant;
import io.multidb.auth.Principal;
import io.multidb.common.Names;
import io.multidb.sql.SqlService;
import io.multidb.common.MultidbException;
import io.multidb.sql.PipelineResult;
import io.multidb.telemetry.RequestLog;
import java.util.List;

/**
 * libSQL's HTTP protocol v2 (JSON): {@code POST /db/{name}/v2/pipeline}. HTTP-level errors carry
 * {"message","code"} with content-type exactly application/json, which @libsql/client reads.
 */
final class DataPlane {
    /** Bodies up to 5 MiB: under Lambda's 6 MB synchronous payload limit with room for the event's envelope. */
    static final int MAX_BODY = 5 * 1024 * 1024;

    private final Services services;
    private final MigrationsApi migrations;

    DataPlane(Services services) {
        this.services = services;
        this.migrations = new MigrationsApi(services);
    }

    APIGatewayV2HTTPResponse handle(Request r) {
        List<String> s = r.segments();
        // /db/v2/pipeline: the client dropped the database name because the URL had no trailing slash.
        if (s.size() == 3 && (s.get(1).equals("v2") || s.get(1).equals("v3")) && s.get(2).startsWith("pipeline")) {
            throw MultidbException.notFound("no database in the path: give the database URL with a trailing slash, "
                    + "e.g. " + r.baseUrl() + "/db/<name>/");
        }
        if (s.size() == 3 && s.get(2).equals("v2")) {
            return version(r);
        }
        if (s.size() >= 4 && s.get(2).equals("v1") && s.get(3).equals("jobs")) {
            authorize(r, s.get(1), true);
            r.limitBody(MAX_BODY);
            return migrations.data(r, services.org(), s.get(1), s.subList(4, s.size()));
        }
        if (s.size() != 4 || !s.get(2).equals("v2") || !s.get(3).equals("pipeline")) {
            throw MultidbException.notFound("no such route: " + r.method() + " " + r.rawPath()
                    + " (the data plane serves POST /db/{database}/v2/pipeline)");
        }
        if (!r.method().equals("POST")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "POST");
        }
        Grant grant = authorize(r, s.get(1), false);
        r.requireJsonBody(MAX_BODY);
        PipelineResult result = services.sql().execute(services.org(), s.get(1), Json.parse(r.body()),
                new SqlService.Caller(grant.writeRefusalCode(), grant.writeRefusalMessage()));
        RequestLog.pipelineResults(result.body());
        return Responses.json(200, result.body());
    }

    /**
     * {@code GET /db/{name}/v2}: the version probe of Hrana clients (a 200 means "this server speaks version 2").
     * As libSQL's server, it needs no token and says nothing about the database: the answer is the same for all.
     */
    private static APIGatewayV2HTTPResponse version(Request r) {
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
        }
        return Responses.json(200, Json.object().put("protocol", "hrana-over-http").put("version", 2)
                .put("pipeline", "POST " + r.rawPath().replaceAll("/+$", "") + "/pipeline"));
    }

    /**
     * Verifies the token and decides; the database's group is looked up only for group tokens, the one kind
     * that needs it. A database that does not exist gets the same 403 as one of another group.
     */
    private Grant authorize(Request r, String database, boolean jobs) {
        Principal p = services.authorizer().authenticate(r.bearerToken());
        String group = null;
        if (p instanceof Principal.GroupPrincipal && Names.isValid(database)) {
            group = services.sql().groupOf(services.org(), database);
        }
        return services.authorizer().authorize(p, jobs ? new Action.Jobs(database, group) : new Action.DataPlane(database, group));
    }
}
