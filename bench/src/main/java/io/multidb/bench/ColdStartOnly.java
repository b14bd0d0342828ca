package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Scenario 3 (cold start) alone, for a change that touches init (logging, wiring): starts the local runtime, sets
 * up the SQL scenario's database, runs {@link ColdStartBench} and prints its table; writes nothing under
 * bench/results. Run after {@code mvn -B -q -DskipTests -pl bench -am package}:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Dmultidb.home=$PWD \
 *   -cp "$(ls bench/target/multidb-bench-*.jar):$(cat bench/target/classpath.txt)" io.multidb.bench.ColdStartOnly [runs]
 * </pre>
 */
public final class ColdStartOnly {
    private ColdStartOnly() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Path.of(System.getProperty("bench.work", "bench/target/cold-start-work")).toAbsolutePath();
        Bench.deleteTree(work);
        Files.createDirectories(work);
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setErr(new PrintStream(new FileOutputStream(work.resolve("runtime.log").toFile()), true));
        try (BenchRuntime rt = BenchRuntime.start(work.resolve("data"))) {
            new FleetBench(rt, work, out).setUp(); // the group the SQL scenario's databases live in
            SqlHttpBench sql = new SqlHttpBench(rt, out, new SqlHttpBench.Bounds(0, 0, 0, 0));
            sql.setUp();
            ObjectNode r = new ColdStartBench(rt, work, lambdaJar(), out, runs).run(SqlHttpBench.CHILD, sql.token());
            out.println(r.toPrettyString());
        } finally {
            System.setErr(err);
        }
    }

    private static Path lambdaJar() throws Exception {
        String given = System.getProperty("bench.lambdaJar");
        if (given != null) {
            return Path.of(given).toAbsolutePath(); // e.g. a copy of an earlier build, to compare in one run
        }
        try (var s = Files.list(Path.of("functions/target"))) {
            return s.filter(p -> p.getFileName().toString().endsWith("-lambda.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build functions/target/*-lambda.jar first")).toAbsolutePath();
        }
    }
}
