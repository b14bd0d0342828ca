package io.multidb.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the client points and with which token: options first, then the environment, then the local runtime's
 * defaults (its URL, the admin token it keeps in its data directory, organization {@code local}).
 */
final class Connection {
    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    static final String DEFAULT_ORG = "local";

    @Option(names = "--url", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "API base URL: the local runtime or an API Gateway URL (env MULTIDB_URL; default "
                    + DEFAULT_URL + ")")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "admin, group or database token (env MULTIDB_TOKEN; default: <data-dir>/admin-token)")
    String token;

    @Option(names = "--org", paramLabel = "ORG", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "organization in /v1/organizations/{org} (env MULTIDB_ORG; default " + DEFAULT_ORG + ")")
    String org;

    @Option(names = "--data-dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "the local runtime's data directory, read for its admin token (default ./.multidb)")
    Path dataDir;

    /** What was resolved, and from where (whoami shows it). */
    record Resolved(String url, String token, String tokenSource, String org) {
    }

    Resolved resolve(Map<String, String> env) {
        String u = first(url, env.get("MULTIDB_URL"), DEFAULT_URL);
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        if (!u.startsWith("http://") && !u.startsWith("https://")) {
            throw CliException.usage("--url must start with http:// or https:// (got '" + u + "')");
        }
        String o = first(org, env.get("MULTIDB_ORG"), DEFAULT_ORG);
        if (token != null && !token.isBlank()) {
            return new Resolved(u, token.strip(), "--token", o);
        }
        String fromEnv = env.get("MULTIDB_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Resolved(u, fromEnv.strip(), "MULTIDB_TOKEN", o);
        }
        Path dir = dataDir != null ? dataDir : Path.of(".multidb");
        Path file = dir.resolve("admin-token").toAbsolutePath().normalize();
        if (Files.isRegularFile(file)) {
            try {
                return new Resolved(u, Files.readString(file, StandardCharsets.UTF_8).strip(), file.toString(), o);
            } catch (IOException e) {
                throw new CliException("cannot read the admin token in " + file + " (" + e.getMessage()
                        + "): pass --token or set MULTIDB_TOKEN");
            }
        }
        return new Resolved(u, null, "none (no --token, no MULTIDB_TOKEN, no " + file + ")", o);
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }
}
