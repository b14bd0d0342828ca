package io.multidb.emulators;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The local Step Functions service: {@code local/sfn/server.mjs} run by Node 22 from the repository's
 * {@code node_modules} as a child process. It answers the AWS SDK's SfnClient (endpoint override to
 * {@link #endpoint()}) and runs the real ASL files with aws-local-stepfunctions, sending Lambda Task states to a
 * Lambda Invoke endpoint (the local runtime's).
 *
 * <p>No orphans: the child exits when its stdin closes (so also when this JVM dies, however), {@link #close()}
 * kills it, and a shutdown hook closes it.
 */
public final class StepFunctionsLocal implements AutoCloseable {

    /** The substitution every multidb workflow uses for its task function (CDK's definitionSubstitutions). */
    public static final String MIGRATION_TASK_FUNCTION_ARN = "MigrationTaskFunctionArn";

    private final Process process;
    private final OutputStream stdin;
    private final URI endpoint;
    private final String region;
    private final String account;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private StepFunctionsLocal(Process process, URI endpoint, String region, String account) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.endpoint = endpoint;
        this.region = region;
        this.account = account;
        this.shutdownHook = new Thread(this::stop, "sfn-local-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** For SfnClient.builder().endpointOverride(...). */
    public URI endpoint() {
        return endpoint;
    }

    public String region() {
        return region;
    }

    public String stateMachineArn(String name) {
        return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: nothing left to undo
        }
    }

    private void stop() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the process is being killed anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Locating Node 22 and the repository

    /**
     * The repository's node_modules (installed by {@code npm ci}): system property {@code multidb.nodeModules},
     * environment variable {@code MULTIDB_NODE_MODULES}, or the first {@code node_modules} holding
     * {@code .bin/node} in the repository given as {@code -Dmultidb.home} (else the working directory) or one of
     * its parents.
     */
    public static Path nodeModules() {
        String configured = System.getProperty("multidb.nodeModules");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("MULTIDB_NODE_MODULES");
        }
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isExecutable(p.resolve(".bin/node"))) {
                throw new IllegalStateException(p + " has no .bin/node: run `npm ci` at the repository root");
            }
            return p;
        }
        Path found = NodeModules.find(NodeModules.start(), dir -> Files.isExecutable(dir.resolve(".bin/node")));
        if (found == null) {
            throw new IllegalStateException("no node_modules with Node 22 (.bin/node) in " + NodeModules.start()
                    + " or its parents: run `npm ci` at the repository root, or set -Dmultidb.nodeModules=<dir>");
        }
        return found;
    }

    /** Node 22 from the npm {@code node} package. */
    public static Path nodeExecutable() {
        return nodeModules().resolve(".bin/node");
    }

    /** The parent of node_modules. */
    public static Path repositoryRoot() {
        return nodeModules().getParent();
    }

    public static Path serverScript() {
        Path script = repositoryRoot().resolve("local/sfn/server.mjs");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("missing " + script);
        }
        return script;
    }

    // ----------------------------------------------------------------------------------------------------------

    public static final class Builder {
        private final Map<String, Path> stateMachines = new LinkedHashMap<>();
        private final Map<String, String> substitutions = new LinkedHashMap<>();
        private URI lambdaEndpoint;
        private String region = "us-east-1";
        private String account = "000000000000";
        private int port;
        private Long retryIntervalMillis;
        private boolean verbose;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Consumer<String> log = System.err::println; // the service prefixes its lines itself

        private Builder() {}

        /** Registers the ASL file under {@code arn:aws:states:<region>:<account>:stateMachine:<name>}. */
        public Builder stateMachine(String name, Path aslFile) {
            stateMachines.put(Objects.requireNonNull(name), aslFile.toAbsolutePath());
            return this;
        }

        /** Replaces {@code ${name}} in the ASL text, like CDK's definitionSubstitutions. */
        public Builder substitution(String name, String value) {
            substitutions.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /** Where Task states invoke Lambda functions (Lambda's Invoke API), for example the local runtime's. */
        public Builder lambdaEndpoint(URI lambdaEndpoint) {
            this.lambdaEndpoint = lambdaEndpoint;
            return this;
        }

        public Builder region(String region) {
            this.region = Objects.requireNonNull(region);
            return this;
        }

        public Builder account(String account) {
            this.account = Objects.requireNonNull(account);
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Pause before every Retry attempt instead of the ASL's IntervalSeconds/BackoffRate (keeps tests fast). */
        public Builder retryIntervalMillis(long millis) {
            this.retryIntervalMillis = millis;
            return this;
        }

        /** Logs every history event to the log. */
        public Builder verbose(boolean verbose) {
            this.verbose = verbose;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout);
            return this;
        }

        /** Where the service's log lines go (default: System.err). */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        public StepFunctionsLocal start() throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    nodeExecutable().toString(), serverScript().toString(),
                    "--port", Integer.toString(port), "--region", region, "--account", account,
                    "--exit-on-stdin-close"));
            stateMachines.forEach((name, path) -> command.addAll(List.of("--state-machine", name + "=" + path)));
            substitutions.forEach((name, value) -> command.addAll(List.of("--subst", name + "=" + value)));
            if (lambdaEndpoint != null) {
                command.addAll(List.of("--lambda-endpoint", lambdaEndpoint.toString()));
            }
            if (retryIntervalMillis != null) {
                command.addAll(List.of("--retry-interval-ms", Long.toString(retryIntervalMillis)));
            }
            if (verbose) {
                command.add("--verbose");
            }
            Process process = new ProcessBuilder(command)
                    .directory(repositoryRoot().toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            Deque<String> recent = new ArrayDeque<>();
            CompletableFuture<Integer> listening = new CompletableFuture<>();
            Thread stderrPump = pump(process.getErrorStream(), "sfn-local-stderr", line -> {
                synchronized (recent) {
                    recent.addLast(line);
                    if (recent.size() > 20) {
                        recent.removeFirst();
                    }
                }
                log.accept(line);
            });
            pump(process.getInputStream(), "sfn-local-stdout", line -> {
                if (!listening.isDone() && line.startsWith("listening ")) {
                    listening.complete(Integer.parseInt(line.substring("listening ".length()).trim()));
                } else {
                    log.accept(line);
                }
            });
            process.onExit().thenRun(() -> listening.completeExceptionally(
                    new IllegalStateException("exited with " + process.exitValue())));
            try {
                int actualPort = listening.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
                return new StepFunctionsLocal(process, URI.create("http://127.0.0.1:" + actualPort), region, account);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                process.destroyForcibly();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                try {
                    stderrPump.join(5000); // the pump ends at the dead process's end of stream: all lines are in
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                String tail;
                synchronized (recent) {
                    tail = String.join("\n", recent);
                }
                Throwable cause = e instanceof ExecutionException ee ? ee.getCause() : e;
                throw new IOException("local Step Functions did not start (" + cause.getMessage() + "): " + command
                        + (tail.isEmpty() ? "" : "\n" + tail), cause);
            }
        }

        private static Thread pump(InputStream stream, String name, Consumer<String> lines) {
            Thread t = new Thread(() -> {
                try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        lines.accept(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
