package io.multidb.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.telemetry.RequestLog;
import io.multidb.telemetry.Route;
import java.util.List;

/**
 * The HTTP API's one Lambda handler (API Gateway HTTP API, payload v2): control plane under
 * {@code /v1/organizations/{org}/...}, data plane under {@code /db/{name}/...}. Thin: request → route → use case →
 * response; every domain error goes through {@link ErrorTable}; anything else is a bug and answers 500.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Services services;
    private final ControlPlane control;
    private final DataPlane data;
    private final ConsoleRoutes console;

    /** Lambda's entry: clients and configuration from the environment, once per container. */
    public ApiHandler() {
        this(Wiring.fromEnvironment(System.getenv()));
        Priming.register(this);
    }

    public ApiHandler(Services services) {
        this.services = services;
        this.control = new ControlPlane(services);
        this.data = new DataPlane(services);
        this.console = new ConsoleRoutes(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        RequestLog.Event log = RequestLog.begin(event, context);
        try {
            Request request = Request.from(event);
            log.route(Route.of(request.method(), request.segments()));
            return log.end(route(request));
        } catch (MultidbException e) {
            log.refused(e.code() != null ? e.code() : ErrorTable.of(e.kind()).code(), e.getMessage(), e.getCause());
            return log.end(Responses.error(e));
        } catch (RuntimeException e) {
            log.failed(e); // the request's event carries the stack trace
            String id = context != null ? context.getAwsRequestId() : "-";
            ObjectNode body = Json.object();
            body.put("error", "internal error (request " + id + "); this is a bug in multidb");
            body.put("message", "internal error (request " + id + ")");
            body.put("code", "INTERNAL");
            return log.end(Responses.json(500, body));
        }
    }

    private APIGatewayV2HTTPResponse route(Request r) {
        List<String> s = r.segments();
        if (!s.isEmpty() && s.get(0).equals("v1")) {
            return control.handle(r);
        }
        if (!s.isEmpty() && s.get(0).equals("db")) {
            return data.handle(r);
        }
        if (!s.isEmpty() && s.get(0).equals("console")) {
            return console.handle(r, s);
        }
        if (s.size() == 1 && s.get(0).equals("health")) {
            ObjectNode ok = Json.object().put("status", "ok");
            return Responses.json(200, ok);
        }
        throw new MultidbException(ErrorKind.NOT_FOUND,
                "no such route: " + r.method() + " " + r.rawPath() + " (control plane under /v1/organizations/{org}/, "
                        + "SQL under /db/{database}/v2/pipeline, the console at /console/)");
    }

    Services services() {
        return services;
    }
}
