package io.multidb.local.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test workflow's task function, a RequestStreamHandler like the real task handlers. What it does depends on
 * the job id's prefix, so that tests sharing one runtime do not disturb each other:
 * {@code concurrent-} batches wait until {@link #concurrencyBarrier} is down (proves parallelism),
 * {@code transient-} fails its first prepare, {@code fail-} fails batches flagged "fail" with a caught error,
 * {@code crash-} fails them with an error the workflow does not catch, {@code block-} batches wait for
 * {@link #release}, {@code huge-} returns more than 256 KB from prepare.
 */
final class FakeTaskHandler implements RequestStreamHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, List<JsonNode>> callsByJob = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxInFlight = new ConcurrentHashMap<>();
    volatile CountDownLatch concurrencyBarrier = new CountDownLatch(0);
    final CountDownLatch blockedEntered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode request = JSON.readTree(input);
        String job = request.path("job_id").asText();
        List<JsonNode> calls = callsByJob.computeIfAbsent(job, k -> new ArrayList<>());
        int attempt;
        synchronized (calls) {
            calls.add(request);
            attempt = (int) calls.stream().filter(c -> c.path("task").equals(request.path("task"))).count();
        }
        JsonNode result = switch (request.path("task").asText()) {
            case "prepare" -> prepare(request, job, attempt);
            case "batch" -> batch(request, job);
            case "record_failure" -> JSON.createObjectNode().put("recorded", true);
            default -> throw new IllegalArgumentException("unknown task " + request.path("task"));
        };
        JSON.writeValue(output, result);
    }

    List<JsonNode> calls(String job, String task) {
        List<JsonNode> calls = callsByJob.getOrDefault(job, List.of());
        synchronized (calls) {
            return calls.stream().filter(c -> c.path("task").asText().equals(task)).toList();
        }
    }

    /** The most batches of this job that ran at once. */
    int maxInFlight(String job) {
        AtomicInteger max = maxInFlight.get(job);
        return max == null ? 0 : max.get();
    }

    private JsonNode prepare(JsonNode request, String job, int attempt) {
        if (job.startsWith("transient-") && attempt == 1) {
            throw new TestTransientError("lock table busy, try again");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("execution_name", request.path("execution_name").asText());
        out.put("batch_count", request.path("batches").size());
        out.set("batches", request.path("batches"));
        if (job.startsWith("huge-")) {
            out.put("padding", "x".repeat(300_000));
        }
        return out;
    }

    private JsonNode batch(JsonNode request, String job) {
        AtomicInteger running = inFlight.computeIfAbsent(job, k -> new AtomicInteger());
        int now = running.incrementAndGet();
        maxInFlight.computeIfAbsent(job, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        try {
            JsonNode batch = request.path("batch");
            int index = request.path("index").asInt();
            if (job.startsWith("concurrent-")) {
                concurrencyBarrier.countDown();
                if (!await(concurrencyBarrier)) {
                    throw new IllegalStateException("batches did not run in parallel");
                }
            }
            if (job.startsWith("block-")) {
                blockedEntered.countDown();
                await(release);
            }
            if (batch.path("fail").asBoolean()) {
                if (job.startsWith("crash-")) {
                    throw new IllegalStateException("batch " + index + " crashed");
                }
                throw new TestBatchFailed("batch " + index + ": child c" + index + ": UNIQUE constraint failed: t.x");
            }
            return JSON.createObjectNode()
                    .put("index", index)
                    .put("children", batch.path("children").size())
                    .put("ok", true);
        } finally {
            running.decrementAndGet();
        }
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
