package io.multidb.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the jar and the ASL from wherever the app runs, and saying what to do when the jar is missing. */
class RepoLayoutTest {

    @TempDir
    Path root;

    @BeforeEach
    void repository() throws Exception {
        Files.createDirectories(root.resolve("functions/target"));
        Files.createDirectories(root.resolve("infra/src"));
        Files.writeString(root.resolve("functions/pom.xml"), "<project/>");
        Files.createDirectories(root.resolve("statemachines"));
        Files.writeString(root.resolve("statemachines/schema-migration.asl.json"), "{}");
    }

    @Test
    void foundFromTheRootAndFromBelowIt() {
        assertThat(RepoLayout.find(root).root()).isEqualTo(root.toAbsolutePath().normalize());
        assertThat(RepoLayout.find(root.resolve("infra/src")).root()).isEqualTo(root.toAbsolutePath().normalize());
        assertThat(RepoLayout.find(root).stateMachineDefinition())
                .isEqualTo(root.resolve("statemachines/schema-migration.asl.json"));
    }

    @Test
    void outsideARepositoryTheErrorSaysWhereToRun(@TempDir Path elsewhere) {
        assertThatThrownBy(() -> RepoLayout.find(elsewhere))
                .hasMessageContaining("cannot find the multidb repository")
                .hasMessageContaining("run from the repository or its infra/ directory");
    }

    @Test
    void theOneLambdaJarIsFound() throws Exception {
        Path jar = Files.writeString(root.resolve("functions/target/multidb-functions-0.1.0-SNAPSHOT-lambda.jar"), "x");
        Files.writeString(root.resolve("functions/target/multidb-functions-0.1.0-SNAPSHOT.jar"), "plain, not shaded");
        assertThat(RepoLayout.find(root).functionsJar()).isEqualTo(jar);
    }

    @Test
    void aMissingJarSaysHowToBuildIt() {
        assertThatThrownBy(() -> RepoLayout.find(root).functionsJar())
                .hasMessageContaining("the Lambda jar is missing")
                .hasMessageContaining("run mvn -pl functions package");
    }

    @Test
    void staleJarsAreNotPickedByAccident() throws Exception {
        Files.writeString(root.resolve("functions/target/multidb-functions-0.1.0-SNAPSHOT-lambda.jar"), "x");
        Files.writeString(root.resolve("functions/target/multidb-functions-0.2.0-lambda.jar"), "y");
        assertThatThrownBy(() -> RepoLayout.find(root).functionsJar())
                .hasMessageContaining("several Lambda jars")
                .hasMessageContaining("clean package");
    }

    @Test
    void settingsCheckTheOrganizationName() throws Exception {
        Path jar = Files.writeString(root.resolve("functions/target/multidb-functions-1-lambda.jar"), "x");
        assertThat(new MultidbSettings("acme-2", jar, "{}").org()).isEqualTo("acme-2");
        for (String bad : new String[] {"", "Acme", "-acme", "acme-", "a/b", "a".repeat(65)}) {
            assertThatThrownBy(() -> new MultidbSettings(bad, jar, "{}"))
                    .as(bad).hasMessageContaining("-c org=");
        }
        assertThatThrownBy(() -> new MultidbSettings("acme", root.resolve("nope.jar"), "{}"))
                .hasMessageContaining("run mvn -pl functions package");
    }
}
