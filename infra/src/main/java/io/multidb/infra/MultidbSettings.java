package io.multidb.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What one deployment is made of: the organization name the functions serve, the Lambda jar, and the text of
 * the state machine definition.
 *
 * @param org                  the organization in the control plane's URLs (/v1/organizations/{org}/...)
 * @param functionsJar         the shaded jar both functions run
 * @param stateMachineDefinition the ASL text, inlined into the template so that tests can see it
 */
public record MultidbSettings(String org, Path functionsJar, String stateMachineDefinition) {

    public static final String DEFAULT_ORG = "default";

    // Turso organization names are slugs; this one also lands in an environment variable and in URLs.
    private static final Pattern ORG = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?");

    public MultidbSettings {
        if (org == null || !ORG.matcher(org).matches()) {
            throw new IllegalArgumentException("organization name " + (org == null ? "(none)" : "'" + org + "'")
                    + " is not valid: use 1-64 lowercase letters, digits and inner hyphens, e.g. -c org=acme");
        }
        if (!Files.isRegularFile(functionsJar)) {
            throw new IllegalArgumentException("the Lambda jar " + functionsJar
                    + " does not exist; run mvn -pl functions package (from the repository root) first");
        }
    }

    /** The settings from the repository's files: the packaged jar and the checked-in ASL. */
    public static MultidbSettings fromRepo(RepoLayout repo, String org) {
        return new MultidbSettings(org, repo.functionsJar(), read(repo.stateMachineDefinition()));
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
