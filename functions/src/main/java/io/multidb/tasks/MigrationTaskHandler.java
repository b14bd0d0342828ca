package io.multidb.tasks;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationStepFailed;
import io.multidb.storage.StorageException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The schema-migration workflow's one task function. Every Task state of statemachines/schema-migration.asl.json
 * invokes it with {@code {"task": ..., "org": ..., "job_id": ...}} plus {@code "batch"} for the batch steps and
 * {@code "outcome"}/{@code "error"} for finish; it calls the use case and answers with a small JSON object.
 * Failures become {@link TaskFailure} subclasses, whose names the state machine's Retry and Catch match.
 */
public final class MigrationTaskHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MigrationService migrations;

    /** For Lambda: the service built once per container from the environment. */
    public MigrationTaskHandler() {
        this(TaskWiring.migrationService());
    }

    public MigrationTaskHandler(MigrationService migrations) {
        this.migrations = Objects.requireNonNull(migrations);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        String task = text(input, "task");
        String org = text(input, "org");
        String job = text(input, "job_id");
        if (!MigrationJob.isValidId(job)) {
            throw new JobNotRunning("not a job id: " + job, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", job);
        try {
            switch (task) {
                case "prepare" -> {
                    int n = migrations.prepare(org, job);
                    // Batch numbers only: each batch task reads its children from the store (never names in the state).
                    List<Integer> batches = IntStream.range(0, n).boxed().toList();
                    out.put("batches", batches);
                }
                case "dry_run_parent" -> migrations.dryRunParent(org, job);
                case "dry_run_batch" -> migrations.dryRunBatch(org, job, batch(input));
                case "apply_batch" -> migrations.applyBatch(org, job, batch(input));
                case "apply_parent" -> migrations.applyParent(org, job);
                case "restore_batch" -> migrations.restoreBatch(org, job, batch(input));
                case "finish" -> {
                    boolean ok = "succeeded".equals(input.get("outcome"));
                    MigrationJob done = migrations.finish(org, job, ok, ok ? null : errorOf(input.get("error")));
                    out.put("status", done.status().wire());
                }
                default -> throw new IllegalArgumentException("unknown task '" + task + "'");
            }
        } catch (MigrationStepFailed e) {
            throw switch (e.reason()) {
                case PREPARE_FAILED -> new PrepareFailed(e.getMessage(), e);
                case DRY_RUN_FAILED -> new DryRunFailed(e.getMessage(), e);
                case APPLY_FAILED -> new ApplyFailed(e.getMessage(), e);
                case ABORTED -> new MigrationAborted(e.getMessage(), e);
                case NOT_RUNNING -> new JobNotRunning(e.getMessage(), e);
                case TRANSIENT -> new TransientTaskFailure(e.getMessage(), e);
            };
        } catch (StorageException e) {
            throw new TransientTaskFailure(e.getMessage(), e);
        } catch (MultidbException e) {
            if (e.kind() == ErrorKind.UNAVAILABLE) {
                throw new TransientTaskFailure(e.getMessage(), e);
            }
            throw e;
        }
        return out;
    }

    private static String text(Map<String, Object> input, String key) {
        Object v = input.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException("task input needs '" + key + "'");
        }
        return s;
    }

    private static int batch(Map<String, Object> input) {
        if (input.get("batch") instanceof Number n && n.intValue() >= 0) {
            return n.intValue();
        }
        throw new IllegalArgumentException("task input needs 'batch' (a number)");
    }

    /** The Catch's {"Error", "Cause"}; the cause of a Lambda error is itself JSON with errorMessage. */
    private static String errorOf(Object error) {
        if (!(error instanceof Map<?, ?> m)) {
            return null;
        }
        Object name = m.get("Error");
        Object cause = m.get("Cause");
        String text = cause == null ? "" : cause.toString();
        try {
            JsonNode parsed = JSON.readTree(text);
            if (parsed != null && parsed.hasNonNull("errorMessage")) {
                text = parsed.get("errorMessage").asText();
            }
        } catch (JsonProcessingException notJson) {
            // a cause that is plain text is shown as it is
        }
        String simple = name == null ? "Error" : name.toString().substring(name.toString().lastIndexOf('.') + 1);
        return (simple + ": " + text).strip();
    }
}
