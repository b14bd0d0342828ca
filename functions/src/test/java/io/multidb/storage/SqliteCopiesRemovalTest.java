package io.multidb.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A finished job's copies are removed, one by one for a few, by several threads for many. */
class SqliteCopiesRemovalTest {
    @TempDir
    Path root;

    private SqliteStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, SqliteCopies.PARALLEL_REMOVAL_FROM + 37})
    void everyCopyAndTheJobsDirectoryAreRemoved(int databases) throws Exception {
        store = new SqliteStore(root, StorageOptions.defaults());
        SqliteCopies copies = new SqliteCopies(root, store, StorageOptions.defaults());
        for (int i = 0; i < databases; i++) {
            String name = String.format("db-%03d", i);
            assertThat(store.createEmpty(name)).isTrue();
            copies.makeCopy("job-1", name);
        }
        copies.makeCopy("job-2", "db-000");
        Path dir = root.resolve("copies").resolve("job-1");
        try (var s = Files.list(dir)) {
            assertThat(s.count()).isEqualTo(databases);
        }

        copies.removeCopies("job-1");

        assertThat(dir).doesNotExist();
        assertThat(copies.hasCopy("job-2", "db-000")).isTrue(); // another job's copies stay
        assertThat(store.exists("db-000")).isTrue();            // and so do the databases
        copies.removeCopies("job-1");                            // removing again is a no-op
    }
}
