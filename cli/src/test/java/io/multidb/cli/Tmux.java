package io.multidb.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real terminal: a tmux server of its own (its own socket), keys typed with send-keys, the screen read back. */
final class Tmux implements AutoCloseable {
    private final String socket = "multidb-cli-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    /** Starts {@code command} (a shell command line) in a detached session of the given size. */
    Tmux(String command, String cwd, int width, int height) throws Exception {
        // remain-on-exit keeps the last screen readable after the command ends.
        tmux("new-session", "-d", "-s", "t", "-x", String.valueOf(width), "-y", String.valueOf(height), "-c", cwd,
                command + "; echo '[exited '$?']'; sleep 600");
    }

    /** Types a line and Enter. A trailing ';' is escaped: tmux reads a bare one as its command separator. */
    void type(String line) throws Exception {
        String keys = line.endsWith(";") ? line.substring(0, line.length() - 1) + "\\;" : line;
        tmux("send-keys", "-t", "t", "-l", "--", keys);
        tmux("send-keys", "-t", "t", "Enter");
    }

    String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", "t");
    }

    /** Waits until the screen satisfies {@code ready}; returns it, or fails with what was on screen. */
    String await(Predicate<String> ready, long seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String s = screen();
        while (!ready.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; the screen:\n" + s);
            }
            Thread.sleep(100);
            s = screen();
        }
        return s;
    }

    /** Every distinct screen until {@code done} holds (frames of a live display). */
    List<String> record(Predicate<String> done, long seconds) throws Exception {
        List<String> frames = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String s = screen();
            if (frames.isEmpty() || !frames.get(frames.size() - 1).equals(s)) {
                frames.add(s);
            }
            if (done.test(s)) {
                return frames;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out; the last screen:\n" + (frames.isEmpty() ? "" : frames.get(frames.size() - 1)));
    }

    private String tmux(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            tmux("kill-server");
        } catch (IOException e) {
            // already gone
        }
    }
}
