package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP request as the handler sees it, read from API Gateway's payload v2 event. Path segments are split on
 * '/' before percent-decoding, so an encoded slash stays inside one segment (and then fails name validation).
 */
public record Request(String method, String rawPath, List<String> segments, Map<String, String> query,
                      Map<String, String> headers, byte[] body) {

    public static Request from(APIGatewayV2HTTPEvent event) {
        String method = event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                ? event.getRequestContext().getHttp().getMethod() : null;
        if (method == null) {
            throw MultidbException.invalid("request has no HTTP method");
        }
        String raw = event.getRawPath() != null ? event.getRawPath() : "/";
        List<String> segments = new ArrayList<>();
        for (String s : raw.split("/", -1)) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        if (raw.endsWith("/") && raw.length() > 1) {
            segments.add("");
        }
        Map<String, String> headers = new java.util.HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        Map<String, String> query = event.getQueryStringParameters() != null ? event.getQueryStringParameters() : Map.of();
        byte[] body;
        if (event.getBody() == null) {
            body = new byte[0];
        } else if (event.getIsBase64Encoded()) {
            try {
                body = Base64.getDecoder().decode(event.getBody());
            } catch (IllegalArgumentException e) {
                throw MultidbException.invalid("request body is not valid base64");
            }
        } else {
            body = event.getBody().getBytes(StandardCharsets.UTF_8);
        }
        return new Request(method.toUpperCase(Locale.ROOT), raw, List.copyOf(segments), Map.copyOf(query),
                Map.copyOf(headers), body);
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0 && segment.indexOf('+') < 0) {
            return segment; // nothing to decode: the common case, without URLDecoder's copies
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw MultidbException.invalid("malformed percent-encoding in the path");
        }
    }

    public String header(String name) {
        return headers.get(name);
    }

    /** The bearer token, or null if none. */
    public String bearerToken() {
        String h = header("authorization");
        if (h == null) {
            return null;
        }
        h = h.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = h.substring(7).trim();
            return t.isEmpty() ? null : t;
        }
        return null;
    }

    /** Refuses bodies over the limit (413), also on routes that do not read their body. */
    public void limitBody(int maxBytes) {
        if (body.length > maxBytes) {
            throw new MultidbException(ErrorKind.PAYLOAD_TOO_LARGE,
                    "request body is " + body.length + " bytes; the limit here is " + maxBytes + " bytes");
        }
    }

    /** Refuses bodies over the limit (413) and non-JSON content types (415). */
    public void requireJsonBody(int maxBytes) {
        limitBody(maxBytes);
        String ct = header("content-type");
        if (body.length > 0) {
            String base = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!base.equals("application/json")) {
                throw new MultidbException(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                        "send the body as JSON with 'Content-Type: application/json' (got "
                                + (ct == null ? "no content type" : "'" + ct + "'") + ")");
            }
        }
    }

    /** scheme://host of this API, as the client reached it. */
    public String baseUrl() {
        String host = header("host");
        if (host == null) {
            host = "localhost";
        }
        String proto = header("x-forwarded-proto");
        return (proto != null ? proto.split(",")[0].trim() : "http") + "://" + host;
    }
}
