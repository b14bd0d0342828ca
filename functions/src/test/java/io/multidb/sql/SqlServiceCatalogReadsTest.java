package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.storage.UndoJournals;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane reads a database's catalog entry once per {@link SqlService#RECENT_TTL} and database file, not once
 * per request; a database deleted and created again is governed by its new entry from the next request on.
 */
class SqlServiceCatalogReadsTest {
    private static final String ORG = "acme";

    @TempDir
    Path root;

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private SqliteStore store;
    private DatabaseService databases;
    private SqlService sql;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(root, StorageOptions.defaults());
        databases = new DatabaseService(catalog, store, Clock.systemUTC());
        WorkflowStarter none = new WorkflowStarter() {
            @Override
            public void start(MigrationJob job) {
                throw new UnsupportedOperationException("no migrations in this test");
            }

            @Override
            public ExecutionState describe(String jobId) {
                return ExecutionState.NOT_FOUND;
            }
        };
        MigrationService migrations = new MigrationService(catalog, new InMemoryMigrationStore(catalog), store,
                new SqliteMigrator(store, new UndoJournals(), Clock.systemUTC()), none, MigrationOptions.defaults(),
                Clock.systemUTC(), d -> { });
        sql = new SqlService(catalog, store, SqlLimits.defaults(), migrations, Duration.ofSeconds(1), null, nanos::get);
        databases.createGroup(ORG, "default", "local");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JsonNode run(String db, String statement) {
        return sql.execute(ORG, db, Harness.parse("{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\""
                + statement + "\"}},{\"type\":\"close\"}]}"), SqlService.Caller.FULL_ACCESS).body();
    }

    private static String firstResultType(JsonNode body) {
        return body.get("results").get(0).get("type").asText();
    }

    @Test
    void requestsWithinTheTtlReadTheCatalogOnceAndAgainAfterIt() {
        databases.createDatabase(ORG, new CreateDatabase("solo", "default", false, null));
        run("solo", "CREATE TABLE t(x)");
        int reads = catalog.databaseReads();

        for (int i = 0; i < 10; i++) {
            assertThat(firstResultType(run("solo", "SELECT count(*) FROM t"))).isEqualTo("ok");
        }
        assertThat(catalog.databaseReads()).isEqualTo(reads);

        nanos.addAndGet(SqlService.RECENT_TTL.toNanos());
        run("solo", "SELECT 1");
        assertThat(catalog.databaseReads()).isEqualTo(reads + 1);
    }

    @Test
    void aDatabaseDeletedAndCreatedAgainAsAChildIsRefusedSchemaChangesAtOnce() {
        databases.createDatabase(ORG, new CreateDatabase("app", "default", true, null));
        run("app", "CREATE TABLE t(x)");
        databases.createDatabase(ORG, new CreateDatabase("tenant", "default", false, null));
        assertThat(firstResultType(run("tenant", "CREATE TABLE mine(y)"))).isEqualTo("ok"); // standard: allowed

        databases.deleteDatabase(ORG, "tenant");
        databases.createDatabase(ORG, new CreateDatabase("tenant", "default", false, "app"));

        JsonNode refused = run("tenant", "CREATE TABLE mine2(y)");
        assertThat(firstResultType(refused)).isEqualTo("error");
        assertThat(refused.get("results").get(0).get("error").get("code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
    }

    @Test
    void aDeletedDatabaseIsNotFoundAtOnce() {
        databases.createDatabase(ORG, new CreateDatabase("gone", "default", false, null));
        run("gone", "SELECT 1");
        databases.deleteDatabase(ORG, "gone");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run("gone", "SELECT 1"))
                .hasMessageContaining("does not exist");
    }
}
