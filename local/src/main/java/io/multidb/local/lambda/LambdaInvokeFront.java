package io.multidb.local.lambda;

import io.multidb.local.LocalLambdaContext;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lambda's Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}) on 127.0.0.1, in front of Java
 * handlers registered by function name: what the local Step Functions calls for its Task states, answering as Lambda
 * does (the result JSON, or HTTP 200 with {@code X-Amz-Function-Error: Unhandled} and
 * {@code {"errorMessage","errorType","stackTrace"}} where errorType is the exception's class name, as the Java runtime
 * reports it; Step Functions turns errorType into the state's error name).
 *
 * <p>Concurrency is bounded like a function's reserved concurrency: an invocation beyond it is refused with 429
 * TooManyRequestsException (Lambda.TooManyRequestsException in the workflow). The function timeout is not enforced
 * (a thread cannot be stopped); the handler sees it through {@code Context.getRemainingTimeInMillis()}.
 */
public final class LambdaInvokeFront implements AutoCloseable {

    static {
        // Small request/response pairs on keep-alive connections: without TCP_NODELAY each one can wait ~40 ms
        // for delayed ACKs. Read once, when the JVM's first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final Pattern INVOKE_PATH = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations/?$");
    private static final int MAX_STACK_FRAMES = 20;
    private static final int MAX_CAUSES = 5;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final Semaphore permits;
    private final Map<String, LambdaFunction> functions = new ConcurrentHashMap<>();
    private final String region;
    private final String account;
    private final Duration functionTimeout;
    private final int memoryMb;
    private final Consumer<String> log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LambdaInvokeFront(Builder b) throws IOException {
        this.region = b.region;
        this.account = b.account;
        this.functionTimeout = b.functionTimeout;
        this.memoryMb = b.memoryMb;
        this.log = b.log;
        this.permits = new Semaphore(b.concurrency);
        this.functions.putAll(b.functions);
        AtomicInteger threadIds = new AtomicInteger();
        // A few threads beyond the concurrency so that over-limit requests get their 429 instead of queueing.
        this.executor = new ThreadPoolExecutor(b.concurrency + 4, b.concurrency + 4, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "lambda-invoke-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 128);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Base URL, for example {@code http://127.0.0.1:40123}: what the local Step Functions gets as its Lambda endpoint. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public String functionArn(String functionName) {
        return LocalLambdaContext.arn(region, account, functionName);
    }

    /** Registers or replaces a function; invocations that already started keep the handler they had. */
    public void register(String functionName, LambdaFunction function) {
        functions.put(validName(functionName), Objects.requireNonNull(function, "function"));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Matcher m = INVOKE_PATH.matcher(exchange.getRequestURI().getRawPath());
            if (!m.matches()) {
                serviceError(exchange, 404, "UnknownOperationException", "Unknown operation " + exchange.getRequestURI());
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                serviceError(exchange, 405, "UnknownOperationException", "Invoke takes POST");
                return;
            }
            String functionName = functionName(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
            LambdaFunction function = functions.get(functionName);
            if (function == null) {
                serviceError(exchange, 404, "ResourceNotFoundException",
                        "Function not found: " + functionArn(functionName));
                return;
            }
            JsonNode event;
            try {
                event = body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
            } catch (JsonProcessingException e) {
                serviceError(exchange, 400, "InvalidRequestContentException",
                        "Could not parse request body into json: " + e.getOriginalMessage());
                return;
            }
            String invocationType = Objects.requireNonNullElse(
                    exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type"), "RequestResponse");
            switch (invocationType) {
                case "DryRun" -> send(exchange, 204, new byte[0], Map.of());
                case "Event" -> {
                    if (!permits.tryAcquire()) {
                        throttled(exchange);
                        return;
                    }
                    executor.execute(() -> {
                        try {
                            invoke(functionName, function, body, event);
                        } finally {
                            permits.release();
                        }
                    });
                    send(exchange, 202, new byte[0], Map.of());
                }
                case "RequestResponse" -> {
                    if (!permits.tryAcquire()) {
                        throttled(exchange);
                        return;
                    }
                    Outcome outcome;
                    try {
                        outcome = invoke(functionName, function, body, event);
                    } finally {
                        permits.release();
                    }
                    send(exchange, 200, outcome.payload(), outcome.functionError()
                            ? Map.of("X-Amz-Function-Error", "Unhandled", "X-Amz-Executed-Version", "$LATEST")
                            : Map.of("X-Amz-Executed-Version", "$LATEST"));
                }
                default -> serviceError(exchange, 400, "InvalidParameterValueException",
                        "Unknown invocation type " + invocationType);
            }
        } catch (RuntimeException | IOException e) {
            log.accept("lambda front: " + e);
        }
    }

    private record Outcome(byte[] payload, boolean functionError) {}

    private Outcome invoke(String functionName, LambdaFunction function, byte[] body, JsonNode event) {
        String requestId = UUID.randomUUID().toString();
        var context = new LocalLambdaContext(requestId, functionName, functionArn(functionName),
                System.nanoTime() + functionTimeout.toNanos(), memoryMb,
                LocalLambdaContext.loggerTo(log, functionName + " " + requestId + ": "));
        try {
            byte[] payload = switch (function) {
                case LambdaFunction.Stream s -> runStream(s.handler(), body, context);
                case LambdaFunction.Json j -> {
                    Map<String, Object> input = event.isNull() ? null : JSON.convertValue(event, MAP);
                    yield JSON.writeValueAsBytes(j.handler().handleRequest(input, context));
                }
            };
            return new Outcome(payload, false);
        } catch (Throwable t) { // as Lambda: anything the handler throws, Errors included, is the function's error
            log.accept(functionName + " " + requestId + " failed: " + t);
            return new Outcome(errorPayload(t), true);
        }
    }

    private static byte[] runStream(RequestStreamHandler handler, byte[] body, LocalLambdaContext context)
            throws IOException {
        var out = new ByteArrayOutputStream();
        try (InputStream in = new ByteArrayInputStream(body)) {
            handler.handleRequest(in, out, context);
        }
        return out.toByteArray();
    }

    /** The Java runtime's error document. */
    static byte[] errorPayload(Throwable t) {
        try {
            return JSON.writeValueAsBytes(errorNode(t, 0));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode errorNode(Throwable t, int depth) {
        ObjectNode node = JSON.createObjectNode();
        if (t.getMessage() != null) {
            node.put("errorMessage", t.getMessage());
        }
        node.put("errorType", t.getClass().getName());
        ArrayNode stack = node.putArray("stackTrace");
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, MAX_STACK_FRAMES); i++) {
            StackTraceElement f = frames[i];
            stack.add(f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")");
        }
        if (t.getCause() != null && t.getCause() != t && depth < MAX_CAUSES) {
            node.set("cause", errorNode(t.getCause(), depth + 1));
        }
        return node;
    }

    /** The function name in any form Invoke accepts: name, name:qualifier, ARN, partial ARN. */
    static String functionName(String ref) {
        String[] parts = ref.split(":");
        int function = -1;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals("function")) {
                function = i;
            }
        }
        return function >= 0 && function + 1 < parts.length ? parts[function + 1] : parts[0];
    }

    private void throttled(HttpExchange exchange) throws IOException {
        ObjectNode body = JSON.createObjectNode()
                .put("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
                .put("Type", "User")
                .put("message", "Rate Exceeded.");
        send(exchange, 429, JSON.writeValueAsBytes(body), Map.of("x-amzn-ErrorType", "TooManyRequestsException"));
    }

    private static void serviceError(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("Type", "User").put("Message", message);
        send(exchange, status, JSON.writeValueAsBytes(body), Map.of("x-amzn-ErrorType", type));
    }

    private static void send(HttpExchange exchange, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String validName(String functionName) {
        if (functionName == null || !functionName.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("Lambda function names are 1-64 of [A-Za-z0-9_-], got " + functionName);
        }
        return functionName;
    }

    public static final class Builder {
        private final Map<String, LambdaFunction> functions = new ConcurrentHashMap<>();
        private String region = "us-east-1";
        private String account = "000000000000";
        private int port;
        private int concurrency = 64;
        private Duration functionTimeout = Duration.ofMinutes(15);
        private int memoryMb = 1024;
        private Consumer<String> log = line -> System.err.println("[lambda-local] " + line);

        private Builder() {}

        public Builder function(String functionName, LambdaFunction function) {
            functions.put(validName(functionName), Objects.requireNonNull(function, "function"));
            return this;
        }

        public Builder streamFunction(String functionName, RequestStreamHandler handler) {
            return function(functionName, new LambdaFunction.Stream(handler));
        }

        public Builder mapFunction(String functionName,
                com.amazonaws.services.lambda.runtime.RequestHandler<Map<String, Object>, Map<String, Object>> handler) {
            return function(functionName, new LambdaFunction.Json(handler));
        }

        public Builder region(String region) {
            this.region = Objects.requireNonNull(region);
            return this;
        }

        public Builder account(String account) {
            this.account = Objects.requireNonNull(account);
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Invocations running at once, over all functions, before 429 (default 64; an inline Map runs up to 40). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be positive");
            }
            this.concurrency = concurrency;
            return this;
        }

        /** What Context.getRemainingTimeInMillis() counts down from (default 15 minutes, Lambda's maximum). */
        public Builder functionTimeout(Duration functionTimeout) {
            this.functionTimeout = Objects.requireNonNull(functionTimeout);
            return this;
        }

        public Builder memoryMb(int memoryMb) {
            this.memoryMb = memoryMb;
            return this;
        }

        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        public LambdaInvokeFront start() throws IOException {
            return new LambdaInvokeFront(this);
        }
    }
}
