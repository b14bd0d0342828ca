package io.multidb.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.emulators.StepFunctionsLocal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the whole local runtime on a free port and runs the Node end-to-end suites in e2e/ against it: the
 * unmodified @tursodatabase/api, @libsql/client and drizzle-orm from node_modules, with node's own test runner.
 */
class EndToEndTest {
    @TempDir
    static Path data;
    private static LocalRuntime runtime;

    @BeforeAll
    static void start() throws Exception {
        runtime = LocalRuntime.start(LocalConfig.load(new LocalConfig.Flags(0, data, false), Map.of()));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void nodeSuitesPassAgainstTheLocalRuntime() throws Exception {
        Path root = StepFunctionsLocal.repositoryRoot();
        List<String> files;
        try (Stream<Path> s = Files.list(root.resolve("e2e"))) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".test.mjs")).map(Path::toString).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        List<String> command = new ArrayList<>(List.of(StepFunctionsLocal.nodeExecutable().toString(), "--test",
                "--test-concurrency=1", "--test-reporter=spec"));
        command.addAll(files);
        Path log = data.resolve("e2e.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MULTIDB_URL", runtime.baseUri().toString().replaceAll("/$", ""));
        pb.environment().put("MULTIDB_TOKEN", runtime.config().adminToken());
        pb.environment().put("MULTIDB_ORG", runtime.config().org());
        Process p = pb.start();
        boolean done = p.waitFor(8, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String out = read(log);
        // Shown in the surefire report, so a failure says which Node test failed and why.
        System.out.println(out);
        assertThat(done).as("node tests finished in time:\n" + out).isTrue();
        assertThat(p.exitValue()).as("node tests:\n" + out).isZero();
        assertThat(out).contains("ℹ fail 0").containsPattern("ℹ pass [1-9]");
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
