package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Scenario 3 (cold start) alone, for a change that touches init (logging, wiring): starts the local runtime, sets
 * up the SQL scenario's database, then either runs {@link ColdStartBench} (every variant) or, with two jars,
 * compares them: the deployed variant (C1 only, no priming) of each jar in turn, interleaved run by run so that a
 * change in the machine's load hits both alike, timing the wall clock (spawn to first response) and the probe
 * process's CPU time (user + system, from /usr/bin/time), which a busy shared machine disturbs much less. Writes
 * nothing under bench/results. Run after {@code mvn -B -q -DskipTests -pl bench -am package}:
 * <pre>
 * CP="$(ls bench/target/multidb-bench-*.jar):$(cat bench/target/classpath.txt)"
 * java --enable-native-access=ALL-UNNAMED -Dmultidb.home=$PWD -cp "$CP" io.multidb.bench.ColdStartOnly [runs]
 * java --enable-native-access=ALL-UNNAMED -Dmultidb.home=$PWD -cp "$CP" io.multidb.bench.ColdStartOnly runs a.jar b.jar
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
            if (args.length >= 3) {
                compare(rt, work, sql.token(), runs, List.of(Path.of(args[1]), Path.of(args[2])), out);
                return;
            }
            ObjectNode r = new ColdStartBench(rt, work, lambdaJar(), out, runs).run(SqlHttpBench.CHILD, sql.token());
            out.println(r.toPrettyString());
        } finally {
            System.setErr(err);
        }
    }

    private static void compare(BenchRuntime rt, Path work, String token, int runs, List<Path> jars, PrintStream out)
            throws Exception {
        Path env = work.resolve("compare.properties");
        Properties p = new Properties();
        p.setProperty("MULTIDB_DATA_ROOT", rt.sqliteRoot().toString());
        p.setProperty("MULTIDB_TABLE", "multidb");
        p.setProperty("MULTIDB_DYNAMODB_ENDPOINT", rt.dynamoEndpoint().toString());
        p.setProperty("MULTIDB_ORG", BenchRuntime.ORG);
        p.setProperty("MULTIDB_ADMIN_TOKEN", rt.adminToken);
        p.setProperty("AWS_REGION", "us-east-1");
        p.setProperty("MULTIDB_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:000000000000:stateMachine:schema-migration");
        p.setProperty("MULTIDB_SFN_ENDPOINT", rt.runtime.stepFunctions().endpoint().toString());
        p.setProperty("database", SqlHttpBench.CHILD);
        p.setProperty("token", token);
        try (OutputStream o = Files.newOutputStream(env)) {
            p.store(o, "cold-start comparison");
        }
        Path probe = probeJar(work);
        List<List<double[]>> results = new ArrayList<>();
        jars.forEach(j -> results.add(new ArrayList<>()));
        for (int r = 0; r < runs; r++) {
            for (int j = 0; j < jars.size(); j++) {
                results.get(j).add(once(jars.get(j), probe, env));
            }
        }
        for (int j = 0; j < jars.size(); j++) {
            double[] wall = results.get(j).stream().mapToDouble(x -> x[0]).toArray();
            double[] cpu = results.get(j).stream().mapToDouble(x -> x[1]).toArray();
            out.printf("  %-40s C1 only: wall to first response median %5.0f ms, CPU (user+sys) median %5.0f ms, "
                    + "over %d runs; wall %s%n", jars.get(j).getFileName(), Stats.median(wall), Stats.median(cpu), runs,
                    java.util.Arrays.toString(wall));
        }
    }

    /** {wall ms from spawn to the first response, CPU ms of the whole probe process}. */
    private static double[] once(Path jar, Path probe, Path env) throws Exception {
        Path times = Files.createTempFile("cold-start-time", ".txt");
        List<String> command = List.of("/usr/bin/time", "-o", times.toString(), "-f", "%U %S",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-cp", jar + java.io.File.pathSeparator + probe,
                ColdStartMain.class.getName(), "plain", env.toString());
        long spawn = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("the probe failed: " + output);
        }
        String[] cpu = Files.readString(times).trim().split("\\s+");
        Files.delete(times);
        for (String line : output.split("\n")) {
            if (line.startsWith("COLDSTART ")) {
                String[] f = line.trim().split(" ");
                return new double[] {(Long.parseLong(f[4]) - spawn) / 1e6,
                        (Double.parseDouble(cpu[0]) + Double.parseDouble(cpu[1])) * 1000};
            }
        }
        throw new IllegalStateException("no timings from the probe: " + output);
    }

    private static Path probeJar(Path work) throws Exception {
        Path jar = work.resolve("compare-probe.jar");
        String entry = ColdStartMain.class.getName().replace('.', '/') + ".class";
        try (InputStream in = ColdStartMain.class.getClassLoader().getResourceAsStream(entry);
                JarOutputStream o = new JarOutputStream(Files.newOutputStream(jar))) {
            o.putNextEntry(new JarEntry(entry));
            in.transferTo(o);
            o.closeEntry();
        }
        return jar;
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
