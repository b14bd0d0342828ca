package io.multidb.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The migration task function's events (logger {@code io.multidb.migration}): one per task step, written when the
 * step ends, and one when a job ends. {@code job_id}, {@code task} and {@code batch} are in the MDC for the whole
 * step, so any other event of the step (the SDK's, a stack trace) carries them too.
 *
 * <p>Step event: {@code outcome} (ok, or the error name the state machine routes on), {@code error} (the step's
 * message: the failed children and SQLite's error text), {@code TaskDuration} (ms) by {@code task}, and
 * {@code TaskFailures} when it failed. Prepare adds {@code MigrationsStarted} and {@code Batches}.
 *
 * <p>Job event ("migration ended"): {@code schema_database}, {@code status}, {@code from_version},
 * {@code to_version}, {@code error}, {@code failed_children} ([{database, error}], the first few the job keeps),
 * {@code Migrations<Status>} (MigrationsSucceeded, MigrationsFailed, MigrationsRolledBack, MigrationsAborted),
 * {@code JobDuration} (s), and for a success {@code ChildrenMigrated} and {@code MigrationRate} (children/s). A
 * failed job's dry-run failures are counted by SQLite's primary code in one more event per code
 * ({@code DryRunFailures} by {@code sqlite_code}).
 */
public final class TaskLog {
    static final Logger LOG = LoggerFactory.getLogger("io.multidb.migration");
    private static final boolean EMF = LogSetup.json();
    private static final Pattern SQLITE_CODE = Pattern.compile("SQLITE_[A-Z]+");
    private static final Emf.Directive STEP = Emf.directive(List.of(List.of("task")),
            List.of(new Emf.Metric("TaskDuration", Emf.Unit.MILLISECONDS)));
    // Also without dimensions: the TaskFunctionErrors alarm subtracts the failures the handler saw from Lambda's Errors.
    private static final Emf.Directive STEP_FAILED = Emf.directive(List.of(List.of("task"), List.of()),
            List.of(new Emf.Metric("TaskDuration", Emf.Unit.MILLISECONDS), new Emf.Metric("TaskFailures", Emf.Unit.COUNT)));
    private static final Emf.Directive STARTED = Emf.directive(List.of(List.of()),
            List.of(new Emf.Metric("MigrationsStarted", Emf.Unit.COUNT), new Emf.Metric("Batches", Emf.Unit.COUNT)));
    private static final Emf.Directive DRY_RUN_FAILURES = Emf.directive(List.of(List.of("sqlite_code")),
            List.of(new Emf.Metric("DryRunFailures", Emf.Unit.COUNT)));
    private static final Emf.Metric JOB_DURATION = new Emf.Metric("JobDuration", Emf.Unit.SECONDS);
    private static final Emf.Directive SUCCEEDED = Emf.directive(List.of(List.of()), List.of(
            new Emf.Metric("MigrationsSucceeded", Emf.Unit.COUNT), JOB_DURATION,
            new Emf.Metric("ChildrenMigrated", Emf.Unit.COUNT), new Emf.Metric("MigrationRate", Emf.Unit.COUNT_PER_SECOND)));

    private TaskLog() {
    }

    /** A database that failed a job, with SQLite's error text. */
    public record FailedChild(String database, String error) {
    }

    /**
     * How a job ended, as the finish step's job view says.
     *
     * @param children how many children the family has (migrated, for a success); null when unknown
     */
    public record JobEnd(String status, String schemaDatabase, long fromVersion, long toVersion, Instant createdAt,
                         Instant finishedAt, String error, List<FailedChild> failedChildren, Integer children) {
    }

    /** Starts a step's event; the MDC holds its keys until {@link Step#ok} or {@link Step#failed}. */
    public static Step begin(String task, String jobId, Integer batch) {
        MDC.put("task", task == null ? "unknown" : task);
        if (jobId != null) {
            MDC.put("job_id", jobId);
        }
        if (batch != null) {
            MDC.put("batch", batch.toString());
        }
        return new Step(System.nanoTime());
    }

    public static final class Step {
        private final long started;
        private Integer batches;

        private Step(long started) {
            this.started = started;
        }

        /** Prepare's result: the job started, split into this many batches. */
        public void prepared(int batchCount) {
            this.batches = batchCount;
        }

        public void ok() {
            try {
                LoggingEventBuilder b = LOG.atInfo().addKeyValue("outcome", "ok");
                b.addKeyValue("TaskDuration", elapsedMs());
                if (batches != null) {
                    b.addKeyValue("MigrationsStarted", 1).addKeyValue("Batches", batches);
                }
                aws(b, batches != null ? List.of(STEP, STARTED) : List.of(STEP));
                b.log("task step");
            } finally {
                clear();
            }
        }

        /**
         * The step failed with this error name (what the state machine routes on); a cause is given for a bug,
         * whose event is an ERROR with the stack trace. Expected failures (a dry run that failed, a retry) are WARN.
         */
        public void failed(String errorName, String message, Throwable bug) {
            try {
                LoggingEventBuilder b = (bug != null ? LOG.atError() : LOG.atWarn()).addKeyValue("outcome", errorName);
                if (message != null) {
                    b.addKeyValue("error", message);
                }
                b.addKeyValue("TaskDuration", elapsedMs()).addKeyValue("TaskFailures", 1);
                aws(b, List.of(STEP_FAILED));
                if (bug != null) {
                    b.setCause(bug);
                }
                b.log("task step");
            } finally {
                clear();
            }
        }

        /** The finish step's view of the job: the job's own event, then the dry-run failures by code. */
        public void ended(JobEnd end) {
            String metric = switch (end.status()) {
                case "succeeded" -> "MigrationsSucceeded";
                // The parent moved on; the children left behind are named in the event (and need a retry).
                case "succeeded_with_quarantine" -> "MigrationsQuarantined";
                case "failed" -> "MigrationsFailed";
                case "rolled_back" -> "MigrationsRolledBack";
                case "aborted" -> "MigrationsAborted";
                default -> null; // still running: finish changed nothing
            };
            if (metric == null) {
                return;
            }
            boolean ok = metric.equals("MigrationsSucceeded");
            LoggingEventBuilder b = ok ? LOG.atInfo() : LOG.atWarn();
            b.addKeyValue("schema_database", end.schemaDatabase()).addKeyValue("status", end.status())
                    .addKeyValue("from_version", end.fromVersion()).addKeyValue("to_version", end.toVersion());
            if (end.error() != null) {
                b.addKeyValue("error", end.error());
            }
            if (!end.failedChildren().isEmpty()) {
                List<Map<String, String>> failed = new ArrayList<>();
                for (FailedChild f : end.failedChildren()) {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("database", f.database());
                    m.put("error", f.error());
                    failed.add(m);
                }
                b.addKeyValue("failed_children", failed);
            }
            double seconds = end.finishedAt() == null ? 0
                    : Duration.between(end.createdAt(), end.finishedAt()).toMillis() / 1000.0;
            b.addKeyValue(metric, 1).addKeyValue("JobDuration", seconds);
            if (ok && end.children() != null) {
                b.addKeyValue("ChildrenMigrated", end.children());
                b.addKeyValue("MigrationRate", seconds > 0 ? Math.round(end.children() / seconds * 100) / 100.0 : 0.0);
                aws(b, List.of(SUCCEEDED));
            } else {
                aws(b, List.of(Emf.directive(List.of(List.of()), List.of(new Emf.Metric(metric, Emf.Unit.COUNT), JOB_DURATION))));
            }
            b.log("migration ended");
            if (end.status().equals("failed")) {
                sqliteCodes(end.failedChildren()).forEach((code, n) -> {
                    LoggingEventBuilder c = LOG.atWarn().addKeyValue("schema_database", end.schemaDatabase())
                            .addKeyValue("sqlite_code", code).addKeyValue("DryRunFailures", n);
                    aws(c, List.of(DRY_RUN_FAILURES));
                    c.log("dry-run failures");
                });
            }
        }

        private double elapsedMs() {
            return Math.round((System.nanoTime() - started) / 10_000.0) / 100.0;
        }
    }

    /** SQLite's primary result code in each failure's text (sqlite-jdbc writes "[SQLITE_xxx] ..."), counted. */
    static Map<String, Integer> sqliteCodes(List<FailedChild> failures) {
        Map<String, Integer> codes = new TreeMap<>();
        for (FailedChild f : failures) {
            Matcher m = SQLITE_CODE.matcher(f.error());
            String code = m.find() ? m.group() : "OTHER";
            codes.merge(code, 1, Integer::sum);
        }
        return codes;
    }

    private static void aws(LoggingEventBuilder b, List<Emf.Directive> directives) {
        if (EMF) {
            b.addKeyValue("_aws", Emf.aws(System.currentTimeMillis(), directives));
        }
    }

    private static void clear() {
        MDC.remove("task");
        MDC.remove("job_id");
        MDC.remove("batch");
    }
}
