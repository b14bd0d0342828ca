package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.multidb.common.MultidbException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The console's static files, classpath resources under {@code console/} in the functions jar (the workflow's ASL
 * among them, copied from statemachines/ at build time). Only the files listed here are served: a name from the
 * request never becomes a resource path. Each is read once per container.
 */
final class ConsoleAssets {
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "family.js", "text/javascript; charset=utf-8",
            "job.js", "text/javascript; charset=utf-8",
            "diagram.js", "text/javascript; charset=utf-8",
            "schema-migration.asl.json", "application/json");
    /** The page loads only its own files and talks only to this API; no frames, no inline script. */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private final Map<String, String> cache = new HashMap<>();

    APIGatewayV2HTTPResponse serve(String name) {
        String type = TYPES.get(name);
        if (type == null) {
            throw MultidbException.notFound("no such console file: " + name);
        }
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", type);
        headers.put("cache-control", "no-cache");
        headers.put("x-content-type-options", "nosniff");
        headers.put("referrer-policy", "no-referrer");
        headers.put("content-security-policy", CSP);
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200).withHeaders(headers)
                .withBody(read(name)).withIsBase64Encoded(false).build();
    }

    private synchronized String read(String name) {
        return cache.computeIfAbsent(name, n -> {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream("/console/" + n)) {
                if (in == null) {
                    throw new IllegalStateException("console/" + n + " is missing from the jar: a build problem");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
