package io.multidb.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One tenant cannot grow its file past StorageOptions.maxDatabaseBytes: SQLite answers SQLITE_FULL. */
class DatabaseSizeLimitTest {
    @TempDir
    Path root;

    @Test
    void writesPastTheLimitFailWithFullAndTheFileStaysBounded() throws Exception {
        StorageOptions small = new StorageOptions(Duration.ofSeconds(1), 1, 4, 1_000_000, 1_000_000, 256 * 1024);
        try (SqliteStore store = new SqliteStore(root, small)) {
            store.createEmpty("t");
            try (SqliteStore.Lease l = store.open("t").orElseThrow(); Statement s = l.connection().createStatement()) {
                s.execute("CREATE TABLE b(x BLOB)");
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 100; i++) {
                        s.execute("INSERT INTO b VALUES (zeroblob(16384))");
                    }
                }).isInstanceOf(SQLException.class).hasMessageContaining("SQLITE_FULL");
                // Rows written before the limit stay readable.
                assertThat(s.executeQuery("SELECT count(*) FROM b").getLong(1)).isBetween(1L, 16L);
            }
            assertThat(Files.size(store.fileOf("t"))).isLessThanOrEqualTo(256 * 1024);
        }
    }
}
