package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What every scenario main starts with: a fresh work directory ({@code bench.work}), the results directory
 * ({@code bench.out}), and the results object with the machine it ran on and the load average at the start.
 *
 * @param load the environment's load_average notes; scenarios add one after each phase
 */
record BenchRun(Path work, Path out, ObjectNode results, ObjectNode environment, ArrayNode load) {

    static BenchRun start() throws Exception {
        Path work = Path.of(System.getProperty("bench.work", "bench/target/bench-work")).toAbsolutePath();
        Path out = Path.of(System.getProperty("bench.out", "bench/results")).toAbsolutePath();
        Bench.deleteTree(work);
        Files.createDirectories(work);
        Files.createDirectories(out);
        ObjectNode results = Api.JSON.createObjectNode();
        ObjectNode env = results.putObject("environment");
        env.put("date", Instant.now().toString());
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        ArrayNode load = env.putArray("load_average");
        load.add(Bench.loadNote("start"));
        return new BenchRun(work, out, results, env, load);
    }
}
