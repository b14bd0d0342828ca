package io.multidb.local.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.emulators.StepFunctionsLocal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

/**
 * How fast the local runtime turns Task states into Java handler calls. Numbers only, no timed assertions; run with
 * {@code -Dmultidb.bench=true} and read the test's output file.
 */
@EnabledIfSystemProperty(named = "multidb.bench", matches = "true")
class StepFunctionsLocalBenchmarkTest {

    @Test
    void measure() throws Exception {
        ConcurrentLinkedQueue<Long> entries = new ConcurrentLinkedQueue<>();
        try (LambdaInvokeFront lambda = LambdaInvokeFront.builder()
                        .streamFunction("Trivial", (in, out, ctx) -> {
                            entries.add(System.nanoTime());
                            in.readAllBytes();
                            out.write("{\"ok\":true}".getBytes());
                        })
                        .start();
                StepFunctionsLocal local = StepFunctionsLocal.builder()
                        .stateMachine("bench", StepFunctionsLocalWorkflowTest.resource("bench-workflow.asl.json"))
                        .stateMachine("single", StepFunctionsLocalWorkflowTest.resource("single-task.asl.json"))
                        .substitution(StepFunctionsLocal.MIGRATION_TASK_FUNCTION_ARN, lambda.functionArn("Trivial"))
                        .lambdaEndpoint(lambda.endpoint())
                        .log(line -> {})
                        .start();
                SfnClient sfn = SfnClient.builder()
                        .endpointOverride(local.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("l", "l")))
                        .httpClient(UrlConnectionHttpClient.create())
                        .build()) {
            String bench = local.stateMachineArn("bench");
            run(sfn, bench, "warmup-1", 300, 40); // JIT on both sides

            // 1. Sequential Map: one task at a time, so the gap between handler entries is one full task cycle.
            int n = 300;
            entries.clear();
            List<HistoryEvent> seq = run(sfn, bench, "sequential", n, 1);
            List<Long> sorted = new ArrayList<>(entries);
            Collections.sort(sorted);
            List<Double> cycleMs = new ArrayList<>();
            for (int i = 1; i < sorted.size(); i++) {
                cycleMs.add((sorted.get(i) - sorted.get(i - 1)) / 1e6);
            }
            List<Double> lambdaMs = pairs(seq, HistoryEventType.LAMBDA_FUNCTION_SCHEDULED,
                    HistoryEventType.LAMBDA_FUNCTION_SUCCEEDED);
            List<Double> taskStateMs = pairs(seq, HistoryEventType.TASK_STATE_ENTERED,
                    HistoryEventType.TASK_STATE_EXITED);
            double seqWallMs = span(seq);
            report("sequential Map, %d tasks: wall %.0f ms = %.2f ms/iteration; median task cycle (handler entry to "
                            + "next entry) %.2f ms; history medians (ms resolution): Lambda scheduled->succeeded "
                            + "%.1f ms, TaskStateEntered->Exited %.1f ms",
                    n, seqWallMs, seqWallMs / n, median(cycleMs), median(lambdaMs), median(taskStateMs));

            // 2. Parallel Map at the inline maximum concurrency (40) and at 10.
            for (int concurrency : new int[] {40, 10}) {
                int items = 2000;
                List<HistoryEvent> par = run(sfn, bench, "parallel-" + concurrency, items, concurrency);
                double wall = span(par);
                report("Map of %d iterations at MaxConcurrency %d: %.0f ms, %.0f iterations/s, %d history events",
                        items, concurrency, wall, items * 1000.0 / wall, par.size());
            }

            // 3. A whole execution with one task, as the API handler sees it: StartExecution, then DescribeExecution
            // polled every 5 ms until it has ended.
            String single = local.stateMachineArn("single");
            List<Double> endToEnd = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long t0 = System.nanoTime();
                String arn = sfn.startExecution(r -> r.stateMachineArn(single).input("{}")).executionArn();
                assertThat(awaitEnd(sfn, arn, 5).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
                endToEnd.add((System.nanoTime() - t0) / 1e6);
            }
            report("one-task execution, start to observed SUCCEEDED (5 ms polls), median of 50: %.1f ms",
                    median(endToEnd));
        }
    }

    private static List<HistoryEvent> run(SfnClient sfn, String machine, String name, int items, int concurrency)
            throws InterruptedException {
        String input = "{\"max_concurrency\":" + concurrency + ",\"items\":["
                + IntStream.range(0, items).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "]}";
        String arn = sfn.startExecution(r -> r.stateMachineArn(machine).name(name).input(input)).executionArn();
        assertThat(awaitEnd(sfn, arn, 20).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        return sfn.getExecutionHistoryPaginator(r -> r.executionArn(arn).maxResults(1000).includeExecutionData(false))
                .events().stream().toList();
    }

    private static DescribeExecutionResponse awaitEnd(SfnClient sfn, String arn, long pollMs)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (true) {
            DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(arn));
            if (d.status() != ExecutionStatus.RUNNING || Instant.now().isAfter(deadline)) {
                return d;
            }
            Thread.sleep(pollMs);
        }
    }

    /** Durations from each start event to the next end event (valid for a sequential run). */
    private static List<Double> pairs(List<HistoryEvent> events, HistoryEventType start, HistoryEventType end) {
        List<Double> out = new ArrayList<>();
        Instant open = null;
        for (HistoryEvent e : events) {
            if (e.type() == start) {
                open = e.timestamp();
            } else if (e.type() == end && open != null) {
                out.add(Duration.between(open, e.timestamp()).toNanos() / 1e6);
                open = null;
            }
        }
        return out;
    }

    private static double span(List<HistoryEvent> events) {
        Instant from = null;
        Instant to = null;
        for (HistoryEvent e : events) {
            if (e.type() == HistoryEventType.MAP_STATE_ENTERED) {
                from = e.timestamp();
            } else if (e.type() == HistoryEventType.MAP_STATE_EXITED) {
                to = e.timestamp();
            }
        }
        return Duration.between(from, to).toNanos() / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    private static void report(String format, Object... args) {
        System.out.println("[bench] " + String.format(format, args));
    }
}
