package io.multidb.tasks;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.aws.DynamoDriftStore;
import io.multidb.drift.DriftOptions;
import io.multidb.drift.DriftService;
import io.multidb.drift.DriftStore;
import io.multidb.aws.DynamoMigrationStore;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.databases.Catalog;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.storage.UndoJournals;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Builds the task function's services from environment variables, the same names as {@code io.multidb.api.Wiring}
 * (in Lambda and in the local runtime):
 * <pre>
 * MULTIDB_DATA_ROOT          directory holding the SQLite files (default /mnt/data, the EFS mount)
 * MULTIDB_TABLE              DynamoDB table (default multidb): the catalog and the migration store
 * MULTIDB_DYNAMODB_ENDPOINT  endpoint override (dynalite, LocalStack); unset in AWS
 * AWS_REGION                 region of the SDK clients (set by Lambda)
 * MULTIDB_STATE_MACHINE_ARN  the schema-migration state machine; only where migrations are started (the API
 *                            function). The task function runs inside that state machine and never starts one
 *                            (the state machine refers to the function, so the reverse would be a cycle), so
 *                            without it the starter refuses to start or describe.
 * MULTIDB_SFN_ENDPOINT       Step Functions endpoint override (the local runtime's service); unset in AWS
 * MULTIDB_SFN_STARTED_AT     when that engine started (ISO-8601), for an engine that forgets its executions when it
 *                            stops (the local runtime's): a job started before it whose execution the engine does not
 *                            know was lost, and is ended at once (unset in AWS: Step Functions never forgets)
 * </pre>
 * {@link #build} takes the pieces instead, so that the local runtime builds the task handler in-process with the
 * instances its API handler shares (one catalog client, one SQLite store and its file locks).
 */
public final class TaskWiring {
    private static volatile MigrationService fromLambdaEnvironment;
    private static volatile Catalog catalogFromLambdaEnvironment;
    private static volatile DriftTasks driftFromLambdaEnvironment;

    private TaskWiring() {
    }

    /** For the Lambda no-arg constructor: built once per container from the process environment. */
    static MigrationService migrationService() {
        MigrationService s = fromLambdaEnvironment;
        if (s == null) {
            synchronized (TaskWiring.class) {
                s = fromLambdaEnvironment;
                if (s == null) {
                    Map<String, String> env = System.getenv();
                    DynamoDbClient dynamo = DynamoClients.create(uri(env.get("MULTIDB_DYNAMODB_ENDPOINT")), region(env));
                    catalogFromLambdaEnvironment = DynamoCatalog.builder().client(dynamo)
                            .tableName(env.getOrDefault("MULTIDB_TABLE", "multidb")).build();
                    Built built = fromEnvironment(env, dynamo, catalogFromLambdaEnvironment, UnaryOperator.identity());
                    driftFromLambdaEnvironment = new DriftTasks(built.drift());
                    s = built.migrations();
                    fromLambdaEnvironment = s;
                }
            }
        }
        return s;
    }

    /** The Lambda function's family counter (the catalog {@link #migrationService} built), for the job metrics. */
    static MigrationTaskHandler.FamilySize familySize() {
        migrationService();
        Catalog c = catalogFromLambdaEnvironment;
        return c::countChildren;
    }

    /** The Lambda function's drift scan tasks, over the instances {@link #migrationService} built. */
    static DriftTasks driftTasks() {
        migrationService();
        return driftFromLambdaEnvironment;
    }

    public static MigrationService fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, UnaryOperator.identity());
    }

    /** The same, with the per-database migrator wrapped (tests inject failures there; production never does). */
    public static MigrationService fromEnvironment(Map<String, String> env, UnaryOperator<DatabaseMigrator> migrators) {
        DynamoDbClient dynamo = DynamoClients.create(uri(env.get("MULTIDB_DYNAMODB_ENDPOINT")), region(env));
        return fromEnvironment(env, dynamo,
                DynamoCatalog.builder().client(dynamo).tableName(env.getOrDefault("MULTIDB_TABLE", "multidb")).build(),
                migrators).migrations();
    }

    /**
     * The task handler from the environment, with the family counter its job metrics use (the local runtime), and
     * the per-database migrator wrapped (tests).
     */
    public static MigrationTaskHandler handlerFromEnvironment(Map<String, String> env,
                                                              UnaryOperator<DatabaseMigrator> migrators) {
        DynamoDbClient dynamo = DynamoClients.create(uri(env.get("MULTIDB_DYNAMODB_ENDPOINT")), region(env));
        Catalog catalog = DynamoCatalog.builder().client(dynamo).tableName(env.getOrDefault("MULTIDB_TABLE", "multidb")).build();
        Built built = fromEnvironment(env, dynamo, catalog, migrators);
        return new MigrationTaskHandler(built.migrations(), catalog::countChildren, new DriftTasks(built.drift()));
    }

    /** The task function's two use cases over the same instances. */
    private record Built(MigrationService migrations, DriftService drift) {
    }

    private static Built fromEnvironment(Map<String, String> env, DynamoDbClient dynamo, Catalog catalog,
                                         UnaryOperator<DatabaseMigrator> migrators) {
        Path root = Path.of(env.getOrDefault("MULTIDB_DATA_ROOT", "/mnt/data"));
        String table = env.getOrDefault("MULTIDB_TABLE", "multidb");
        MigrationStore store = DynamoMigrationStore.builder().client(dynamo).tableName(table).build();
        SqliteStore sqlite = new SqliteStore(root, StorageOptions.defaults());
        WorkflowStarter workflows = workflowStarter(env);
        return new Built(build(catalog, sqlite, root, store, workflows, MigrationOptions.defaults(), migrators),
                drift(catalog, sqlite, store, new DynamoDriftStore(dynamo, table), workflows, DriftOptions.defaults()));
    }

    /** The drift report's use cases over shared instances (io.multidb.drift). */
    public static DriftService drift(Catalog catalog, SqliteStore sqlite, MigrationStore migrations, DriftStore store,
                                     WorkflowStarter workflows, DriftOptions options) {
        return new DriftService(catalog, migrations, store, sqlite, workflows, options, Clock.systemUTC());
    }

    /**
     * The Step Functions starter from MULTIDB_STATE_MACHINE_ARN, MULTIDB_SFN_ENDPOINT and AWS_REGION; without a
     * state machine ARN, one that refuses (see the class comment).
     */
    public static WorkflowStarter workflowStarter(Map<String, String> env) {
        String arn = env.get("MULTIDB_STATE_MACHINE_ARN");
        if (arn == null || arn.isBlank()) {
            return NO_WORKFLOWS;
        }
        SfnWorkflowStarter.Builder b = SfnWorkflowStarter.builder()
                .stateMachineArn(arn.strip())
                .endpoint(uri(env.get("MULTIDB_SFN_ENDPOINT")))
                .region(region(env));
        String since = env.get("MULTIDB_SFN_STARTED_AT");
        if (since != null && !since.isBlank()) {
            b.knowsExecutionsSince(java.time.Instant.parse(since.strip()));
        }
        return b.build();
    }

    /**
     * The migration use cases over shared instances; {@code dataRoot} is the SqliteStore's root (undo journals go
     * there). {@code migrators} wraps the per-database migrator: the identity in production, a fault-injecting
     * decorator in tests.
     */
    public static MigrationService build(Catalog catalog, SqliteStore sqlite, Path dataRoot, MigrationStore store,
                                         WorkflowStarter workflows, MigrationOptions options,
                                         UnaryOperator<DatabaseMigrator> migrators) {
        Objects.requireNonNull(dataRoot, "dataRoot");
        Clock clock = Clock.systemUTC();
        DatabaseMigrator migrator = migrators.apply(new SqliteMigrator(sqlite, new UndoJournals(), clock));
        return new MigrationService(catalog, store, sqlite, migrator, workflows, options, clock,
                d -> Thread.sleep(d.toMillis()));
    }

    /** The task handler over shared instances, for the local runtime's Lambda front. */
    public static MigrationTaskHandler handler(Catalog catalog, SqliteStore sqlite, Path dataRoot, MigrationStore store,
                                               WorkflowStarter workflows, MigrationOptions options,
                                               UnaryOperator<DatabaseMigrator> migrators) {
        return new MigrationTaskHandler(build(catalog, sqlite, dataRoot, store, workflows, options, migrators),
                catalog::countChildren);
    }

    private static Region region(Map<String, String> env) {
        return Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
    }

    private static URI uri(String endpoint) {
        return endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint.strip());
    }

    /** The task function's starter: its steps never start or look up an execution. */
    private static final WorkflowStarter NO_WORKFLOWS = new WorkflowStarter() {
        @Override
        public void start(MigrationJob job) {
            throw new IllegalStateException("MULTIDB_STATE_MACHINE_ARN is not set: this function cannot start workflows");
        }

        @Override
        public ExecutionState describe(String jobId) {
            throw new IllegalStateException("MULTIDB_STATE_MACHINE_ARN is not set: this function cannot look up workflows");
        }

        @Override
        public void startDriftScan(String org, String schemaDb, String scanId, int maxConcurrency) {
            throw new IllegalStateException("MULTIDB_STATE_MACHINE_ARN is not set: this function cannot start workflows");
        }
    };
}
