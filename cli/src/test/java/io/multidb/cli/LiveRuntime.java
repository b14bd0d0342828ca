package io.multidb.cli;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local runtime as a user starts it: {@code bin/multidb-local --port 0} run from a directory outside the
 * repository, and the client run both in process (fast) and as {@code bin/multidb} from that directory.
 */
final class LiveRuntime implements AutoCloseable {
    final Path root;
    final Path elsewhere;
    final Path data;
    final String url;
    final String token;
    private final Process process;
    private final StringBuffer log = new StringBuffer();

    private LiveRuntime(Path root, Path elsewhere, Path data, Process process) throws Exception {
        this.root = root;
        this.elsewhere = elsewhere;
        this.data = data;
        this.process = process;
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Pattern banner = Pattern.compile("multidb local runtime on (http://127\\.0\\.0\\.1:\\d+)/");
        String found = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String line;
        while (found == null && System.nanoTime() < deadline && (line = r.readLine()) != null) {
            log.append(line).append('\n');
            Matcher m = banner.matcher(line);
            if (m.find()) {
                found = m.group(1);
            }
        }
        if (found == null) {
            process.destroyForcibly();
            throw new IllegalStateException("bin/multidb-local did not start:\n" + log);
        }
        Thread drain = new Thread(() -> {
            try {
                String l;
                while ((l = r.readLine()) != null) {
                    log.append(l).append('\n');
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "multidb-local-log");
        drain.setDaemon(true);
        drain.start();
        this.url = found;
        this.token = Files.readString(data.resolve("admin-token")).strip();
    }

    /** Starts bin/multidb-local with its working directory in {@code elsewhere} (not the repository). */
    static LiveRuntime start(Path elsewhere, Map<String, String> env) throws Exception {
        Path root = repository();
        Path data = elsewhere.resolve("data");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/multidb-local").toString(), "--port", "0",
                "--data-dir", "data").directory(elsewhere.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        return new LiveRuntime(root, elsewhere, data, pb.start());
    }

    /**
     * A runtime whose apply on {@code child} fails after its dry-run passed (the rollback path): the runtime's test
     * main ({@code io.multidb.local.FaultyLocalRuntime}, from the test classpath) started the way the launcher starts
     * the production one, with its working directory in {@code elsewhere}. Production has no fault hooks.
     */
    static LiveRuntime startWithApplyFailure(Path elsewhere, String child) throws Exception {
        Path root = repository();
        Path data = elsewhere.resolve("data");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsun.net.httpserver.nodelay=true", "-Dmultidb.home=" + root,
                "-cp", System.getProperty("java.class.path"), "io.multidb.local.FaultyLocalRuntime",
                "--port", "0", "--data-dir", "data").directory(elsewhere.toFile()).redirectErrorStream(true);
        pb.environment().put("MULTIDB_FAULT_APPLY_FAIL", child);
        return new LiveRuntime(root, elsewhere, data, pb.start());
    }

    static Path repository() throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("bin/multidb")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d.toRealPath();
            }
        }
        throw new IllegalStateException("no repository (bin/multidb) above " + Path.of("").toAbsolutePath());
    }

    String log() {
        return log.toString();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the runtime's shutdown hook stops its emulators
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** What one command printed and how it ended. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    /** Runs the client in process with this runtime's URL and admin token (neither stream a terminal). */
    Result run(String... args) {
        return runWith(Map.of(), "", args);
    }

    Result runWith(Map<String, String> extraEnv, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>();
        env.put("MULTIDB_URL", url);
        env.put("MULTIDB_TOKEN", token);
        env.putAll(extraEnv);
        env.values().removeIf(String::isEmpty);
        Io io = new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out, true),
                new PrintWriter(err, true), env, false, false);
        int code = Multidb.run(io, args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs {@code bin/multidb} as a process from {@code elsewhere}, with the given environment added. */
    Result launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("bin/multidb").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(elsewhere.toFile());
        pb.environment().remove("MULTIDB_TOKEN");
        pb.environment().remove("MULTIDB_URL");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/multidb " + args[0] + " did not end");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Creates children straight over the API, a few at a time (setting up a big family quickly). */
    void createChildren(String parent, String group, String prefix, int count) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = "{\"name\":\"" + prefix + i + "\",\"group\":\"" + group + "\",\"schema\":\"" + parent + "\"}";
            inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v1/organizations/local/databases"))
                    .header("authorization", "Bearer " + token).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            if (inFlight.size() == 8) {
                drain(inFlight);
            }
        }
        drain(inFlight);
    }

    private static void drain(List<CompletableFuture<HttpResponse<String>>> inFlight) {
        for (var f : inFlight) {
            HttpResponse<String> r = f.join();
            if (r.statusCode() != 200) {
                throw new IllegalStateException("create child: " + r.statusCode() + " " + r.body());
            }
        }
        inFlight.clear();
    }
}
