package io.multidb.telemetry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.stacktrace.ShortenedThrowableConverter;

/**
 * Logback's configuration, in code: found through {@code META-INF/services} when the first logger is asked for, so
 * no XML is parsed at cold start. One console appender on stderr (Lambda sends stdout and stderr to CloudWatch
 * Logs; the local runtime's output and the benchmarks' runtime.log are its stderr), and either:
 * <ul>
 *   <li>{@code json} (the default): one JSON object per line (logstash-logback-encoder) with {@code timestamp}
 *       (RFC 3339, UTC), {@code level}, {@code message}, {@code logger}, the MDC (request_id, job_id, ...) and the
 *       event's key-value pairs as top-level fields. Lambda's JSON log format passes such lines through unchanged
 *       and filters them by {@code level}.</li>
 *   <li>{@code pretty}: one readable line per event for a terminal (the local runtime picks it when its output
 *       is one).</li>
 * </ul>
 * Settings, first found wins: system property {@code multidb.log.level}, {@code MULTIDB_LOG_LEVEL},
 * {@code AWS_LAMBDA_LOG_LEVEL} (what Lambda sets from the function's application log level), else INFO; system
 * property {@code multidb.log.format}, {@code MULTIDB_LOG_FORMAT}, else json.
 */
// No @ConfiguratorRank: reading an annotation makes a dynamic proxy (~80 classes, several ms of cold start), and
// this is the only configurator on the class path, which logback runs before its XML-reading ones.
public final class LogSetup extends ContextAwareBase implements Configurator {
    public static final String LEVEL_PROPERTY = "multidb.log.level";
    public static final String FORMAT_PROPERTY = "multidb.log.format";

    public LogSetup() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        Map<String, String> env = System.getenv();
        String level = first(System.getProperty(LEVEL_PROPERTY), env.get("MULTIDB_LOG_LEVEL"),
                env.get("AWS_LAMBDA_LOG_LEVEL"), "INFO");
        String format = first(System.getProperty(FORMAT_PROPERTY), env.get("MULTIDB_LOG_FORMAT"), "json");
        boolean pretty = format.trim().equalsIgnoreCase("pretty");
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(pretty ? prettyEncoder(context) : jsonEncoder(context, env));
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(level));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Whether events are written as JSON (and so carry the embedded metrics), as opposed to pretty lines. */
    public static boolean json() {
        return !"pretty".equalsIgnoreCase(first(System.getProperty(FORMAT_PROPERTY), System.getenv("MULTIDB_LOG_FORMAT"),
                "json").trim());
    }

    /** The JSON encoder, started; also what tests put on an in-memory appender to see the exact lines. */
    public static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context, Map<String, String> env) {
        LogstashEncoder e = new LogstashEncoder();
        e.setContext(context);
        e.getFieldNames().setTimestamp("timestamp");
        e.getFieldNames().setVersion("[ignore]");
        e.getFieldNames().setLevelValue("[ignore]");
        e.getFieldNames().setThread("[ignore]");
        e.getFieldNames().setLogger("logger");
        e.getFieldNames().setStackTrace("stack_trace");
        e.setTimeZone("UTC");
        e.setTimestampPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX"); // RFC 3339, as Lambda's level filter wants
        e.setShortenedLoggerNameLength(36);
        ShortenedThrowableConverter traces = new ShortenedThrowableConverter();
        traces.setMaxDepthPerThrowable(24);
        traces.setRootCauseFirst(true);
        e.setThrowableConverter(traces);
        ObjectNode custom = JsonNodeFactory.instance.objectNode();
        custom.put("service", "multidb");
        String function = env.get("AWS_LAMBDA_FUNCTION_NAME");
        if (function != null) {
            custom.put("function", function);
        }
        e.setCustomFields(custom.toString());
        e.start();
        return e;
    }

    private static Encoder<ILoggingEvent> prettyEncoder(LoggerContext context) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(context);
        e.setPattern("%d{HH:mm:ss.SSS} %highlight(%-5level) %msg %cyan(%mdc) %kvp%n%ex{12}");
        e.start();
        return e;
    }

    private static Level level(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        return switch (n) {
            case "FATAL" -> Level.ERROR; // Lambda's level names include FATAL; logback's stop at ERROR
            case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" -> Level.toLevel(n);
            default -> Level.INFO;
        };
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
