package io.multidb.tasks;

import io.multidb.common.MultidbException;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftScanFailed;
import io.multidb.drift.DriftService;
import io.multidb.migrations.MigrationJob;
import io.multidb.storage.StorageException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The drift branch of the task function: {@code drift_prepare}, {@code drift_batch} and {@code drift_finish}, each
 * {@code {"task", "org", "schema_database", "scan_id"}} plus {@code "batch"} or {@code "outcome"}/{@code "error"}.
 * Failures are named like the migration tasks' ({@link TransientTaskFailure} is retried, the others caught).
 */
public final class DriftTasks {
    private final DriftService drift;

    public DriftTasks(DriftService drift) {
        this.drift = Objects.requireNonNull(drift);
    }

    public static boolean handles(String task) {
        return task != null && task.startsWith("drift_");
    }

    Map<String, Object> run(String task, Map<String, Object> input) {
        String org = TaskInput.text(input, "org");
        String parent = TaskInput.text(input, "schema_database");
        String scan = TaskInput.text(input, "scan_id");
        if (!MigrationJob.isValidId(scan)) {
            throw new JobNotRunning("not a drift scan id: " + scan, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scan_id", scan);
        try {
            switch (task) {
                case "drift_prepare" -> out.put("batches",
                        IntStream.range(0, drift.steps().prepare(org, parent, scan)).boxed().toList());
                case "drift_batch" -> {
                    if (!(input.get("batch") instanceof Number n) || n.intValue() < 0) {
                        throw new IllegalArgumentException("task input needs 'batch' (a number)");
                    }
                    out.put("drifted", drift.steps().batch(org, parent, scan, n.intValue()).children().size());
                }
                case "drift_finish" -> {
                    boolean ok = !"failed".equals(input.get("outcome"));
                    DriftReport r = drift.steps().finish(org, parent, scan, ok ? null : TaskInput.errorOf(input.get("error"), "the drift scan's workflow failed"));
                    out.put("status", r == null ? "gone" : r.status().wire());
                }
                default -> throw new IllegalArgumentException("unknown task '" + task + "'");
            }
        } catch (DriftScanFailed e) {
            throw switch (e.reason()) {
                case TRANSIENT -> new TransientTaskFailure(e.getMessage(), e);
                case NOT_RUNNING -> new JobNotRunning(e.getMessage(), e);
            };
        } catch (StorageException | MultidbException e) {
            throw TaskInput.retryableOrAsIs(e);
        }
        return out;
    }
}
