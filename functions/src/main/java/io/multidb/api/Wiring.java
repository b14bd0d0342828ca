package io.multidb.api;

import io.multidb.databases.Catalog;
import io.multidb.databases.DatabaseService;
import io.multidb.sql.SqlLimits;
import io.multidb.sql.SqlService;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.time.Clock;

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

    public static Services build(String org, String adminToken, Catalog catalog, Path dataRoot) {
        SqliteStore store = new SqliteStore(dataRoot, StorageOptions.defaults());
        return new Services(org, adminToken, new DatabaseService(catalog, store, Clock.systemUTC()),
                new SqlService(catalog, store, SqlLimits.defaults()));
    }
}
