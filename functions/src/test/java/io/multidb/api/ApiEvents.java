package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Events shaped as API Gateway's HTTP API sends them (payload v2): a recorded event's envelope with the method,
 * path, query, headers and body replaced, written as JSON and read back with the Lambda runtime's own serializer,
 * so that whatever that serializer does to odd paths, headers and bodies happens here too.
 */
final class ApiEvents {
    static final String HOST = "abc123.execute-api.eu-west-1.amazonaws.com";
    private static final PojoSerializer<APIGatewayV2HTTPEvent> SERIALIZER =
            LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class, ApiEvents.class.getClassLoader());
    private static final ObjectNode TEMPLATE = template();

    private ApiEvents() {
    }

    private static ObjectNode template() {
        try (InputStream in = ApiEvents.class.getResourceAsStream("/events/handler/pipeline-execute.json")) {
            ObjectNode t = (ObjectNode) Json.MAPPER.readTree(in);
            ObjectNode headers = (ObjectNode) t.get("headers");
            headers.remove("authorization");
            headers.remove("content-type");
            headers.remove("content-length");
            headers.put("user-agent", "hostile-test");
            return t;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Builder request(String method, String rawPath) {
        return new Builder(method, rawPath);
    }

    static Builder get(String rawPath) {
        return new Builder("GET", rawPath);
    }

    static Builder post(String rawPath) {
        return new Builder("POST", rawPath);
    }

    static final class Builder {
        private final String method;
        private final String rawPath;
        private final Map<String, String> query = new LinkedHashMap<>();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String body;
        private boolean base64;

        private Builder(String method, String rawPath) {
            this.method = method;
            this.rawPath = rawPath;
        }

        Builder bearer(String token) {
            return header("authorization", "Bearer " + token);
        }

        Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** A query parameter as API Gateway decodes it into queryStringParameters. */
        Builder query(String name, String value) {
            query.put(name, value);
            return this;
        }

        /** A JSON body with its content type. */
        Builder json(String json) {
            headers.putIfAbsent("content-type", "application/json");
            return body(json);
        }

        /** A body as it is, without touching the content type. */
        Builder body(String text) {
            this.body = text;
            this.base64 = false;
            return this;
        }

        /** Bytes that are not text: API Gateway sends them base64-encoded. */
        Builder bytes(byte[] bytes) {
            this.body = Base64.getEncoder().encodeToString(bytes);
            this.base64 = true;
            return this;
        }

        /** A body already in base64 (possibly not valid base64) with isBase64Encoded set. */
        Builder base64Body(String encoded) {
            this.body = encoded;
            this.base64 = true;
            return this;
        }

        APIGatewayV2HTTPEvent build() {
            ObjectNode e = TEMPLATE.deepCopy();
            e.put("rawPath", rawPath);
            e.put("rawQueryString", query.entrySet().stream()
                    .map(q -> enc(q.getKey()) + "=" + enc(q.getValue())).collect(Collectors.joining("&")));
            if (query.isEmpty()) {
                e.remove("queryStringParameters");
            } else {
                ObjectNode q = e.putObject("queryStringParameters");
                query.forEach(q::put);
            }
            ObjectNode h = (ObjectNode) e.get("headers");
            headers.forEach(h::put);
            if (body != null) {
                h.put("content-length", Integer.toString(contentLength()));
                e.put("body", body);
            } else {
                e.remove("body");
            }
            e.put("isBase64Encoded", base64);
            ObjectNode http = (ObjectNode) e.get("requestContext").get("http");
            if (method == null) {
                http.remove("method");
            } else {
                http.put("method", method);
            }
            http.put("path", rawPath);
            try {
                return SERIALIZER.fromJson(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(e)));
            } catch (IOException x) {
                throw new IllegalStateException(x);
            }
        }

        private int contentLength() {
            if (!base64) {
                return body.getBytes(StandardCharsets.UTF_8).length;
            }
            try {
                return Base64.getDecoder().decode(body).length;
            } catch (IllegalArgumentException e) {
                return body.length(); // not base64 at all: API Gateway would never send this; the handler must cope
            }
        }

        private static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }
    }
}
