package io.multidb.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch's embedded metric format, carried by the log event itself: the event's {@code _aws} member says which
 * of its top-level numeric fields are metrics, in which namespace and with which dimensions (top-level string
 * fields of the same event). CloudWatch Logs extracts the metrics when the line arrives; nothing is called at run
 * time. One line per request or task step is both the log event and its metrics, instead of a second JSON
 * document per request (which aws-embedded-metrics would write).
 *
 * <p>Dimensions are bounded by construction: route templates, task names, job outcomes, SQLite's primary result
 * codes; never a database name or a job id.
 */
public final class Emf {
    /** The namespace of every metric: {@code MULTIDB_METRICS_NAMESPACE}, else {@code multidb} (the stack sets it). */
    public static final String NAMESPACE = namespace();
    private static final ObjectMapper WRITER = new ObjectMapper();

    public enum Unit {
        COUNT("Count"), MILLISECONDS("Milliseconds"), SECONDS("Seconds"), COUNT_PER_SECOND("Count/Second");

        final String wire;

        Unit(String wire) {
            this.wire = wire;
        }
    }

    /** One metric of a directive; its value is the event's top-level field of the same name. */
    public record Metric(String name, Unit unit) {
        Map<String, String> json() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("Name", name);
            m.put("Unit", unit.wire);
            return m;
        }
    }

    /**
     * A CloudWatchMetrics entry, built once and shared by every event that reports these metrics; kept serialized
     * (by Jackson, once) so that an event writes it as it is instead of walking its maps again.
     */
    public record Directive(Map<String, Object> json, RawValue serialized) {
    }

    private Emf() {
    }

    /** Metrics reported under each of the dimension sets (an empty set: the metric without dimensions). */
    public static Directive directive(List<List<String>> dimensionSets, List<Metric> metrics) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Namespace", NAMESPACE);
        d.put("Dimensions", List.copyOf(dimensionSets.stream().map(List::copyOf).toList()));
        List<Map<String, String>> ms = new ArrayList<>();
        metrics.forEach(m -> ms.add(m.json()));
        d.put("Metrics", List.copyOf(ms));
        try {
            return new Directive(Map.copyOf(d), new RawValue(WRITER.writeValueAsString(d)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code _aws} member of an event at this time (epoch milliseconds) reporting these directives. */
    public static Map<String, Object> aws(long timestampMillis, List<Directive> directives) {
        Map<String, Object> aws = new LinkedHashMap<>(4);
        aws.put("Timestamp", timestampMillis);
        List<RawValue> list = new ArrayList<>(directives.size());
        directives.forEach(d -> list.add(d.serialized()));
        aws.put("CloudWatchMetrics", list);
        return aws;
    }

    private static String namespace() {
        String ns = System.getenv("MULTIDB_METRICS_NAMESPACE");
        return ns == null || ns.isBlank() ? "multidb" : ns.strip();
    }
}
