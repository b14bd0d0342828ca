package io.multidb.local.crash;

import io.multidb.local.LocalRuntime;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local runtime as a separate OS process, the leader of its own process group (started through
 * {@code setsid}, as {@code bin/multidb-local} runs it: the same main class, {@code --port 0}, a data directory of
 * its own), so that {@link #powerOff()} can SIGKILL it together with the Node children it spawned (dynalite, the
 * Step Functions emulator) at one instant, like a machine losing power.
 */
final class RuntimeProcess implements AutoCloseable {
    private static final Pattern BANNER = Pattern.compile("multidb local runtime on (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final long pgid;
    private final URI base;
    final Duration startTime;

    private RuntimeProcess(Process process, long pgid, URI base, Duration startTime) {
        this.process = process;
        this.pgid = pgid;
        this.base = base;
        this.startTime = startTime;
    }

    /**
     * Starts a runtime on {@code dataDir} and waits for its banner (the port it chose). Its output goes to
     * {@code runtime.log} in the data directory's parent (appended across restarts).
     *
     * @param env added to the environment (the admin token, fault hooks); inherited MULTIDB_FAULT_* are removed
     */
    static RuntimeProcess start(Path dataDir, Path log, Map<String, String> env) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        List<String> command = new ArrayList<>(List.of(
                "setsid", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsun.net.httpserver.nodelay=true",
                "-Dmultidb.home=" + LocalRuntime.home(),
                "-cp", System.getProperty("java.class.path"),
                "io.multidb.local.FaultyLocalRuntime", "--port", "0", "--data-dir", dataDir.toString()));
        ProcessBuilder b = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        b.environment().keySet().removeIf(k -> k.startsWith("MULTIDB_"));
        b.environment().putAll(env);
        Instant t0 = Instant.now();
        Process p = b.start();
        // setsid(1) execs the JVM in place after setsid(2): until then the process is still in our group.
        long pgid = pgidOf(p.pid());
        for (Instant until = Instant.now().plusSeconds(5); pgid != p.pid() && Instant.now().isBefore(until); ) {
            Thread.sleep(2);
            pgid = pgidOf(p.pid());
        }
        if (pgid != p.pid()) {
            p.destroyForcibly();
            throw new IllegalStateException("setsid did not make the runtime a process group leader (pid " + p.pid()
                    + ", pgid " + pgid + ")");
        }
        Instant deadline = t0.plus(START_TIMEOUT);
        while (true) {
            String out = readFrom(log, logStart);
            Matcher m = BANNER.matcher(out);
            if (m.find()) {
                return new RuntimeProcess(p, pgid, URI.create(m.group(1)), Duration.between(t0, Instant.now()));
            }
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                killGroup(pgid);
                throw new IllegalStateException("the runtime did not start (exit " + (p.isAlive() ? "none" : p.exitValue())
                        + "); its output:\n" + out);
            }
            Thread.sleep(50);
        }
    }

    URI baseUri() {
        return base;
    }

    long pgid() {
        return pgid;
    }

    /**
     * SIGKILL to the whole process group at once, then waits until no process of the group is left. Returns how
     * many processes the group had (the JVM and its Node children).
     */
    int powerOff() throws IOException, InterruptedException {
        int members = membersOf(pgid).size();
        killGroup(pgid);
        process.waitFor();
        return members;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        powerOff();
    }

    private static void killGroup(long pgid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        kill.waitFor();
        Instant deadline = Instant.now().plusSeconds(20);
        Set<Long> left;
        while (!(left = membersOf(pgid)).isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("processes " + left + " of group " + pgid + " survived SIGKILL");
            }
            Thread.sleep(20);
        }
    }

    /** Live (not zombie) processes whose process group is {@code pgid}, from /proc. */
    static Set<Long> membersOf(long pgid) throws IOException {
        Set<Long> out = new HashSet<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] stat = stat(Long.parseLong(name));
                if (stat != null && !stat[0].equals("Z") && Long.parseLong(stat[2]) == pgid) {
                    out.add(Long.parseLong(name));
                }
            }
        }
        return out;
    }

    private static long pgidOf(long pid) {
        String[] stat = stat(pid);
        if (stat == null) {
            throw new IllegalStateException("process " + pid + " is gone");
        }
        return Long.parseLong(stat[2]);
    }

    /** /proc/pid/stat after the command name: [state, ppid, pgrp, ...]; null if the process is gone. */
    private static String[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String readFrom(Path log, long offset) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset), StandardCharsets.UTF_8);
    }
}
