package io.multidb.emulators;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the repository's node_modules (installed by {@code npm ci} at the repo root) and the Node binary to run
 * the emulators with. Order: the system property {@value #PROPERTY}, the environment variable {@value #ENV},
 * the repository named by the system property {@value #HOME} (the launchers pass the repository they were started
 * from, so they work from any directory), then the nearest node_modules holding the package, walking up from the
 * current directory (Maven runs tests in the module directory, one level below the root).
 */
final class NodeModules {
    static final String PROPERTY = "multidb.nodeModules";
    static final String ENV = "MULTIDB_NODE_MODULES";
    static final String HOME = "multidb.home";

    private NodeModules() {
    }

    /** The node_modules directory that holds {@code packageName}. */
    static Path locate(String packageName) {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isRegularFile(dir.resolve(packageName).resolve("package.json"))) {
                throw new EmulatorException(source + " points at " + dir + ", which has no " + packageName
                        + ": point it at the repository's node_modules, or run npm ci at the repo root");
            }
            return dir;
        }
        Path found = find(start(), dir -> Files.isRegularFile(dir.resolve(packageName).resolve("package.json")));
        if (found == null) {
            throw new EmulatorException("no node_modules with " + packageName + " in " + start()
                    + " or above: run npm ci at the repo root (or set " + PROPERTY + " / " + ENV
                    + " to the node_modules directory)");
        }
        return found;
    }

    /** Where the search starts: the repository given as {@value #HOME}, else the working directory. */
    static Path start() {
        String home = System.getProperty(HOME);
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
    }

    /** The first node_modules in {@code start} or one of its parents that {@code fits}, or null. */
    static Path find(Path start, java.util.function.Predicate<Path> fits) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("node_modules");
            if (fits.test(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Node 22 from the npm {@code node} package when installed, else {@code node} on the PATH (checked when the
     * process starts, which fails with a clear message if there is none).
     */
    static String nodeBinary(Path nodeModules) {
        Path local = nodeModules.resolve(".bin").resolve("node");
        return Files.isExecutable(local) ? local.toString() : "node";
    }
}
