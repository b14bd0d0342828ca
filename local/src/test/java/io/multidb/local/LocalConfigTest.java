package io.multidb.local;

import io.multidb.local.LocalConfig.Flags;
import io.multidb.local.LocalConfig.TokenSource;
import io.multidb.local.LocalConfig.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaults() throws Exception {
        assertThat(LocalConfig.parseFlags()).isEqualTo(new Flags(8080, Path.of(".multidb"), false));
    }

    @Test
    void flags_with_separate_or_attached_values() throws Exception {
        assertThat(LocalConfig.parseFlags("--port", "9000", "--data-dir", "/var/x"))
                .isEqualTo(new Flags(9000, Path.of("/var/x"), false));
        assertThat(LocalConfig.parseFlags("--port=0", "--data-dir=d"))
                .isEqualTo(new Flags(0, Path.of("d"), false));
    }

    @Test
    void help() throws Exception {
        assertThat(LocalConfig.parseFlags("--help").help()).isTrue();
        assertThat(LocalConfig.parseFlags("--port", "1", "-h").help()).isTrue();
        assertThat(LocalConfig.USAGE).contains("--port", "--data-dir", "--help", "MULTIDB_ADMIN_TOKEN", "MULTIDB_ORG");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--port                | --port needs a value",
            "--port abc            | --port must be a number from 0 to 65535, not 'abc'",
            "--port 70000          | not '70000'",
            "--port -1             | not '-1'",
            "--data-dir            | --data-dir needs a value",
            "--data-dir=           | --data-dir needs a directory",
            "--verbose             | unknown argument: --verbose",
            "serve                 | unknown argument: serve",
            "--help=yes            | --help takes no value"})
    void bad_flags_say_what_is_wrong(String args, String message) {
        assertThatThrownBy(() -> LocalConfig.parseFlags(args.split(" ")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(message);
    }

    @Test
    void a_token_from_the_environment_is_used_and_not_stored() throws Exception {
        Path dataDir = tmp.resolve("data");
        LocalConfig config = LocalConfig.load(new Flags(0, dataDir, false),
                Map.of("MULTIDB_ADMIN_TOKEN", " s3cret ", "MULTIDB_ORG", "acme"));

        assertThat(config.adminToken()).isEqualTo("s3cret");
        assertThat(config.adminTokenSource()).isEqualTo(TokenSource.ENVIRONMENT);
        assertThat(config.org()).isEqualTo("acme");
        assertThat(config.dataDir()).isEqualTo(dataDir.toAbsolutePath());
        assertThat(dataDir).isDirectory();
        assertThat(dataDir.resolve("admin-token")).doesNotExist();
    }

    @Test
    void without_a_token_one_is_generated_kept_0600_and_reused() throws Exception {
        Path dataDir = tmp.resolve("nested/data");
        Flags flags = new Flags(0, dataDir, false);

        LocalConfig first = LocalConfig.load(flags, Map.of());
        LocalConfig second = LocalConfig.load(flags, Map.of("MULTIDB_ADMIN_TOKEN", ""));

        Path file = dataDir.resolve("admin-token");
        assertThat(first.adminTokenSource()).isEqualTo(TokenSource.GENERATED);
        assertThat(first.adminToken()).matches("[A-Za-z0-9_-]{43}");
        assertThat(first.adminTokenFile()).isEqualTo(file.toAbsolutePath());
        assertThat(Files.readString(file).trim()).isEqualTo(first.adminToken());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(second.adminTokenSource()).isEqualTo(TokenSource.FILE);
        assertThat(second.adminToken()).isEqualTo(first.adminToken());
        assertThat(first.org()).isEqualTo("local");
        try (var files = Files.list(dataDir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void a_kept_token_readable_by_others_is_made_owner_only() throws Exception {
        Path file = Files.writeString(tmp.resolve("admin-token"), "kept-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        LocalConfig config = LocalConfig.load(new Flags(0, tmp, false), Map.of());

        assertThat(config.adminToken()).isEqualTo("kept-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void an_empty_token_file_is_replaced() throws Exception {
        Files.writeString(tmp.resolve("admin-token"), "\n");

        LocalConfig config = LocalConfig.load(new Flags(0, tmp, false), Map.of());

        assertThat(config.adminTokenSource()).isEqualTo(TokenSource.GENERATED);
        assertThat(Files.readString(tmp.resolve("admin-token")).trim()).isEqualTo(config.adminToken());
    }

    @Test
    void an_invalid_organization_is_a_usage_error() {
        assertThatThrownBy(() -> LocalConfig.load(new Flags(0, tmp, false), Map.of("MULTIDB_ORG", "My Org")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("MULTIDB_ORG 'My Org' is not a valid organization name");
    }
}
