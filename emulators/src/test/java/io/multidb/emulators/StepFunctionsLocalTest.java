package io.multidb.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child-process life of the local Step Functions, spoken to in raw AWS JSON 1.0 (this module has no SDK). */
class StepFunctionsLocalTest {

    private static final String PASS_ASL = """
            {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "${Greeting}", "End": true}}}
            """;

    @Test
    void runsAnExecutionAndStopsWithoutLeavingAProcess(@TempDir Path dir) throws Exception {
        Path asl = Files.writeString(dir.resolve("hello.asl.json"), PASS_ASL);
        StepFunctionsLocal sfn = StepFunctionsLocal.builder()
                .stateMachine("hello", asl)
                .substitution("Greeting", "hi")
                .start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            String arn = sfn.stateMachineArn("hello");
            String started = call(http, sfn.endpoint(), "StartExecution",
                    "{\"stateMachineArn\":\"" + arn + "\",\"name\":\"e1\",\"input\":\"{}\"}");
            assertThat(started).contains("\"executionArn\":\"arn:aws:states:us-east-1:000000000000:execution:hello:e1\"");

            String describe = "{\"executionArn\":\"arn:aws:states:us-east-1:000000000000:execution:hello:e1\"}";
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            String described = call(http, sfn.endpoint(), "DescribeExecution", describe);
            while (described.contains("\"RUNNING\"") && Instant.now().isBefore(deadline)) {
                Thread.sleep(10);
                described = call(http, sfn.endpoint(), "DescribeExecution", describe);
            }
            assertThat(described).contains("\"status\":\"SUCCEEDED\"").contains("\"output\":\"\\\"hi\\\"\"");
        } finally {
            sfn.close();
        }
        assertThat(sfn.isAlive()).isFalse();
        assertThat(ProcessHandle.of(sfn.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        sfn.close(); // idempotent
    }

    @Test
    void anInvalidDefinitionFailsTheStartWithTheReason(@TempDir Path dir) throws Exception {
        Path asl = Files.writeString(dir.resolve("broken.asl.json"),
                "{\"StartAt\": \"Missing\", \"States\": {\"Orphan\": {\"Type\": \"Pass\", \"End\": true}}}");

        assertThatThrownBy(() -> StepFunctionsLocal.builder().stateMachine("broken", asl).start())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot load state machine broken")
                .hasMessageContaining("InvalidDefinition");
    }

    @Test
    void aPlaceholderWithoutSubstitutionFailsTheStart(@TempDir Path dir) throws Exception {
        Path asl = Files.writeString(dir.resolve("hello.asl.json"), PASS_ASL);

        assertThatThrownBy(() -> StepFunctionsLocal.builder().stateMachine("hello", asl).start())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("--subst Greeting=value");
    }

    @Test
    void theServiceExitsWhenItsParentClosesItsStdin() throws Exception {
        // What keeps a crashed JVM from leaving the service behind: the OS closes the pipe for any parent death.
        Process p = new ProcessBuilder(StepFunctionsLocal.nodeExecutable().toString(),
                StepFunctionsLocal.serverScript().toString(), "--port", "0", "--exit-on-stdin-close")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("listening ");
            p.getOutputStream().close();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static String call(HttpClient http, URI endpoint, String operation, String body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .header("X-Amz-Target", "AWSStepFunctions." + operation)
                .header("Content-Type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
