package io.multidb.api;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.databases.Catalog;
import io.multidb.databases.DatabaseService;
import io.multidb.migrations.MigrationFaults;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.storage.SqliteCopies;
import io.multidb.sql.SqlLimits;
import io.multidb.sql.SqlService;
import io.multidb.sql.FileBatonKeys;
import io.multidb.sql.StreamOptions;
import io.multidb.sql.StreamStore;
import io.multidb.sql.Streams;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.regions.Region;

/**
 * Builds {@link Services} from environment variables (the same names in Lambda and in the local runtime):
 * <pre>
 * MULTIDB_DATA_ROOT          directory holding the SQLite files (default /mnt/data, the EFS mount)
 * MULTIDB_TABLE              DynamoDB table (default multidb)
 * MULTIDB_DYNAMODB_ENDPOINT  endpoint override (dynalite, LocalStack); unset in AWS
 * MULTIDB_ORG                organization name in control-plane paths (default "default")
 * MULTIDB_ADMIN_TOKEN        the admin token
 * AWS_REGION                 region of the SDK clients (set by Lambda)
 * </pre>
 */
public final class Wiring {
    private Wiring() {
    }

    public static Services fromEnvironment(Map<String, String> env) {
        Path root = Path.of(env.getOrDefault("MULTIDB_DATA_ROOT", "/mnt/data"));
        String endpoint = env.get("MULTIDB_DYNAMODB_ENDPOINT");
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        Catalog catalog = DynamoCatalog.builder()
                .client(DynamoClients.create(endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint), region))
                .tableName(env.getOrDefault("MULTIDB_TABLE", "multidb"))
                .build();
        String token = env.get("MULTIDB_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("MULTIDB_ADMIN_TOKEN is not set");
        }
        throw new UnsupportedOperationException("migration adapters are being wired");
    }

    /** Builds the services over the given adapters; the local runtime and tests call this with their own. */
    public static Services build(String org, String adminToken, Catalog catalog, MigrationStore migrationStore,
                                 WorkflowStarter workflows, Path dataRoot, MigrationFaults faults) {
        return build(org, adminToken, catalog, migrationStore, workflows, dataRoot, faults, null);
    }

    /**
     * The same, with interactive transactions: streams live in {@code streamStore} (a
     * {@link io.multidb.aws.DynamoStreamStore} on the metadata table) and batons are signed with the key file
     * {@code {dataRoot}/keys/baton-signing.key} (made on first use; in AWS the EFS root is shared, like the
     * databases). {@code streamStore} null: no streams (STREAM_NOT_SUPPORTED).
     */
    public static Services build(String org, String adminToken, Catalog catalog, MigrationStore migrationStore,
                                 WorkflowStarter workflows, Path dataRoot, MigrationFaults faults,
                                 StreamStore streamStore) {
        Streams streams = streamStore == null ? null : new Streams(streamStore,
                FileBatonKeys.open(dataRoot.resolve("keys").resolve("baton-signing.key")), StreamOptions.defaults(),
                Clock.systemUTC());
        SqliteStore store = new SqliteStore(dataRoot, StorageOptions.defaults());
        SqliteCopies copies = new SqliteCopies(dataRoot, store, StorageOptions.defaults());
        MigrationService migrations = new MigrationService(catalog, migrationStore, store, copies, workflows,
                MigrationOptions.defaults(), faults, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
        return new Services(org, adminToken, new DatabaseService(catalog, store, Clock.systemUTC()),
                new SqlService(catalog, store, SqlLimits.defaults(), streams), migrations, MIGRATION_WAIT);
    }

    /** A little under API Gateway's 30 s integration timeout, leaving time to answer. */
    public static final Duration MIGRATION_WAIT = Duration.ofSeconds(25);
}
