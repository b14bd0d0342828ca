package io.multidb.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a Lambda handler over HTTP the way API Gateway's HTTP API (payload format 2.0, one {@code $default}
 * route, {@code $default} stage) delivers requests to it, so the handler runs locally unchanged.
 *
 * <p>Listens on 127.0.0.1 only. Each request becomes an {@link APIGatewayV2HTTPEvent}; the handler's
 * {@link APIGatewayV2HTTPResponse} becomes the HTTP response. What API Gateway itself answers is imitated too:
 * 413 for a body over 10 MB (the handler is not called), 500 {@code {"message":"Internal Server Error"}} when
 * the handler throws or returns something unusable.
 */
public final class ApiGatewayFront implements AutoCloseable {
    static {
        // Read once when the JDK's server implementation loads; without it every small response waits for
        // the peer's delayed ACK (~40 ms). bin/multidb-local also passes it on the command line.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** API Gateway's payload limit for HTTP APIs. */
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /** Lambda's limit for a synchronous response; only warned about here. */
    static final int LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
    public static final String FUNCTION_NAME = "multidb-api-local";

    static final String INTERNAL_ERROR_BODY = "{\"message\":\"Internal Server Error\"}";
    static final String TOO_LARGE_BODY = "{\"error\":\"request body is larger than API Gateway's limit of "
            + MAX_BODY_BYTES + " bytes (10 MB): send less data per request\"}";

    /** Never forwarded: API Gateway terminates the client's connection, so these do not reach the function. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "http2-settings");
    /** The server computes these itself. */
    private static final Set<String> RESPONSE_HEADERS_NOT_COPIED = Set.of("content-length", "transfer-encoding",
            "connection");
    /** Sent as text only for these (checked against real HTTP APIs); anything else, or none, is base64. */
    private static final Set<String> TEXT_TYPES = Set.of("application/json", "application/xml",
            "application/javascript");
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    private static final long DRAIN_LIMIT_BYTES = 256L * 1024 * 1024;

    /**
     * @param port    0 picks a free port
     * @param timeout the function's timeout: what {@code Context.getRemainingTimeInMillis()} counts down from.
     *                Not enforced; a slower request is logged, because on AWS it would fail.
     * @param threads how many requests run at once; more wait in the queue
     * @param log     the function's log (LambdaLogger), error stack traces and the access log
     */
    public record Options(int port, Duration timeout, int threads, PrintStream log) {
        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            Objects.requireNonNull(timeout, "timeout");
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1: " + threads);
            }
            Objects.requireNonNull(log, "log");
        }

        public static Options onPort(int port) {
            return new Options(port, Duration.ofSeconds(30), 32, System.err);
        }

        public Options withTimeout(Duration value) {
            return new Options(port, value, threads, log);
        }

        public Options withLog(PrintStream value) {
            return new Options(port, timeout, threads, value);
        }
    }

    private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler;
    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final LocalLambdaContext.StreamLogger logger;

    private ApiGatewayFront(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
                            Options options) throws IOException {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.options = options;
        this.logger = new LocalLambdaContext.StreamLogger(options.log());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 0);
        // Platform threads, not virtual ones: the handler spends its time in SQLite's native code, which pins
        // a virtual thread's carrier, and two pinned carriers would stall every other request on a 2-core box.
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "api-gateway-front-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
    }

    /** Binds 127.0.0.1:{@code options.port()} and starts serving. */
    public static ApiGatewayFront start(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
                                        Options options) throws IOException {
        ApiGatewayFront front = new ApiGatewayFront(handler, options);
        front.server.start();
        return front;
    }

    /** The bound port (the chosen one when started on port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>/} */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    /** Stops accepting, lets requests in flight finish (up to a second), stops the threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void serve(HttpExchange exchange) {
        long started = System.nanoTime();
        Instant now = Instant.now();
        String requestId = requestId();
        String method = exchange.getRequestMethod();
        String rawPath = rawPath(exchange.getRequestURI());
        try (exchange) {
            answer(exchange, requestId, now, started);
        } catch (IOException e) {
            // The client went away; nothing is left to answer.
            options.log().println("front: " + method + " " + rawPath + ": connection failed: " + e);
            return;
        }
        // No access line here: the handler writes one structured event per request (io.multidb.telemetry.RequestLog).
    }

    private int answer(HttpExchange exchange, String requestId, Instant now, long started) throws IOException {
        byte[] body = readBody(exchange);
        if (body == null) {
            return sendJson(exchange, 413, TOO_LARGE_BODY, requestId);
        }
        APIGatewayV2HTTPResponse response;
        try {
            APIGatewayV2HTTPEvent event = toEvent(exchange, body, requestId, now);
            LocalLambdaContext context = new LocalLambdaContext(requestId(), FUNCTION_NAME,
                    LocalLambdaContext.arn("us-east-1", "000000000000", FUNCTION_NAME),
                    started + options.timeout().toNanos(), LocalLambdaContext.MEMORY_LIMIT_MB, logger);
            response = handler.handleRequest(event, context);
        } catch (Throwable t) {
            // What Lambda reports as a function error; API Gateway hides it behind a plain 500.
            options.log().println("front: handler failed for request " + requestId + ":");
            t.printStackTrace(options.log());
            return sendJson(exchange, 500, INTERNAL_ERROR_BODY, requestId);
        }
        long elapsed = System.nanoTime() - started;
        if (elapsed > options.timeout().toNanos()) {
            options.log().println("front: WARNING request " + requestId + " took "
                    + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms, longer than the function timeout of "
                    + options.timeout().toMillis() + " ms: on AWS it would have failed");
        }
        Reply reply;
        try {
            reply = toReply(response);
        } catch (RuntimeException e) {
            options.log().println("front: unusable handler response for request " + requestId + ": "
                    + e.getMessage());
            return sendJson(exchange, 500, INTERNAL_ERROR_BODY, requestId);
        }
        return send(exchange, reply, requestId);
    }

    /** The body, or null when it is over the limit (then it has been read and dropped). */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) {
                    drain(in);
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the server rejects malformed lengths itself; read what comes
            }
        }
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            drain(in);
            return null;
        }
        return body;
    }

    /** Read the rest so the client gets to read the 413 instead of a reset connection. */
    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT_BYTES && (n = in.read(buffer)) >= 0) {
            total += n;
        }
    }

    APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, byte[] body, String requestId, Instant now) {
        URI uri = exchange.getRequestURI();
        String rawPath = rawPath(uri);
        String rawQuery = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        String sourceIp = exchange.getRemoteAddress().getAddress().getHostAddress();

        Map<String, String> headers = new TreeMap<>();
        List<String> cookies = new ArrayList<>();
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name)) {
                continue;
            }
            if (name.equals("cookie")) {
                // API Gateway moves cookies to their own field, one entry per cookie.
                for (String line : header.getValue()) {
                    for (String cookie : line.split(";")) {
                        if (!cookie.isBlank()) {
                            cookies.add(cookie.trim());
                        }
                    }
                }
                continue;
            }
            headers.merge(name, String.join(",", header.getValue()), (a, b) -> a + "," + b);
        }
        if (body.length > 0 || headers.containsKey("content-length")) {
            // API Gateway buffers the whole request, so a chunked upload arrives with its length.
            headers.put("content-length", Integer.toString(body.length));
        }
        headers.merge("x-forwarded-for", sourceIp, (client, ip) -> client + ", " + ip);
        headers.putIfAbsent("x-forwarded-port", Integer.toString(port()));
        headers.putIfAbsent("x-forwarded-proto", "http");
        headers.putIfAbsent("x-amzn-trace-id", traceId(now));
        String domainName = headers.getOrDefault("host", "127.0.0.1:" + port());

        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey("$default");
        event.setRawPath(rawPath);
        event.setRawQueryString(rawQuery);
        event.setCookies(cookies.isEmpty() ? null : cookies);
        event.setHeaders(headers);
        event.setQueryStringParameters(queryParameters(rawQuery));
        event.setPathParameters(null);
        event.setStageVariables(null);
        if (body.length == 0) {
            event.setBody(null);
            event.setIsBase64Encoded(false);
        } else if (isText(headers.get("content-type"))) {
            event.setBody(new String(body, StandardCharsets.UTF_8));
            event.setIsBase64Encoded(false);
        } else {
            event.setBody(Base64.getEncoder().encodeToString(body));
            event.setIsBase64Encoded(true);
        }

        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(exchange.getRequestMethod());
        http.setPath(rawPath);
        http.setProtocol(exchange.getProtocol());
        http.setSourceIp(sourceIp);
        http.setUserAgent(headers.getOrDefault("user-agent", ""));

        APIGatewayV2HTTPEvent.RequestContext context = new APIGatewayV2HTTPEvent.RequestContext();
        context.setRouteKey("$default");
        context.setAccountId("anonymous");
        context.setStage("$default");
        context.setApiId("local");
        context.setDomainName(domainName);
        context.setDomainPrefix(domainPrefix(domainName));
        context.setTime(requestTime(now));
        context.setTimeEpoch(now.toEpochMilli());
        context.setHttp(http);
        context.setRequestId(requestId);
        context.setAuthorizer(null);
        event.setRequestContext(context);
        return event;
    }

    /**
     * A random version-4 UUID from ThreadLocalRandom: request ids must be unique, not unpredictable, and
     * UUID.randomUUID's SecureRandom is shared by every request thread (a measurable cost at thousands of requests a
     * second: docs/benchmarks.md).
     */
    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = (r.nextLong() & ~0xF000L) | 0x4000L;
        long low = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    private static String rawPath(URI uri) {
        String path = uri.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /** Decoded names and values ('+' is a space); a repeated name's values joined with ','. Null if none. */
    static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            parameters.merge(name, value, (a, b) -> a + "," + b);
        }
        return parameters.isEmpty() ? null : parameters;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s;
        }
    }

    static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mime = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .trim().toLowerCase(Locale.ROOT);
        return mime.startsWith("text/") || TEXT_TYPES.contains(mime);
    }

    /** The first label of the host name, as API Gateway's domainPrefix. */
    private static String domainPrefix(String domainName) {
        String host = domainName;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) {
            host = host.substring(0, colon);
        }
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    /** The formatted time of the last second seen: formatting it for every request showed in the profile. */
    private record Stamp(long second, String text) {
    }

    private static volatile Stamp stamp = new Stamp(Long.MIN_VALUE, "");

    static String requestTime(Instant now) {
        Stamp s = stamp;
        if (s.second() != now.getEpochSecond()) {
            s = new Stamp(now.getEpochSecond(), REQUEST_TIME.format(now));
            stamp = s;
        }
        return s.text();
    }

    /** An X-Ray style trace id, as API Gateway adds one. */
    private static String traceId(Instant now) {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        return "Root=1-" + Long.toHexString(now.getEpochSecond()) + "-" + HexFormat.of().formatHex(random);
    }

    private record Reply(int status, Map<String, List<String>> headers, byte[] body) {
    }

    private Reply toReply(APIGatewayV2HTTPResponse response) {
        if (response == null) {
            throw new IllegalStateException("the handler returned null");
        }
        int status = response.getStatusCode();
        if (status < 100 || status > 599) {
            throw new IllegalStateException("statusCode " + status + " is not an HTTP status");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> addHeader(headers, name, value));
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> {
                if (values != null) {
                    values.forEach(value -> addHeader(headers, name, value));
                }
            });
        }
        if (response.getCookies() != null) {
            response.getCookies().forEach(cookie -> addHeader(headers, "Set-Cookie", cookie));
        }
        byte[] body;
        if (response.getBody() == null) {
            body = new byte[0];
        } else if (response.getIsBase64Encoded()) {
            try {
                body = Base64.getDecoder().decode(response.getBody());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("isBase64Encoded is true but the body is not base64: "
                        + e.getMessage());
            }
        } else {
            body = response.getBody().getBytes(StandardCharsets.UTF_8);
        }
        if (body.length > LAMBDA_RESPONSE_LIMIT_BYTES) {
            options.log().println("front: WARNING response body of " + body.length
                    + " bytes: Lambda refuses responses over 6 MB, so on AWS this request would fail");
        }
        return new Reply(status, headers, body);
    }

    private static void addHeader(Map<String, List<String>> headers, String name, String value) {
        if (name == null || value == null || RESPONSE_HEADERS_NOT_COPIED.contains(name.toLowerCase(Locale.ROOT))) {
            return;
        }
        headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    private static int send(HttpExchange exchange, Reply reply, String requestId) throws IOException {
        Headers out = exchange.getResponseHeaders();
        reply.headers().forEach((name, values) -> values.forEach(value -> out.add(name, value)));
        out.set("Apigw-Requestid", requestId);
        int status = reply.status();
        boolean noBody = exchange.getRequestMethod().equalsIgnoreCase("HEAD")
                || status == 204 || status == 304 || status < 200 || reply.body().length == 0;
        // -1: no body (and Content-Length: 0 where a length belongs); otherwise the exact length.
        exchange.sendResponseHeaders(status, noBody ? -1 : reply.body().length);
        if (!noBody) {
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(reply.body());
            }
        }
        return status;
    }

    private static int sendJson(HttpExchange exchange, int status, String json, String requestId)
            throws IOException {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", List.of("application/json"));
        return send(exchange, new Reply(status, headers, json.getBytes(StandardCharsets.UTF_8)), requestId);
    }
}
