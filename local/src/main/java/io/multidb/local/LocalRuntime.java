package io.multidb.local;

import io.multidb.api.ApiHandler;
import io.multidb.api.Services;
import io.multidb.api.Wiring;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.MigrationJob;
import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.emulators.StepFunctionsLocal;
import io.multidb.local.lambda.LambdaInvokeFront;
import io.multidb.tasks.TaskWiring;
import java.util.HashMap;
import software.amazon.awssdk.regions.Region;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

/**
 * The local runtime: everything {@code bin/multidb-local} starts, in one process, stopped together.
 *
 * <p>Every resource started is {@link #register registered}; {@link #close()} (called by the shutdown hook on
 * Ctrl-C or SIGTERM) closes them in reverse order, so the HTTP front stops before what the handler uses.
 */
public final class LocalRuntime implements AutoCloseable {
    private final LocalConfig config;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final PrintStream log;
    private boolean closing;
    private ApiGatewayFront front;
    private StepFunctionsLocal stepFunctions;
    private Thread recovery;
    private URI dynamoEndpoint;
    private SupervisedDynalite dynalite;

    LocalRuntime(LocalConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    /** Starts the handler's dependencies and the HTTP front; on failure stops what was already started. */
    public static LocalRuntime start(LocalConfig config) throws Exception {
        return start(config, UnaryOperator.identity());
    }

    /**
     * The same, with the per-database migrator of this runtime's handlers wrapped: tests start runtimes with and
     * without injected failures in one JVM (the production path has no fault hooks).
     */
    public static LocalRuntime start(LocalConfig config, UnaryOperator<DatabaseMigrator> migrators) throws Exception {
        LocalRuntime runtime = new LocalRuntime(config, System.err);
        try {
            Services services = buildServices(config, runtime, migrators);
            runtime.front = runtime.register(
                    ApiGatewayFront.start(new ApiHandler(services), ApiGatewayFront.Options.onPort(config.port())));
            runtime.recovery = recoverAbandonedJobs(services, runtime.log);
            return runtime;
        } catch (Exception | Error e) {
            runtime.close();
            throw e;
        }
    }

    /**
     * Ends the migrations whose workflow died with an earlier run of this runtime (killed, or the machine stopped):
     * the engine here forgets its executions, so they would hold their families' locks forever. In the background,
     * right after start: each such job is finished the way its workflow would have (undone, or completed if its
     * parent was already changed) within seconds.
     */
    private static Thread recoverAbandonedJobs(Services services, PrintStream log) {
        Thread t = new Thread(() -> {
            try {
                for (MigrationJob j : services.migrations().recoverAbandoned(services.org())) {
                    log.println("multidb-local: migration job " + j.id() + " of " + j.schemaDb()
                            + " was left running by an earlier run: ended as " + j.status().wire());
                }
            } catch (RuntimeException e) {
                log.println("multidb-local: could not end the migrations left running by an earlier run (" + e.getMessage()
                        + "): POST .../migrations/unlock ends them");
            }
        }, "multidb-local-recovery");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for the start-up recovery of abandoned migrations (tests). */
    public void awaitRecovery() throws InterruptedException {
        if (recovery != null) {
            recovery.join();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // WIRING: the emulators, then the same handlers as in Lambda, built from the same environment variables and
    // reaching the emulators the way they reach AWS (SDK clients with endpoint overrides). No "if local" inside.
    // ---------------------------------------------------------------------------------------------------------
    /** The name the task function has here; the ASL's ${MigrationTaskFunctionArn} becomes its ARN. */
    static final String TASK_FUNCTION = "multidb-migration-tasks";
    static final String STATE_MACHINE = "schema-migration";

    static Services buildServices(LocalConfig config, LocalRuntime runtime, UnaryOperator<DatabaseMigrator> migrators)
            throws Exception {
        Path data = config.dataDir();
        // Executions of the workflow engine started below are all it will know: earlier ones died with their runtime.
        java.time.Instant startedAt = java.time.Instant.now();
        SupervisedDynalite dynalite = runtime.register(SupervisedDynalite.start(data.resolve("dynalite"), runtime.log));
        runtime.dynalite = dynalite;
        Map<String, String> env = new HashMap<>();
        env.put("MULTIDB_DATA_ROOT", data.resolve("sqlite").toString());
        env.put("MULTIDB_TABLE", "multidb");
        env.put("MULTIDB_DYNAMODB_ENDPOINT", dynalite.endpoint().toString());
        env.put("MULTIDB_ORG", config.org());
        env.put("MULTIDB_ADMIN_TOKEN", config.adminToken());
        env.put("AWS_REGION", "us-east-1");
        try (var dynamo = DynamoClients.create(dynalite.endpoint(), Region.US_EAST_1)) {
            DynamoCatalog.createTable(dynamo, "multidb");
        }
        // The task function, behind Lambda's Invoke API; the workflow engine calls it.
        LambdaInvokeFront lambda = runtime.register(LambdaInvokeFront.builder()
                .mapFunction(TASK_FUNCTION, TaskWiring.handlerFromEnvironment(env, migrators))
                .start());
        StepFunctionsLocal sfn = runtime.register(StepFunctionsLocal.builder()
                .stateMachine(STATE_MACHINE, home().resolve("statemachines/schema-migration.asl.json"))
                .substitution(StepFunctionsLocal.MIGRATION_TASK_FUNCTION_ARN, lambda.functionArn(TASK_FUNCTION))
                .lambdaEndpoint(lambda.endpoint())
                .start());
        runtime.stepFunctions = sfn;
        env.put("MULTIDB_STATE_MACHINE_ARN", sfn.stateMachineArn(STATE_MACHINE));
        env.put("MULTIDB_SFN_ENDPOINT", sfn.endpoint().toString());
        env.put("MULTIDB_SFN_STARTED_AT", startedAt.toString());
        runtime.dynamoEndpoint = dynalite.endpoint();
        return Wiring.fromEnvironment(env, migrators);
    }

    /** The repository root (bin/multidb-local passes it as -Dmultidb.home): where node_modules/ is. */
    public static Path home() {
        String home = System.getProperty("multidb.home");
        return home != null ? Path.of(home).toAbsolutePath() : StepFunctionsLocal.repositoryRoot();
    }

    /** Adds a resource to close (in reverse order of registration) when the runtime stops. */
    public synchronized <T extends AutoCloseable> T register(T resource) {
        if (closing) {
            closeQuietly(resource);
            throw new IllegalStateException("the local runtime is stopping");
        }
        resources.push(resource);
        return resource;
    }

    public LocalConfig config() {
        return config;
    }

    public int port() {
        return front.port();
    }

    public URI baseUri() {
        return front.baseUri();
    }

    /** The local Step Functions service the API handler starts executions on (tests read their histories). */
    public StepFunctionsLocal stepFunctions() {
        return stepFunctions;
    }

    /** The local DynamoDB (dynalite) the handlers use: for tools that read the metadata (the benchmarks). */
    public URI dynamoEndpoint() {
        return dynamoEndpoint;
    }

    /** The running dynalite process (a child of this JVM, started again if it exits): for the restart tests. */
    public long dynalitePid() {
        return dynalite.pid();
    }

    /** How many times dynalite exited by itself and was started again. */
    public int dynaliteRestarts() {
        return dynalite.restarts();
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    /** Closes every registered resource, newest first; safe to call more than once and from a shutdown hook. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            AutoCloseable resource;
            while ((resource = poll()) != null) {
                closeQuietly(resource);
            }
        } finally {
            closed.countDown();
        }
    }

    private synchronized AutoCloseable poll() {
        return resources.poll();
    }

    private void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // Keep stopping the others: one that fails to stop must not leave the rest running.
            log.println("multidb-local: failed to stop " + resource + ":");
            e.printStackTrace(log);
        }
    }

    public static void main(String[] args) throws Exception {
        run(args, UnaryOperator.identity());
    }

    /** bin/multidb-local's main, with the migrator wrapped (a test main injects failures through it). */
    public static void run(String[] args, UnaryOperator<DatabaseMigrator> migrators) throws Exception {
        LocalConfig config;
        try {
            LocalConfig.Flags flags = LocalConfig.parseFlags(args);
            if (flags.help()) {
                System.out.println(LocalConfig.USAGE);
                return;
            }
            config = LocalConfig.load(flags, System.getenv());
        } catch (LocalConfig.UsageException e) {
            System.err.println("multidb-local: " + e.getMessage());
            System.err.println(LocalConfig.USAGE);
            System.exit(2);
            return;
        }
        LocalRuntime runtime;
        try {
            runtime = start(config, migrators);
        } catch (BindException e) {
            System.err.println("multidb-local: cannot listen on 127.0.0.1:" + config.port() + " (" + e.getMessage()
                    + "): stop what uses it or pass --port N");
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "multidb-local-shutdown"));
        System.out.println(banner(runtime));
        System.out.flush();
        runtime.awaitClose();
    }

    static String banner(LocalRuntime runtime) {
        LocalConfig config = runtime.config();
        String token = switch (config.adminTokenSource()) {
            case ENVIRONMENT -> "from " + LocalConfig.TOKEN_ENV;
            case FILE -> config.adminToken() + " (kept in " + config.adminTokenFile() + ")";
            case GENERATED -> config.adminToken() + " (new; kept in " + config.adminTokenFile() + ")";
        };
        return "multidb local runtime on " + runtime.baseUri() + "\n"
                + "  organization:   " + config.org() + "\n"
                + "  data directory: " + config.dataDir() + "\n"
                + "  admin token:    " + token + "\n"
                + "  platform API:   createClient({ org: \"" + config.org() + "\", token, baseUrl: \""
                + runtime.baseUri() + "v1/\" })\n"
                + "  console:        " + runtime.baseUri() + "console (sign in with the admin token or a group token)\n"
                + "Ctrl-C stops it.";
    }
}
