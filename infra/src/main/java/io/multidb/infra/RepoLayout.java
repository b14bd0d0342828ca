package io.multidb.infra;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files the stack deploys, found in the repository. The app runs with infra/ as its working directory under
 * both `mvn -pl infra test` (surefire) and `cdk synth` (cdk.json lives in infra/), and from the repository root
 * under `mvn exec:java -pl infra`, so the root is found by walking up from the working directory.
 */
public record RepoLayout(Path root) {

    static final String STATE_MACHINE_FILE = "statemachines/schema-migration.asl.json";
    static final String JAR_GLOB = "multidb-functions-*-lambda.jar";

    public RepoLayout {
        root = root.toAbsolutePath().normalize();
    }

    /** The repository that contains {@code start}: the nearest directory holding functions/pom.xml and the ASL. */
    public static RepoLayout find(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("functions/pom.xml"))
                    && Files.isRegularFile(dir.resolve(STATE_MACHINE_FILE))) {
                return new RepoLayout(dir);
            }
        }
        throw new IllegalStateException("cannot find the multidb repository above " + start.toAbsolutePath()
                + " (looked for functions/pom.xml and " + STATE_MACHINE_FILE
                + "): run from the repository or its infra/ directory");
    }

    public Path stateMachineDefinition() {
        return root.resolve(STATE_MACHINE_FILE);
    }

    /**
     * The shaded Lambda jar the functions module builds (functions/target/multidb-functions-VERSION-lambda.jar).
     * Exactly one must exist: none means the module was not packaged, several mean stale versions that a deploy
     * must not pick by accident.
     */
    public Path functionsJar() {
        Path target = root.resolve("functions/target");
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(target, JAR_GLOB)) {
                found.forEach(jars::add);
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + target + ": " + e.getMessage(), e);
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalStateException("the Lambda jar is missing: expected " + target.resolve(JAR_GLOB)
                    + "; run mvn -pl functions package (from the repository root) first");
        }
        if (jars.size() > 1) {
            jars.sort(null);
            throw new IllegalStateException("several Lambda jars in " + target + ": " + jars.stream()
                    .map(p -> p.getFileName().toString()).toList()
                    + "; run mvn -pl functions clean package so that only the current one is left");
        }
        return jars.getFirst();
    }
}
