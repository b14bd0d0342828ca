package io.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionTest {
    @TempDir
    Path dir;

    @Test
    void optionsThenEnvironmentThenTheLocalRuntimesDefaults() throws Exception {
        Files.writeString(dir.resolve("admin-token"), "from-file\n");
        Connection c = new Connection();
        c.dataDir = dir;
        Connection.Resolved defaults = c.resolve(Map.of());
        assertThat(defaults).isEqualTo(new Connection.Resolved("http://127.0.0.1:8080", "from-file",
                dir.resolve("admin-token").toAbsolutePath().toString(), "local"));

        Connection.Resolved env = c.resolve(Map.of("MULTIDB_URL", "https://x.example/", "MULTIDB_TOKEN", "t-env",
                "MULTIDB_ORG", "acme"));
        assertThat(env).isEqualTo(new Connection.Resolved("https://x.example", "t-env", "MULTIDB_TOKEN", "acme"));

        c.url = "http://h:1";
        c.token = "t-opt";
        c.org = "o";
        assertThat(c.resolve(Map.of("MULTIDB_TOKEN", "t-env"))).isEqualTo(new Connection.Resolved("http://h:1", "t-opt", "--token", "o"));
    }

    @Test
    void withoutAnyTokenItSaysWhereItLooked() {
        Connection c = new Connection();
        c.dataDir = dir.resolve("nowhere");
        assertThat(c.resolve(Map.of()).token()).isNull();
        assertThat(c.resolve(Map.of()).tokenSource()).contains("no --token, no MULTIDB_TOKEN");
        c.url = "127.0.0.1:8080";
        assertThatThrownBy(() -> c.resolve(Map.of())).isInstanceOf(CliException.class)
                .hasMessageContaining("must start with http://");
    }
}
