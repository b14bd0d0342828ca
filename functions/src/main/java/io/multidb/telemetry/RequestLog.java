package io.multidb.telemetry;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The API function's one log event per request (logger {@code io.multidb.request}): INFO for every answer below
 * 500, ERROR with the stack trace for a 5xx. Fields: {@code request_id} (API Gateway's, also in the MDC for any
 * other event of the request), {@code aws_request_id} (Lambda's), {@code route} (template), {@code status},
 * {@code code} (the error code of a refused request, or the first SQL error result's code), {@code result_codes}
 * (every distinct error result code of a pipeline), {@code error} (the message of a refused request: it says what
 * to do and names nothing secret), {@code database}, {@code schema_database}, {@code group}, {@code job_id}, and the
 * metrics {@code Requests} and {@code Latency} (ms) with, when they happened, {@code Errors4xx}, {@code Errors5xx},
 * {@code Blocked}, {@code StreamConflicts}, {@code MetadataUnavailable}, {@code MetadataThrottled}. Never headers,
 * bodies, SQL text or SQL error messages (which can quote the statement's literals).
 *
 * <p>Cost per request: a small object, two MDC writes, one JSON line; no reflection beyond Jackson's cached
 * serializers for the {@code _aws} maps.
 */
public final class RequestLog {
    static final Logger LOG = LoggerFactory.getLogger("io.multidb.request");
    private static final ThreadLocal<Event> CURRENT = new ThreadLocal<>();
    private static final Emf.Metric REQUESTS = new Emf.Metric("Requests", Emf.Unit.COUNT);
    private static final Emf.Metric LATENCY = new Emf.Metric("Latency", Emf.Unit.MILLISECONDS);
    private static final Emf.Directive PER_ROUTE = Emf.directive(List.of(List.of("route")), List.of(REQUESTS, LATENCY));
    private static final Emf.Directive OVERALL = Emf.directive(List.of(List.of()), List.of(REQUESTS, LATENCY));
    /** Counters reported without dimensions, only on the events where they happened (a count of 1). */
    public static final List<String> COUNTERS = List.of("Errors4xx", "Errors5xx", "Blocked", "StreamConflicts",
            "MetadataUnavailable", "MetadataThrottled");
    private static final boolean EMF = LogSetup.json();
    /** How this project's own messages name a job ("migration job ID", "migrated by job ID", "(job ID"). */
    private static final Pattern JOB_IN_MESSAGE = Pattern.compile("\\bjob ([a-z0-9][a-z0-9-]{0,79})\\b");
    private static final List<String> JOB_CODES = List.of("SCHEMA_MIGRATION_FAILED", "SCHEMA_MIGRATION_RUNNING",
            "BLOCKED", "CONFLICT");
    /** A refused request's message is logged up to this length: it can quote what the client sent. */
    public static final int ERROR_CHARS = 300;

    private RequestLog() {
    }

    /** Starts a request's event; {@link Event#end} writes it. */
    public static Event begin(APIGatewayV2HTTPEvent event, Context context) {
        Event e = new Event(System.nanoTime(), event.getRequestContext() != null
                ? event.getRequestContext().getRequestId() : null, context != null ? context.getAwsRequestId() : null);
        CURRENT.set(e);
        if (e.requestId != null) {
            MDC.put("request_id", e.requestId);
        }
        return e;
    }

    /** The data plane's pipeline answer (HTTP 200): its error results' codes go into the request's event. */
    public static void pipelineResults(JsonNode body) {
        Event e = CURRENT.get();
        JsonNode results = body == null ? null : body.get("results");
        if (e == null || results == null) {
            return;
        }
        for (JsonNode r : results) {
            JsonNode code = r.path("error").get("code");
            if (code != null && code.isTextual() && "error".equals(r.path("type").asText())) {
                if (e.resultCodes == null) {
                    e.resultCodes = new ArrayList<>(2);
                }
                if (!e.resultCodes.contains(code.asText())) {
                    e.resultCodes.add(code.asText());
                }
                e.jobFrom(code.asText(), r.path("error").path("message").asText(null));
            }
        }
    }

    public static final class Event {
        private final long started;
        private final String requestId;
        private final String awsRequestId;
        private Route route;
        private String code;
        private String error;
        private Throwable failure;
        private boolean throttled;
        private List<String> resultCodes;
        private String jobId;

        private Event(long started, String requestId, String awsRequestId) {
            this.started = started;
            this.requestId = requestId;
            this.awsRequestId = awsRequestId;
        }

        public void route(Route r) {
            this.route = r;
        }

        /** A refused request: its error code and message (the message the client is shown). */
        public void refused(String errorCode, String message, Throwable cause) {
            this.code = errorCode;
            jobFrom(errorCode, message);
            this.error = message == null || message.length() <= ERROR_CHARS ? message
                    : message.substring(0, ERROR_CHARS - 1) + "…";
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof AwsServiceException a && a.isThrottlingException()) {
                    throttled = true;
                }
            }
        }

        /** The job a BLOCKED, CONFLICT or SCHEMA_MIGRATION_* answer names: the request's link to the job's events. */
        private void jobFrom(String errorCode, String message) {
            if (jobId == null && message != null && JOB_CODES.contains(errorCode)) {
                Matcher m = JOB_IN_MESSAGE.matcher(message);
                if (m.find()) {
                    jobId = m.group(1);
                }
            }
        }

        /** A bug: the event is written at ERROR with the stack trace. */
        public void failed(Throwable t) {
            this.code = "INTERNAL";
            this.failure = t;
        }

        /** Writes the event and returns the response unchanged. */
        public APIGatewayV2HTTPResponse end(APIGatewayV2HTTPResponse response) {
            try {
                write(response.getStatusCode());
            } finally {
                CURRENT.remove();
                MDC.remove("request_id");
            }
            return response;
        }

        private void write(int status) {
            LoggingEventBuilder b = status >= 500 ? LOG.atError() : LOG.atInfo();
            double latency = Math.round((System.nanoTime() - started) / 10_000.0) / 100.0;
            String template = route != null ? route.template() : Route.UNMATCHED;
            String shownCode = code != null ? code : resultCodes != null ? resultCodes.get(0) : null;
            b.addKeyValue("route", template).addKeyValue("status", status);
            add(b, "code", shownCode);
            add(b, "result_codes", resultCodes);
            add(b, "error", error);
            add(b, "aws_request_id", awsRequestId);
            if (route != null) {
                add(b, "database", route.database());
                add(b, "schema_database", route.schemaDatabase());
                add(b, "group", route.group());
                add(b, "job_id", route.jobId() != null ? route.jobId() : jobId);
            } else {
                add(b, "job_id", jobId);
            }
            b.addKeyValue("Requests", 1).addKeyValue("Latency", latency);
            List<Emf.Metric> counters = null;
            boolean blocked = "BLOCKED".equals(code) || (resultCodes != null && resultCodes.contains("BLOCKED"));
            counters = count(b, counters, "Errors4xx", status >= 400 && status < 500);
            counters = count(b, counters, "Errors5xx", status >= 500);
            counters = count(b, counters, "Blocked", blocked);
            counters = count(b, counters, "StreamConflicts", "STREAM_CONFLICT".equals(code));
            counters = count(b, counters, "MetadataUnavailable", "UNAVAILABLE".equals(code));
            counters = count(b, counters, "MetadataThrottled", throttled);
            if (EMF) {
                List<Emf.Directive> ds = counters == null ? List.of(PER_ROUTE, OVERALL)
                        : List.of(PER_ROUTE, OVERALL, Emf.directive(List.of(List.of()), counters));
                b.addKeyValue("_aws", Emf.aws(System.currentTimeMillis(), ds));
            }
            if (failure != null) {
                b.setCause(failure);
            }
            b.log("request");
        }

        private static List<Emf.Metric> count(LoggingEventBuilder b, List<Emf.Metric> list, String name, boolean happened) {
            if (!happened) {
                return list;
            }
            b.addKeyValue(name, 1);
            List<Emf.Metric> l = list == null ? new ArrayList<>(2) : list;
            l.add(new Emf.Metric(name, Emf.Unit.COUNT));
            return l;
        }

        private static void add(LoggingEventBuilder b, String key, Object value) {
            if (value != null) {
                b.addKeyValue(key, value);
            }
        }
    }
}
