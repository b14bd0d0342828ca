package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import java.util.Map;

/** Builds API Gateway responses; every body is JSON with content-type exactly application/json. */
public final class Responses {
    private Responses() {
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body) {
        return json(status, body, Map.of());
    }

    public static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new java.util.HashMap<>(extraHeaders);
        headers.put("content-type", "application/json");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(headers)
                .withBody(Json.write(body))
                .withIsBase64Encoded(false)
                .build();
    }

    /**
     * An error as both planes want it: the Platform API client reads "error"; libSQL clients read "message" and
     * "code" (only when the content type is exactly application/json).
     */
    public static APIGatewayV2HTTPResponse error(MultidbException e) {
        ErrorTable.Row row = ErrorTable.of(e.kind());
        ObjectNode body = Json.object();
        body.put("error", e.getMessage());
        body.put("message", e.getMessage());
        body.put("code", e.code() != null ? e.code() : row.code());
        Map<String, String> headers = e instanceof MethodNotAllowed m ? Map.of("allow", m.allow()) : Map.of();
        return json(row.status(), body, headers);
    }

    /** 405 with the methods the route does allow. */
    public static final class MethodNotAllowed extends MultidbException {
        private final String allow;

        public MethodNotAllowed(String method, String path, String allow) {
            super(io.multidb.common.ErrorKind.METHOD_NOT_ALLOWED,
                    "method " + method + " is not allowed on " + path + "; allowed: " + allow);
            this.allow = allow;
        }

        public String allow() {
            return allow;
        }
    }
}
