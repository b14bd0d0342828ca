package io.multidb.emulators;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Node script run as a child process until {@link #close()}: the reusable part of every emulator (dynalite now,
 * aws-local-stepfunctions later).
 *
 * <p>No orphans, three ways: {@link #close()} destroys the process and its descendants and waits; a JVM shutdown
 * hook does the same on exit and Ctrl-C; and Node is started with a preloaded watchdog that exits when its stdin
 * reaches end of file, which happens when this JVM dies in any way, even by SIGKILL (e.g. a surefire fork killed
 * on timeout), because the JVM holds the only write end of that pipe.
 */
final class NodeProcess implements AutoCloseable {
    /** Preloaded before the script: exit once the parent JVM is gone (stdin closes when it dies). */
    static final String WATCHDOG =
            "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.resume();";
    private static final int OUTPUT_LINES = 200;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /**
     * What to run and how to tell that it is ready.
     *
     * @param name        for messages, e.g. "dynalite"
     * @param script      the JavaScript file to run
     * @param readyMarker a line containing this means ready; null to poll {@code port} over TCP instead
     * @param port        the TCP port to poll when {@code readyMarker} is null (127.0.0.1)
     */
    record Spec(String name, Path nodeModules, Path script, List<String> args, Path workDir, String readyMarker,
                int port, Duration readyTimeout) {
        Spec {
            Objects.requireNonNull(name);
            Objects.requireNonNull(nodeModules);
            Objects.requireNonNull(script);
            args = List.copyOf(args);
            Objects.requireNonNull(workDir);
            Objects.requireNonNull(readyTimeout);
            if (readyMarker == null && port <= 0) {
                throw new IllegalArgumentException("need a ready marker or a port to poll");
            }
        }
    }

    /** The process exited before it was ready; {@link #output()} is what it printed. */
    static final class DiedException extends EmulatorException {
        private final String output;

        DiedException(String message, String output) {
            super(message);
            this.output = output;
        }

        String output() {
            return output;
        }
    }

    private final Spec spec;
    private final Process process;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Thread drainer;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NodeProcess(Spec spec, Process process) {
        this.spec = spec;
        this.process = process;
        this.drainer = Thread.ofPlatform().daemon().name(spec.name() + "-output-" + process.pid())
                .unstarted(this::drain);
        this.shutdownHook = Thread.ofPlatform().name(spec.name() + "-stop-" + process.pid())
                .unstarted(this::destroyTree);
    }

    /** Starts the script and returns once it is ready; on any failure the process is gone. */
    static NodeProcess start(Spec spec) {
        List<String> command = new ArrayList<>();
        command.add(NodeModules.nodeBinary(spec.nodeModules()));
        command.add("--import");
        command.add(WATCHDOG);
        command.add(spec.script().toString());
        command.addAll(spec.args());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.workDir().toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new EmulatorException("cannot run " + command.getFirst() + " for " + spec.name() + " (" + e.getMessage()
                    + "): run npm ci at the repo root, which installs Node 22 into node_modules/.bin/node", e);
        }
        NodeProcess node = new NodeProcess(spec, process);
        Runtime.getRuntime().addShutdownHook(node.shutdownHook);
        node.drainer.start();
        try {
            node.awaitReady();
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
        if (spec.readyMarker() != null) {
            try {
                CompletableFuture.anyOf(ready, process.onExit()).get(spec.readyTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw notReady();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmulatorException("interrupted while waiting for " + spec.name() + " to start", e);
            } catch (ExecutionException e) {
                throw new EmulatorException("waiting for " + spec.name() + " failed", e);
            }
            if (ready.isDone()) {
                return;
            }
            throw died();
        }
        while (!portOpen()) {
            if (!process.isAlive()) {
                throw died();
            }
            if (System.nanoTime() > deadline) {
                throw notReady();
            }
            try {
                // No event to wait for here: the port either accepts or not.
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmulatorException("interrupted while waiting for " + spec.name() + " to start", e);
            }
        }
    }

    private boolean portOpen() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", spec.port()), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private EmulatorException notReady() {
        return new EmulatorException(spec.name() + " did not become ready within " + spec.readyTimeout().toSeconds()
                + " s; its output:\n" + output());
    }

    private DiedException died() {
        try {
            // Let the drainer reach end of output so that the message shows why it died.
            drainer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String out = output();
        return new DiedException(spec.name() + " exited with code " + process.exitValue() + " before it was ready; its output:\n"
                + out, out);
    }

    private void drain() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (lines) {
                    if (lines.size() == OUTPUT_LINES) {
                        lines.removeFirst();
                    }
                    lines.addLast(line);
                }
                if (spec.readyMarker() != null && line.contains(spec.readyMarker())) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            // The stream closes when the process is destroyed: nothing more to read.
        }
    }

    /** The last lines the process printed (stdout and stderr). */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Closes the process's stdin, as the JVM dying would: the watchdog then ends it. For tests. */
    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /** Waits up to {@code timeout} for the process to exit by itself; true if it did. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Completes when the process has exited, for whatever reason (closed, killed, crashed). */
    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** Destroys the process and its descendants and waits for them; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down and the hook is running or ran: destroying twice is harmless.
        }
        destroyTree();
    }

    private void destroyTree() {
        // Descendants first, while they still are descendants (an orphan is re-parented and no longer listed).
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        awaitExit(process.toHandle());
        descendants.forEach(NodeProcess::awaitExit);
    }

    private static void awaitExit(ProcessHandle handle) {
        try {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException | ExecutionException e) {
            handle.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
            return;
        }
        try {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new EmulatorException("process " + handle.pid() + " did not exit after SIGKILL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
