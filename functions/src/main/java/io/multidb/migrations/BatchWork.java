package io.multidb.migrations;

import static io.multidb.migrations.MigrationStepFailed.Reason.TRANSIENT;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Runs one batch's per-database work with the batch's bounded parallelism. Every started item ends before this
 * returns or throws, so no work of a batch is still running when the workflow moves on.
 */
final class BatchWork {
    private final int parallelism;

    BatchWork(int parallelism) {
        this.parallelism = parallelism;
    }

    /**
     * Applies {@code work} to each task (skipping those not started once {@code stop} says so) and returns the
     * results in the tasks' order (null for skipped ones). A thrown exception is rethrown once all have ended; a
     * step failure that is not transient (an abort) outranks a transient one.
     */
    <R> List<R> run(List<MigrationTask> tasks, Function<MigrationTask, R> work, BooleanSupplier stop) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        int n = Math.min(parallelism, tasks.size());
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "migration-batch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (MigrationTask t : tasks) {
                futures.add(pool.submit(() -> stop.getAsBoolean() ? null : work.apply(t)));
            }
            List<R> results = new ArrayList<>(tasks.size());
            RuntimeException thrown = null;
            for (Future<R> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    results.add(null);
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    if (thrown == null || rank(cause) > rank(thrown)) {
                        thrown = cause;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationStepFailed(TRANSIENT, "interrupted");
                }
            }
            if (thrown != null) {
                throw thrown;
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int rank(RuntimeException e) {
        return e instanceof MigrationStepFailed m && m.reason() != TRANSIENT ? 1 : 0;
    }
}
