package io.multidb.local;

import io.multidb.api.ApiHandler;
import io.multidb.api.Wiring;
import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.emulators.StepFunctionsLocal;
import io.multidb.local.lambda.LambdaInvokeFront;
import io.multidb.tasks.MigrationTaskHandler;
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
    private URI dynamoEndpoint;
    private SupervisedDynalite dynalite;

    LocalRuntime(LocalConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    /** Starts the handler's dependencies and the HTTP front; on failure stops what was already started. */
    public static LocalRuntime start(LocalConfig config) throws Exception {
        return start(config, Map.of());
    }

    /**
     * The same, with migration fault hooks for the handlers of this runtime only ({@code MULTIDB_FAULT_*}, see
     * {@code io.multidb.migrations.MigrationFaults}), over those copied from this process's environment: tests
     * start runtimes with and without a fault in one JVM.
     */
    public static LocalRuntime start(LocalConfig config, Map<String, String> faults) throws Exception {
        faults.keySet().forEach(k -> {
            if (!k.startsWith(FAULT_PREFIX)) {
                throw new IllegalArgumentException(k + " is not a fault hook (" + FAULT_PREFIX + "*)");
            }
        });
        LocalRuntime runtime = new LocalRuntime(config, System.err);
        try {
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = buildHandler(config, runtime, faults);
            runtime.front = runtime.register(
                    ApiGatewayFront.start(handler, ApiGatewayFront.Options.onPort(config.port())));
            return runtime;
        } catch (Exception | Error e) {
            runtime.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // WIRING: the emulators, then the same handlers as in Lambda, built from the same environment variables and
    // reaching the emulators the way they reach AWS (SDK clients with endpoint overrides). No "if local" inside.
    // ---------------------------------------------------------------------------------------------------------
    /** The name the task function has here; the ASL's ${MigrationTaskFunctionArn} becomes its ARN. */
    static final String TASK_FUNCTION = "multidb-migration-tasks";
    static final String STATE_MACHINE = "schema-migration";

    static RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> buildHandler(
            LocalConfig config, LocalRuntime runtime, Map<String, String> faults) throws Exception {
        Path data = config.dataDir();
        SupervisedDynalite dynalite = runtime.register(SupervisedDynalite.start(data.resolve("dynalite"), runtime.log));
        runtime.dynalite = dynalite;
        Map<String, String> env = new HashMap<>();
        env.put("MULTIDB_DATA_ROOT", data.resolve("sqlite").toString());
        env.put("MULTIDB_TABLE", "multidb");
        env.put("MULTIDB_DYNAMODB_ENDPOINT", dynalite.endpoint().toString());
        env.put("MULTIDB_ORG", config.org());
        env.put("MULTIDB_ADMIN_TOKEN", config.adminToken());
        env.put("AWS_REGION", "us-east-1");
        copyFaults(env);
        env.putAll(faults);
        try (var dynamo = DynamoClients.create(dynalite.endpoint(), Region.US_EAST_1)) {
            DynamoCatalog.createTable(dynamo, "multidb");
        }
        // The task function, behind Lambda's Invoke API; the workflow engine calls it.
        LambdaInvokeFront lambda = runtime.register(LambdaInvokeFront.builder()
                .mapFunction(TASK_FUNCTION, new MigrationTaskHandler(TaskWiring.fromEnvironment(env)))
                .start());
        StepFunctionsLocal sfn = runtime.register(StepFunctionsLocal.builder()
                .stateMachine(STATE_MACHINE, home().resolve("statemachines/schema-migration.asl.json"))
                .substitution(StepFunctionsLocal.MIGRATION_TASK_FUNCTION_ARN, lambda.functionArn(TASK_FUNCTION))
                .lambdaEndpoint(lambda.endpoint())
                .start());
        runtime.stepFunctions = sfn;
        env.put("MULTIDB_STATE_MACHINE_ARN", sfn.stateMachineArn(STATE_MACHINE));
        env.put("MULTIDB_SFN_ENDPOINT", sfn.endpoint().toString());
        runtime.dynamoEndpoint = dynalite.endpoint();
        return new ApiHandler(Wiring.fromEnvironment(env));
    }

    private static final String FAULT_PREFIX = "MULTIDB_FAULT_";

    /** Passes the migration fault hooks (tests) from this process's environment to the handlers. */
    private static void copyFaults(Map<String, String> env) {
        System.getenv().forEach((k, v) -> {
            if (k.startsWith(FAULT_PREFIX)) {
                env.put(k, v);
            }
        });
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
            runtime = start(config);
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
                + "Ctrl-C stops it.";
    }
}
