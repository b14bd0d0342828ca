package io.multidb.api;

import io.multidb.auth.FileSigningKey;
import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.aws.DynamoDriftStore;
import io.multidb.aws.DynamoMigrationStore;
import io.multidb.drift.DriftOptions;
import io.multidb.drift.DriftStore;
import io.multidb.aws.DynamoStreamStore;
import io.multidb.aws.DynamoTokenGenerations;
import io.multidb.aws.Secrets;
import io.multidb.aws.SecretsManagerSigningKey;
import io.multidb.tasks.TaskWiring;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import io.multidb.auth.Authorizer;
import io.multidb.auth.SigningKeys;
import io.multidb.auth.TokenGenerations;
import io.multidb.auth.TokenService;
import io.multidb.databases.Catalog;
import io.multidb.databases.DatabaseService;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.sql.SqlLimits;
import io.multidb.sql.SqlService;
import io.multidb.sql.BatonKeys;
import io.multidb.sql.StreamOptions;
import io.multidb.sql.StreamStore;
import io.multidb.sql.Streams;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.Map;
import software.amazon.awssdk.regions.Region;

/**
 * Builds {@link Services} from environment variables (the same names in Lambda and in the local runtime):
 * <pre>
 * MULTIDB_DATA_ROOT          directory holding the SQLite files (default /mnt/data, the EFS mount)
 * MULTIDB_TABLE              DynamoDB table (default multidb)
 * MULTIDB_DYNAMODB_ENDPOINT  endpoint override (dynalite, LocalStack); unset in AWS
 * MULTIDB_ORG                organization name in control-plane paths (default "default")
 * MULTIDB_ADMIN_TOKEN        the admin token (local), or
 * MULTIDB_ADMIN_TOKEN_SECRET a Secrets Manager secret holding it (AWS)
 * MULTIDB_SIGNING_KEY_SECRET Secrets Manager secret of the token signing key; unset: a key file in the data root
 *                            (baton signing keys for interactive transactions are derived from it)
 * MULTIDB_STATE_MACHINE_ARN  the schema-migration state machine (MULTIDB_SFN_ENDPOINT overrides its endpoint)
 * AWS_REGION                 region of the SDK clients (set by Lambda)
 * </pre>
 */
public final class Wiring {
    private Wiring() {
    }

    public static Services fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, UnaryOperator.identity());
    }

    /** The same, with the per-database migrator wrapped (tests inject failures there; production never does). */
    public static Services fromEnvironment(Map<String, String> env, UnaryOperator<DatabaseMigrator> migrators) {
        Path root = Path.of(env.getOrDefault("MULTIDB_DATA_ROOT", "/mnt/data"));
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        String table = env.getOrDefault("MULTIDB_TABLE", "multidb");
        DynamoDbClient dynamo = DynamoClients.create(uri(env.get("MULTIDB_DYNAMODB_ENDPOINT")), region);
        URI secretsEndpoint = uri(env.get("MULTIDB_SECRETS_ENDPOINT"));
        String token = env.get("MULTIDB_ADMIN_TOKEN");
        if ((token == null || token.isBlank()) && env.get("MULTIDB_ADMIN_TOKEN_SECRET") != null) {
            token = Secrets.readString(region, secretsEndpoint, env.get("MULTIDB_ADMIN_TOKEN_SECRET"));
        }
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("set MULTIDB_ADMIN_TOKEN_SECRET (or MULTIDB_ADMIN_TOKEN) to the admin token");
        }
        String keySecret = env.get("MULTIDB_SIGNING_KEY_SECRET");
        SigningKeys keys = keySecret != null && !keySecret.isBlank()
                ? SecretsManagerSigningKey.load(keySecret.strip(), region, secretsEndpoint)
                : FileSigningKey.open(root);
        return build(env.getOrDefault("MULTIDB_ORG", "default"), token,
                DynamoCatalog.builder().client(dynamo).tableName(table).build(),
                DynamoMigrationStore.builder().client(dynamo).tableName(table).build(),
                lazyWorkflows(env), new SqliteStore(root, StorageOptions.defaults()), root,
                migrators, keys, new DynamoTokenGenerations(dynamo, table),
                new DynamoStreamStore(dynamo, table), new DynamoDriftStore(dynamo, table));
    }

    /**
     * The Step Functions client is built when the first migration starts, not at init: no data-plane request needs
     * it, and its SDK classes were a measurable part of the cold start (docs/benchmarks.md).
     */
    static WorkflowStarter lazyWorkflows(Map<String, String> env) {
        return new WorkflowStarter() {
            private volatile WorkflowStarter real;

            private WorkflowStarter real() {
                WorkflowStarter r = real;
                if (r == null) {
                    synchronized (this) {
                        r = real;
                        if (r == null) {
                            r = TaskWiring.workflowStarter(env);
                            real = r;
                        }
                    }
                }
                return r;
            }

            @Override
            public void start(MigrationJob job) {
                real().start(job);
            }

            @Override
            public ExecutionState describe(String jobId) {
                return real().describe(jobId);
            }

            @Override
            public void startDriftScan(String org, String schemaDb, String scanId, int maxConcurrency) {
                real().startDriftScan(org, schemaDb, scanId, maxConcurrency);
            }

            @Override
            public java.time.Instant knowsExecutionsSince() {
                return real().knowsExecutionsSince();
            }
        };
    }

    private static URI uri(String s) {
        return s == null || s.isBlank() ? null : URI.create(s.strip());
    }

    /** Builds the services over the given adapters; the local runtime and tests call this with their own. */
    public static Services build(String org, String adminToken, Catalog catalog, MigrationStore migrationStore,
                                 WorkflowStarter workflows, SqliteStore store, Path dataRoot,
                                 UnaryOperator<DatabaseMigrator> migrators,
                                 SigningKeys keys, TokenGenerations generations) {
        return build(org, adminToken, catalog, migrationStore, workflows, store, dataRoot, migrators, keys, generations,
                null, null);
    }

    /**
     * The same, with interactive transactions: streams live in {@code streamStore} (in AWS and locally a
     * {@link DynamoStreamStore} on the metadata table), and batons are signed with a key derived from the token
     * signing key. {@code streamStore} null: no streams (a baton is refused with STREAM_NOT_SUPPORTED).
     */
    public static Services build(String org, String adminToken, Catalog catalog, MigrationStore migrationStore,
                                 WorkflowStarter workflows, SqliteStore store, Path dataRoot,
                                 UnaryOperator<DatabaseMigrator> migrators,
                                 SigningKeys keys, TokenGenerations generations, StreamStore streamStore) {
        return build(org, adminToken, catalog, migrationStore, workflows, store, dataRoot, migrators, keys, generations,
                streamStore, null);
    }

    /** The same, with drift reports kept in {@code driftStore} (null: none; their routes answer UNAVAILABLE). */
    public static Services build(String org, String adminToken, Catalog catalog, MigrationStore migrationStore,
                                 WorkflowStarter workflows, SqliteStore store, Path dataRoot,
                                 UnaryOperator<DatabaseMigrator> migrators,
                                 SigningKeys keys, TokenGenerations generations, StreamStore streamStore,
                                 DriftStore driftStore) {
        Streams streams = streamStore == null ? null : new Streams(streamStore,
                BatonKeys.derivedFrom(keys.current().secret()), StreamOptions.defaults(), Clock.systemUTC());
        MigrationService migrations = TaskWiring.build(catalog, store, dataRoot, migrationStore, workflows,
                MigrationOptions.defaults(), migrators);
        TokenService tokens = TokenService.create(org, adminToken, keys, generations);
        return new Services(org, tokens, new Authorizer(tokens), new DatabaseService(catalog, store, Clock.systemUTC()),
                new SqlService(catalog, store, SqlLimits.defaults(), migrations, MIGRATION_WAIT, streams), migrations,
                MIGRATION_WAIT, driftStore == null ? null : TaskWiring.drift(catalog, store, migrationStore, driftStore,
                workflows, DriftOptions.defaults()));
    }

    /** A little under API Gateway's 30 s integration timeout, leaving time to answer. */
    public static final Duration MIGRATION_WAIT = Duration.ofSeconds(25);
}
