package io.multidb.testing;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntToLongFunction;

/** Real-concurrency races: tasks on separate threads, released together, each after a random stagger. */
public final class Race {
    private Race() {
    }

    /** What one task returned, or the exception it threw. */
    public record Outcome(Object value, RuntimeException error) {
        public boolean ok() {
            return error == null;
        }

        public ErrorKind kind() {
            if (error instanceof MultidbException e) {
                return e.kind();
            }
            throw new AssertionError("expected a result or a MultidbException", error);
        }

        public String describe() {
            return ok() ? "success" : error.toString();
        }
    }

    /**
     * Runs the tasks on {@code pool} (which needs a thread per task), released together; task i first waits a
     * random time below {@code maxStaggerNanos.applyAsLong(i)}, so who goes first varies from round to round.
     */
    public static List<Outcome> run(ExecutorService pool, List<Callable<Object>> tasks, IntToLongFunction maxStaggerNanos,
                                    Duration timeout) throws Exception {
        CountDownLatch ready = new CountDownLatch(tasks.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Callable<Object> task = tasks.get(i);
            long stagger = maxStaggerNanos.applyAsLong(i);
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(stagger));
                try {
                    return new Outcome(task.call(), null);
                } catch (RuntimeException e) {
                    return new Outcome(null, e);
                }
            }));
        }
        if (!ready.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the racers did not all start: is the pool big enough?");
        }
        go.countDown();
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> f : futures) {
            outcomes.add(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        return outcomes;
    }
}
