package io.multidb.auth;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSigningKeyTest {
    @TempDir
    Path dir;

    @Test
    void theFirstStartCreatesAnOwnerOnlyKeyThatLaterStartsReuse() throws Exception {
        Path data = dir.resolve("data");   // absent: created
        FileSigningKey first = FileSigningKey.open(data);
        Path file = data.resolve(FileSigningKey.FILE_NAME);

        assertThat(first.path()).isEqualTo(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).hasSize(32);
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(FileSigningKey.FILE_NAME);
        }

        FileSigningKey second = FileSigningKey.open(data);
        assertThat(second.current()).isEqualTo(first.current());
        // So a token issued before a restart verifies after it.
        String jwt = service(first).issue(Scope.DATABASE, "a", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(service(second).verify(jwt)).isEqualTo(new Principal.DatabasePrincipal("a", false));
    }

    @Test
    void twoDataDirsGetDifferentKeys() {
        assertThat(FileSigningKey.open(dir.resolve("a")).current())
                .isNotEqualTo(FileSigningKey.open(dir.resolve("b")).current());
    }

    @Test
    void aKeyFileOthersCanReadIsRefused() throws Exception {
        FileSigningKey.open(dir);
        Path file = dir.resolve(FileSigningKey.FILE_NAME);
        for (String mode : new String[] {"rw-r--r--", "rw-rw----", "rw-----w-", "rw----r--"}) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> FileSigningKey.open(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has mode " + mode).hasMessageContaining("chmod 600 " + file);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        assertThat(FileSigningKey.open(dir).current()).isNotNull();   // stricter than 0600 is fine
    }

    @Test
    void aDamagedKeyFileIsRefusedNotReplaced() throws Exception {
        Path file = dir.resolve(FileSigningKey.FILE_NAME);
        for (String content : new String[] {"", "not base64!", Base64.getEncoder().encodeToString(new byte[16]), "\u00ff\u00fe"}) {
            Files.writeString(file, content, java.nio.charset.StandardCharsets.ISO_8859_1);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> FileSigningKey.open(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is not 32 or more bytes in base64");
            assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo(content);
        }
    }

    @Test
    void aHandWrittenKeyIsUsedAsItIs() throws Exception {
        byte[] secret = TokenServiceTest.bytes(9);
        Path file = dir.resolve(FileSigningKey.FILE_NAME);
        Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(FileSigningKey.open(dir).current()).isEqualTo(SigningKey.of(secret));
    }

    private static TokenService service(SigningKeys keys) {
        return new TokenService("org", TokenServiceTest.ADMIN, keys, new InMemoryTokenGenerations(),
                Duration.ofSeconds(5), new MutableClock());
    }
}
