package io.multidb.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * dynalite (npm {@code dynalite@4}, a DynamoDB emulator) as a child process, bound to 127.0.0.1 only.
 *
 * <pre>{@code
 * try (Dynalite dynalite = Dynalite.start(null, 0)) {   // in memory, on a free port
 *     DynamoDbClient client = ... endpointOverride(dynalite.endpoint()) ...;
 * }
 * }</pre>
 *
 * With a data directory the tables live in LevelDB files there and survive a restart. See {@link NodeProcess} for
 * how the process is found (node_modules from {@code npm ci} at the repo root) and how it never outlives the JVM.
 */
public final class Dynalite implements AutoCloseable {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    static final String READY_MARKER = "Dynalite listening at";
    /** Free-port picks that lose a race with another process are retried this many times. */
    private static final int PORT_ATTEMPTS = 5;

    private final NodeProcess process;
    private final int port;
    private final Path dataDir;

    private Dynalite(NodeProcess process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * Starts dynalite and returns once it listens.
     *
     * @param dataDir where to keep the tables (created if absent), or null to keep them in memory
     * @param port    the port on 127.0.0.1, or 0 to pick a free one
     */
    public static Dynalite start(Path dataDir, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 (pick a free one) or 1-65535, not " + port);
        }
        Path nodeModules = NodeModules.locate("dynalite");
        Path script = nodeModules.resolve("dynalite").resolve("cli.js");
        Path data = null;
        if (dataDir != null) {
            data = dataDir.toAbsolutePath().normalize();
            try {
                Files.createDirectories(data);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create dynalite's data directory " + data, e);
            }
        }
        for (int attempt = 1; ; attempt++) {
            // dynalite treats --port 0 as "default 4567", so a free port is picked here, which can race with
            // another process taking it first: then dynalite dies with EADDRINUSE and another port is tried.
            int chosen = port == 0 ? freePort() : port;
            List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", Integer.toString(chosen)));
            if (data != null) {
                args.add("--path");
                args.add(data.toString());
            }
            NodeProcess.Spec spec = new NodeProcess.Spec("dynalite", nodeModules, script, args,
                    nodeModules.getParent(), READY_MARKER, chosen, READY_TIMEOUT);
            try {
                return new Dynalite(NodeProcess.start(spec), chosen, data);
            } catch (NodeProcess.DiedException e) {
                if (!e.output().contains("EADDRINUSE")) {
                    throw e;
                }
                if (port != 0) {
                    throw new EmulatorException("port " + port + " on 127.0.0.1 is in use: stop what holds it, or pass"
                            + " port 0 to pick a free one");
                }
                if (attempt == PORT_ATTEMPTS) {
                    throw new EmulatorException("dynalite could not bind a free port in " + PORT_ATTEMPTS + " attempts", e);
                }
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for the SDK's endpoint override. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** The data directory, or null when in memory. */
    public Path dataDir() {
        return dataDir;
    }

    /** The process id of the Node process (for diagnostics and tests). */
    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Completes when the dynalite process has exited: closed, killed or crashed. */
    public CompletableFuture<?> onExit() {
        return process.onExit();
    }

    /** The last lines dynalite printed. */
    public String output() {
        return process.output();
    }

    /** Stops dynalite and waits until it is gone; idempotent. */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "dynalite at " + endpoint() + (dataDir == null ? " (in memory)" : " (data in " + dataDir + ")");
    }
}
