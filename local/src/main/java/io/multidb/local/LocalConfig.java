package io.multidb.local;

import io.multidb.common.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the local runtime is started with: flags ({@code --port}, {@code --data-dir}, {@code --help}) and
 * environment ({@code MULTIDB_ADMIN_TOKEN}, {@code MULTIDB_ORG}).
 *
 * <p>Without {@code MULTIDB_ADMIN_TOKEN} the admin token is generated once and kept in
 * {@code <data-dir>/admin-token} (mode 0600), so clients configured with it keep working across restarts.
 */
public record LocalConfig(int port, Path dataDir, String org, String adminToken, TokenSource adminTokenSource) {
    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_DATA_DIR = Path.of(".multidb");
    public static final String DEFAULT_ORG = "local";
    public static final String TOKEN_ENV = "MULTIDB_ADMIN_TOKEN";
    public static final String ORG_ENV = "MULTIDB_ORG";
    public static final String TOKEN_FILE = "admin-token";
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    public static final String USAGE = """
            usage: bin/multidb-local [--port N] [--data-dir DIR] [--help]
              --port N         port on 127.0.0.1 to serve the API on (default 8080; 0 picks a free one)
              --data-dir DIR   where databases, metadata and the admin token live (default ./.multidb)
              --help           print this and exit
            environment:
              MULTIDB_ADMIN_TOKEN  the admin (platform API) token; if unset, one is generated once and kept
                                   in <data-dir>/admin-token
              MULTIDB_ORG          the organization name clients use in /v1/organizations/{org} (default local)""";

    public enum TokenSource { ENVIRONMENT, FILE, GENERATED }

    public LocalConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(adminToken, "adminToken");
        Objects.requireNonNull(adminTokenSource, "adminTokenSource");
    }

    /** A bad command line or environment: the message says what to fix; the launcher exits with 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    /** The command line alone, before anything is read from or written to disk. */
    public record Flags(int port, Path dataDir, boolean help) {
    }

    public static Flags parseFlags(String... args) throws UsageException {
        int port = DEFAULT_PORT;
        Path dataDir = DEFAULT_DATA_DIR;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> {
                    if (value != null) {
                        throw new UsageException("--help takes no value");
                    }
                    help = true;
                }
                case "--port" -> {
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    port = port(value);
                }
                case "--data-dir" -> {
                    if (value == null) {
                        value = next(args, ++i, name);
                    }
                    if (value.isBlank()) {
                        throw new UsageException("--data-dir needs a directory");
                    }
                    dataDir = Path.of(value);
                }
                default -> throw new UsageException("unknown argument: " + arg);
            }
        }
        return new Flags(port, dataDir, help);
    }

    private static String next(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static int port(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--port must be a number from 0 to 65535, not '" + value + "'");
    }

    /** Parse flags and resolve the environment; creates the data directory and, if needed, the token file. */
    public static LocalConfig load(Flags flags, Map<String, String> env) throws UsageException, IOException {
        String org = env.getOrDefault(ORG_ENV, "");
        if (org.isBlank()) {
            org = DEFAULT_ORG;
        } else if (!Names.isValid(org)) {
            throw new UsageException(ORG_ENV + " '" + org + "' is not a valid organization name: use " + Names.RULE);
        }
        Path dataDir = flags.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        String fromEnv = env.get(TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new LocalConfig(flags.port(), dataDir, org, fromEnv.trim(), TokenSource.ENVIRONMENT);
        }
        Path file = dataDir.resolve(TOKEN_FILE);
        String kept = readToken(file);
        if (kept != null) {
            return new LocalConfig(flags.port(), dataDir, org, kept, TokenSource.FILE);
        }
        Files.deleteIfExists(file); // an empty file keeps nothing worth reusing
        String token = generateToken();
        String stored = store(file, token);
        return new LocalConfig(flags.port(), dataDir, org, stored,
                stored.equals(token) ? TokenSource.GENERATED : TokenSource.FILE);
    }

    public Path adminTokenFile() {
        return dataDir.resolve(TOKEN_FILE);
    }

    private static String readToken(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        if (isPosix(file) && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY); // it is a password: keep it the owner's
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        return token.isEmpty() ? null : token;
    }

    private static String generateToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * Writes the token into a file created 0600 from the start, so no other user can read it even briefly.
     * Returns the token the file holds: another start that wrote it first wins.
     */
    private static String store(Path file, String token) throws IOException {
        Path tmp = file.resolveSibling(TOKEN_FILE + "." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp);
        if (isPosix(file)) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file);
            return token;
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
            String other = readToken(file);
            if (other == null) {
                throw new IOException(file + " exists but holds no token: delete it and start again");
            }
            return other;
        }
    }

    private static boolean isPosix(Path file) throws IOException {
        return Files.getFileStore(file.getParent()).supportsFileAttributeView(PosixFileAttributeView.class);
    }
}
