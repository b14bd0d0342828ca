package io.multidb.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The exact lines the JSON encoder writes (the same encoder {@link LogSetup} puts on the console), captured from the
 * root logger while open. For handler tests: which events were written, with which fields and EMF blobs.
 */
public final class LogCapture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    private final Logger root;

    public LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        appender.setContext(context);
        appender.setName("capture");
        appender.setEncoder(LogSetup.jsonEncoder(context, Map.of()));
        appender.setOutputStream(out);
        appender.start();
        root.addAppender(appender);
    }

    /** Every line written so far, as text. */
    public synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** The events of one logger, parsed (each line must be one JSON object). */
    public List<JsonNode> events(String logger) {
        List<JsonNode> events = new ArrayList<>();
        for (String l : lines()) {
            try {
                JsonNode n = JSON.readTree(l);
                if (logger.equals(n.path("logger").asText())) {
                    events.add(n);
                }
            } catch (Exception e) {
                throw new AssertionError("not one JSON object per line: " + l, e);
            }
        }
        return events;
    }

    /**
     * Holds the event to CloudWatch's embedded metric format: a Timestamp, directives in a namespace, every
     * dimension a top-level string and every metric a top-level number of the event; returns the metric names.
     */
    public static List<String> assertEmf(JsonNode event) {
        JsonNode aws = event.get("_aws");
        assertThat(aws).as("_aws in %s", event).isNotNull();
        assertThat(aws.get("Timestamp").isIntegralNumber()).isTrue();
        List<String> metrics = new ArrayList<>();
        for (JsonNode d : aws.get("CloudWatchMetrics")) {
            assertThat(d.get("Namespace").asText()).isEqualTo("multidb");
            for (JsonNode set : d.get("Dimensions")) {
                assertThat(set.size()).isLessThanOrEqualTo(30);
                for (JsonNode dim : set) {
                    assertThat(event.get(dim.asText())).as("dimension %s in %s", dim, event).isNotNull();
                    assertThat(event.get(dim.asText()).isTextual()).isTrue();
                }
            }
            for (Iterator<JsonNode> it = d.get("Metrics").elements(); it.hasNext(); ) {
                JsonNode m = it.next();
                String name = m.get("Name").asText();
                assertThat(event.get(name)).as("metric %s in %s", name, event).isNotNull();
                assertThat(event.get(name).isNumber()).isTrue();
                assertThat(m.get("Unit").asText()).isIn("Count", "Milliseconds", "Seconds", "Count/Second");
                metrics.add(name);
            }
        }
        return metrics;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
