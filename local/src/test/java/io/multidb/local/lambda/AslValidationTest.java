package io.multidb.local.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.emulators.StepFunctionsLocal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** asl-validator (npm, the one the README's tooling uses) on every workflow in statemachines/ and the test ASL. */
class AslValidationTest {

    private record Result(int exitCode, String output) {}

    @Test
    void everyWorkflowIsValidAsl() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(StepFunctionsLocal.repositoryRoot().resolve("statemachines"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".asl.json")).sorted().forEach(files::add);
        }
        assertThat(files).isNotEmpty();
        files.add(StepFunctionsLocalWorkflowTest.resource("test-workflow.asl.json"));

        Result r = validate(files);

        assertThat(r.exitCode()).as(r.output()).isZero();
        for (Path f : files) {
            assertThat(r.output()).contains("\"" + f + "\" is valid");
        }
    }

    @Test
    void theValidatorRejectsABrokenWorkflow(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.asl.json");
        Files.writeString(broken, """
                {"StartAt": "Missing", "States": {"Orphan": {"Type": "Pass", "End": true}}}
                """);

        Result r = validate(List.of(broken));

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("MISSING_TRANSITION_TARGET");
    }

    private static Result validate(List<Path> files) throws IOException, InterruptedException {
        Path nodeModules = StepFunctionsLocal.nodeModules();
        List<String> command = new ArrayList<>(List.of(StepFunctionsLocal.nodeExecutable().toString(),
                nodeModules.resolve("asl-validator/dist/bin/asl-validator.js").toString()));
        for (Path f : files) {
            command.add("--json-path");
            command.add(f.toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("asl-validator did not finish: " + output);
        }
        return new Result(p.exitValue(), output);
    }
}
