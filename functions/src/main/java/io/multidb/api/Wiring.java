package io.multidb.api;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.databases.Catalog;
import io.multidb.databases.DatabaseService;
import io.multidb.sql.SqlLimits;
import io.multidb.sql.SqlService;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
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
        return build(env.getOrDefault("MULTIDB_ORG", "default"), token, catalog, root);
    }

    public static Services build(String org, String adminToken, Catalog catalog, Path dataRoot) {
        SqliteStore store = new SqliteStore(dataRoot, StorageOptions.defaults());
        return new Services(org, adminToken, new DatabaseService(catalog, store, Clock.systemUTC()),
                new SqlService(catalog, store, SqlLimits.defaults()));
    }
}
