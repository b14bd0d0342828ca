package io.multidb.tasks;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.multidb.common.MultidbException;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationStepFailed;
import io.multidb.migrations.MigrationSteps;
import io.multidb.migrations.PauseClock;
import io.multidb.storage.StorageException;
import io.multidb.telemetry.TaskLog;
import java.util.LinkedHashMap;
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
    private final MigrationService migrations;

    private final FamilySize familySize;
    /** The drift scan's tasks ({@code drift_*}); null where none are wired. */
    private final DriftTasks drift;

    /** How many children a schema database has: the count a successful job migrated (for its metrics). */
    @FunctionalInterface
    public interface FamilySize {
        int children(String org, String schemaDatabase);
    }

    /** For Lambda: the service built once per container from the environment. */
    public MigrationTaskHandler() {
        this(TaskWiring.migrationService(), TaskWiring.familySize(), TaskWiring.driftTasks());
    }

    public MigrationTaskHandler(MigrationService migrations) {
        this(migrations, null);
    }

    /** @param familySize counts a family's children when a job succeeds; null leaves that metric out */
    public MigrationTaskHandler(MigrationService migrations, FamilySize familySize) {
        this(migrations, familySize, null);
    }

    /** @param drift the drift scan's tasks, which the same state machine runs; null refuses them */
    public MigrationTaskHandler(MigrationService migrations, FamilySize familySize, DriftTasks drift) {
        this.migrations = Objects.requireNonNull(migrations);
        this.familySize = familySize;
        this.drift = drift;
    }

    /** One structured event per step (io.multidb.telemetry.TaskLog) around the step itself. */
    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        Object task = input.get("task");
        Object job = input.containsKey("scan_id") ? input.get("scan_id") : input.get("job_id");
        TaskLog.Step log = TaskLog.begin(task instanceof String t ? t : null,
                job instanceof String j && MigrationJob.isValidId(j) ? j : null,
                input.get("batch") instanceof Number n ? n.intValue() : null);
        try {
            Map<String, Object> out = run(input, log);
            log.ok();
            return out;
        } catch (TaskFailure f) {
            log.failed(f.getClass().getSimpleName(), f.getMessage(), null);
            throw f;
        } catch (RuntimeException e) {
            log.failed(e.getClass().getSimpleName(), e.getMessage(), e);
            throw e;
        }
    }

    private Map<String, Object> run(Map<String, Object> input, TaskLog.Step log) {
        String task = TaskInput.text(input, "task");
        if (DriftTasks.handles(task)) {
            if (drift == null) {
                throw new IllegalStateException("this task function has no drift scans wired");
            }
            return drift.run(task, input);
        }
        String org = TaskInput.text(input, "org");
        String job = TaskInput.text(input, "job_id");
        if (!MigrationJob.isValidId(job)) {
            throw new JobNotRunning("not a job id: " + job, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job_id", job);
        try {
            switch (task) {
                case "prepare" -> {
                    MigrationSteps.Prepared p = migrations.prepared(org, job);
                    log.prepared(p.batches());
                    // Batch numbers only: each batch task reads its children from the store (never names in the state).
                    // The canary's batches come first; the dry-run and the restore go over all of them.
                    out.put("batches", IntStream.range(0, p.batches()).boxed().toList());
                    out.put("canary", p.canaryBatches() > 0);
                    out.put("canary_batches", IntStream.range(0, p.canaryBatches()).boxed().toList());
                    out.put("rest_batches", IntStream.range(p.canaryBatches(), p.batches()).boxed().toList());
                    out.put("pause_after_canary", p.pauseAfterCanary());
                }
                case "await_resume" -> {
                    PauseClock.Look look = migrations.awaitResume(org, job,
                            input.get("checks") instanceof Number n ? n.intValue() : 0);
                    out.put("resumed", look.resumed());
                    out.put("wait_seconds", look.waitSeconds());
                    out.put("checks", look.checks());
                }
                case "dry_run_parent" -> migrations.dryRunParent(org, job);
                case "dry_run_batch" -> migrations.dryRunBatch(org, job, TaskInput.batch(input));
                case "apply_batch" -> migrations.applyBatch(org, job, TaskInput.batch(input));
                case "apply_parent" -> migrations.applyParent(org, job);
                case "restore_batch" -> migrations.restoreBatch(org, job, TaskInput.batch(input));
                case "finish" -> {
                    boolean ok = "succeeded".equals(input.get("outcome"));
                    MigrationJob done = migrations.finish(org, job, ok, ok ? null : TaskInput.errorOf(input.get("error"), null));
                    log.ended(ended(org, done));
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
        } catch (StorageException | MultidbException e) {
            throw TaskInput.retryableOrAsIs(e);
        }
        return out;
    }

    /** The job's end for its event; the family's size only for a success (one count, never on the hot path). */
    private TaskLog.JobEnd ended(String org, MigrationJob done) {
        Integer children = null;
        if (familySize != null && done.status().succeeded()) {
            try {
                children = familySize.children(org, done.schemaDb());
            } catch (RuntimeException e) {
                // The job is done either way; only its ChildrenMigrated metric is left out.
                children = null;
            }
        }
        return new TaskLog.JobEnd(done.status().wire(), done.schemaDb(), done.fromVersion(), done.toVersion(),
                done.createdAt(), done.finishedAt(), done.error(),
                done.failedChildren().stream().map(f -> new TaskLog.FailedChild(f.database(), f.error())).toList(),
                children);
    }
}
