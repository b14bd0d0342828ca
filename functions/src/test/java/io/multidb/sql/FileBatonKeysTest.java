package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBatonKeysTest {
    @TempDir
    Path dir;

    @Test
    void theKeyIsMadeOnceAndReadByEveryInstance() throws Exception {
        Path file = dir.resolve("keys").resolve("baton-signing.key");
        BatonKeys first = FileBatonKeys.open(file);
        BatonKeys second = FileBatonKeys.open(file);
        assertThat(second.current()).isEqualTo(first.current());
        assertThat(first.find(first.current().id())).contains(first.current());
        assertThat(first.find(first.current().id() + 1)).isEmpty();
        assertThat(Files.readString(file).trim()).hasSize(64);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var leftovers = Files.list(file.getParent())) {
            assertThat(leftovers.toList()).containsExactly(file);
        }
    }

    @Test
    void instancesStartingTogetherAgreeOnOneKey() throws Exception {
        Path file = dir.resolve("keys").resolve("baton-signing.key");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<BatonKeys.SigningKey>> keys = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                keys.add(pool.submit(() -> {
                    start.await();
                    return FileBatonKeys.open(file).current();
                }));
            }
            start.countDown();
            BatonKeys.SigningKey key = keys.get(0).get();
            for (Future<BatonKeys.SigningKey> k : keys) {
                assertThat(k.get()).isEqualTo(key);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDamagedKeyFileIsReportedNotReplaced() throws Exception {
        Path file = dir.resolve("baton-signing.key");
        Files.writeString(file, "not a key");
        assertThatThrownBy(() -> FileBatonKeys.open(file)).hasMessageContaining("damaged");
        assertThat(Files.readString(file)).isEqualTo("not a key");
    }
}
