package io.multidb.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
 * Scenario 3, cold start: fresh JVMs running {@link ColdStartMain} with the shaded Lambda jar as deployed, timed from
 * the moment this process starts the JVM to the first handled event; several runs per variant, the median counts.
 * Variants: with and without priming (which moves work from the first request into init), C1 only
 * ({@code -XX:TieredStopAtLevel=1}), and an application class-data sharing archive
 * ({@code -XX:+AutoCreateSharedArchive}, made by a training run that is not counted).
 */
final class ColdStartBench {
    record Variant(String name, boolean prime, List<String> jvmFlags, boolean cds) {
    }

    /** Stands for the -Dorg.sqlite.lib.* flags pointing at the native library unpacked from the jar under test. */
    static final String NATIVE = "@native-library-in-place";

    static final List<Variant> VARIANTS = List.of(
            new Variant("default", false, List.of(), false),
            new Variant("default + priming", true, List.of(), false),
            new Variant("C1 only", false, List.of("-XX:TieredStopAtLevel=1"), false),
            new Variant("C1 only + priming", true, List.of("-XX:TieredStopAtLevel=1"), false),
            new Variant("CDS", false, List.of(), true),
            new Variant("CDS + C1 only", false, List.of("-XX:TieredStopAtLevel=1"), true),
            new Variant("CDS + C1 only + priming", true, List.of("-XX:TieredStopAtLevel=1"), true),
            // As infra/ deploys the API function: Lambda unpacks the jar into /var/task, so sqlite-jdbc's native
            // library is loaded from where it lies instead of being copied out of the jar into /tmp first.
            new Variant("C1 only + native library in place", false, List.of("-XX:TieredStopAtLevel=1", NATIVE), false),
            new Variant("CDS + C1 only + native library in place", false, List.of("-XX:TieredStopAtLevel=1", NATIVE),
                    true));


    private final BenchRuntime rt;
    private final Path work;
    private final Path lambdaJar;
    private final PrintStream log;
    private final int runs;

    ColdStartBench(BenchRuntime rt, Path work, Path lambdaJar, PrintStream log, int runs) {
        this.rt = rt;
        this.work = work;
        this.lambdaJar = lambdaJar;
        this.log = log;
        this.runs = runs;
    }

    ObjectNode run(String database, String token) throws Exception {
        Path probe = probeJar();
        Path env = work.resolve("cold-start.properties");
        Properties p = new Properties();
        p.setProperty("MULTIDB_DATA_ROOT", rt.sqliteRoot().toString());
        p.setProperty("MULTIDB_TABLE", "multidb");
        p.setProperty("MULTIDB_DYNAMODB_ENDPOINT", rt.dynamoEndpoint().toString());
        p.setProperty("MULTIDB_ORG", BenchRuntime.ORG);
        p.setProperty("MULTIDB_ADMIN_TOKEN", rt.adminToken);
        p.setProperty("AWS_REGION", "us-east-1");
        // The API function starts migrations, so in AWS it builds its Step Functions client at init too.
        p.setProperty("MULTIDB_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:000000000000:stateMachine:schema-migration");
        p.setProperty("MULTIDB_SFN_ENDPOINT", rt.runtime.stepFunctions().endpoint().toString());
        p.setProperty("database", database);
        p.setProperty("token", token);
        try (OutputStream out = Files.newOutputStream(env)) {
            p.store(out, "cold-start probe environment");
        }

        ObjectNode out = Api.JSON.createObjectNode();
        out.put("jar", lambdaJar.getFileName().toString());
        out.put("jar_bytes", Files.size(lambdaJar));
        out.put("java", System.getProperty("java.version"));
        out.put("runs_per_variant", runs);
        ArrayNode variants = out.putArray("variants");
        String only = System.getProperty("bench.variants", "");
        // bench.baseJar: another build of the Lambda jar (e.g. before a change), run alternately with this one.
        String baseJar = System.getProperty("bench.baseJar", "");
        for (Variant v : VARIANTS) {
            if (!only.isEmpty() && !List.of(only.split(",")).contains(v.name())) {
                continue;
            }
            if (!baseJar.isEmpty()) {
                variants.add(measure(v, Path.of(baseJar), probe, env, "base: "));
            }
            variants.add(measure(v, lambdaJar, probe, env, ""));
        }
        return out;
    }

    private ObjectNode measure(Variant v, Path lambdaJar, Path probe, Path env, String label) throws Exception {
        {
            Path archive = work.resolve("cds-" + label.replaceAll("[^a-z]", "") + v.name().replaceAll("[^a-z0-9]+", "-")
                    + ".jsa");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("--enable-native-access=ALL-UNNAMED");
            for (String flag : v.jvmFlags()) {
                if (flag.equals(NATIVE)) {
                    Path dir = unpackNative(lambdaJar, label);
                    command.add("-Dorg.sqlite.lib.path=" + dir);
                    command.add("-Dorg.sqlite.lib.name=libsqlitejdbc.so");
                } else {
                    command.add(flag);
                }
            }
            if (v.cds()) {
                command.add("-XX:+AutoCreateSharedArchive");
                command.add("-XX:SharedArchiveFile=" + archive);
            }
            command.add("-cp");
            command.add(lambdaJar + java.io.File.pathSeparator + probe);
            command.add(ColdStartMain.class.getName());
            command.add(v.prime() ? "prime" : "plain");
            command.add(env.toString());
            if (v.cds()) {
                once(command); // the training run writes the archive at exit
            }
            double[] total = new double[runs];
            double[] toMain = new double[runs];
            double[] init = new double[runs];
            double[] first = new double[runs];
            double[] second = new double[runs];
            double[] cpu = new double[runs];
            for (int r = 0; r < runs; r++) {
                long[] t = once(command);
                toMain[r] = (t[1] - t[0]) / 1e6;
                init[r] = (t[3] - t[1]) / 1e6;
                first[r] = (t[4] - t[3]) / 1e6;
                second[r] = (t[5] - t[4]) / 1e6;
                total[r] = (t[4] - t[0]) / 1e6;
                cpu[r] = t[6] / 1e6;
            }
            ObjectNode n = Api.JSON.createObjectNode();
            n.put("variant", label + v.name());
            n.put("jar", lambdaJar.toString());
            n.put("cpu_ms", Stats.round(Stats.median(cpu), 0));
            n.put("flags", String.join(" ", v.jvmFlags()) + (v.cds() ? " -XX:+AutoCreateSharedArchive" : ""));
            n.put("priming", v.prime());
            n.put("total_ms", Stats.round(Stats.median(total), 0));
            n.put("jvm_to_main_ms", Stats.round(Stats.median(toMain), 0));
            n.put("init_ms", Stats.round(Stats.median(init), 0));
            n.put("first_request_ms", Stats.round(Stats.median(first), 1));
            n.put("second_request_ms", Stats.round(Stats.median(second), 2));
            ArrayNode all = n.putArray("total_runs_ms");
            for (double x : total) {
                all.add(Stats.round(x, 0));
            }
            if (v.cds()) {
                n.put("archive_bytes", Files.exists(archive) ? Files.size(archive) : -1);
            }
            log.printf("  cold start %-32s total %5.0f ms (JVM→main %3.0f, init %4.0f, first request %5.1f; CPU %4.0f ms) "
                    + "runs %s load %s%n", label + v.name(), Stats.median(total), Stats.median(toMain), Stats.median(init),
                    Stats.median(first), Stats.median(cpu), all, HttpFloorBench.loadAverage());
            return n;
        }
    }

    /** {spawn, main, built, init, first handled, second handled} in this machine's monotonic nanoseconds. */
    private long[] once(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        long spawn = System.nanoTime();
        Process process = pb.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the cold-start probe did not end: " + output);
        }
        for (String line : output.split("\n")) {
            if (line.startsWith("COLDSTART ")) {
                String[] f = line.trim().split(" ");
                if (!f[6].equals("true") || process.exitValue() != 0) {
                    throw new IllegalStateException("the cold-start probe's request failed: " + output);
                }
                return new long[] {spawn, Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]), f.length > 7 ? Long.parseLong(f[7]) : 0};
            }
        }
        throw new IllegalStateException("the cold-start probe printed no timings: " + output);
    }

    /** The jar's sqlite-jdbc library for this machine, unpacked as Lambda unpacks the deployment package. */
    private Path unpackNative(Path jar, String label) throws IOException {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch64" : "x86_64";
        Path dir = work.resolve("native-" + label.replaceAll("[^a-z]", "") + arch);
        Path lib = dir.resolve("libsqlitejdbc.so");
        if (!Files.exists(lib)) {
            Files.createDirectories(dir);
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile());
                 InputStream in = z.getInputStream(z.getEntry("org/sqlite/native/Linux/" + arch + "/libsqlitejdbc.so"))) {
                Files.copy(in, lib);
            }
        }
        return dir;
    }

    /** A jar holding only {@link ColdStartMain}: the probe JVM sees the Lambda jar and that one class. */
    private Path probeJar() throws IOException {
        Path jar = work.resolve("cold-start-probe.jar");
        String entry = ColdStartMain.class.getName().replace('.', '/') + ".class";
        try (InputStream in = ColdStartMain.class.getClassLoader().getResourceAsStream(entry);
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            if (in == null) {
                throw new IOException("cannot read " + entry + " from the bench's class path");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
