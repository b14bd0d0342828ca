package io.multidb.local;

import io.multidb.emulators.Dynalite;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * dynalite kept running for the whole life of the local runtime: if its process exits while the runtime is up
 * (killed, crashed, out of memory), it is started again on the same port and data directory, so the handlers'
 * SDK clients, whose endpoint cannot change, reach it again (their retries cover the second or so it takes).
 *
 * <p>This is also how to restart the metadata store from outside (the soak does it): {@code kill -KILL} the
 * dynalite child process of the runtime's JVM; the runtime prints "dynalite exited …; restarted" on stderr.
 */
final class SupervisedDynalite implements AutoCloseable {
    /** Starting again can fail while the old process's port is being released: try this many times. */
    private static final int RESTART_ATTEMPTS = 20;
    private static final Duration RESTART_PAUSE = Duration.ofMillis(250);

    private final Path dataDir;
    private final int port;
    private final PrintStream log;
    private final Thread watcher;
    private volatile Dynalite current;
    private volatile boolean closed;
    private volatile int restarts;

    private SupervisedDynalite(Dynalite first, Path dataDir, PrintStream log) {
        this.current = first;
        this.dataDir = dataDir;
        this.port = first.port();
        this.log = log;
        this.watcher = Thread.ofVirtual().name("dynalite-supervisor").unstarted(this::watch);
    }

    static SupervisedDynalite start(Path dataDir, PrintStream log) {
        SupervisedDynalite s = new SupervisedDynalite(Dynalite.start(dataDir, 0), dataDir, log);
        s.watcher.start();
        return s;
    }

    URI endpoint() {
        return current.endpoint();
    }

    /** The running dynalite process's id (changes with each restart). */
    long pid() {
        return current.pid();
    }

    /** How many times dynalite was started again after exiting by itself. */
    int restarts() {
        return restarts;
    }

    private void watch() {
        while (!closed) {
            Dynalite running = current;
            running.onExit().join();
            if (closed) {
                return;
            }
            log.println("multidb-local: dynalite (pid " + running.pid() + ") exited; starting it again on port " + port);
            Dynalite next = restart();
            if (next == null) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    next.close();
                    return;
                }
                current = next;
                restarts++;
            }
            log.println("multidb-local: dynalite restarted (pid " + next.pid() + ")");
        }
    }

    private Dynalite restart() {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= RESTART_ATTEMPTS && !closed; attempt++) {
            try {
                return Dynalite.start(dataDir, port);
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(RESTART_PAUSE);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        if (last != null) {
            log.println("multidb-local: dynalite could not be started again: " + last.getMessage());
        }
        return null;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        current.close();
    }

    @Override
    public String toString() {
        return "supervised " + current;
    }
}
