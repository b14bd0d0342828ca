package io.multidb.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.WorkflowStarter;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.InvalidArnException;
import software.amazon.awssdk.services.sfn.model.StateMachineDoesNotExistException;

/**
 * The {@link WorkflowStarter} on Step Functions (in AWS, or the local runtime's service through an endpoint
 * override): StartExecution of the schema-migration state machine named after the job id, with the input
 * {@code {"org", "job_id", "max_concurrency"}}; DescribeExecution of the execution of that name.
 *
 * <p>A start whose name is taken is refused by the engine. If the execution under that name has this very input,
 * it is this job's (the SDK retried a start whose answer was lost), and the start counts as done; otherwise
 * CONFLICT. Every other SDK failure is UNAVAILABLE.
 */
public final class SfnWorkflowStarter implements WorkflowStarter, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATE_MACHINE_ARN =
            Pattern.compile("arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}");

    private final SfnClient client;
    private final boolean ownsClient;
    private final String stateMachineArn;
    private final java.time.Instant knowsExecutionsSince;

    private SfnWorkflowStarter(Builder b) {
        this.stateMachineArn = Objects.requireNonNull(b.stateMachineArn, "stateMachineArn");
        this.knowsExecutionsSince = b.knowsExecutionsSince;
        if (!STATE_MACHINE_ARN.matcher(stateMachineArn).matches()) {
            throw new IllegalArgumentException("not a state machine ARN: " + stateMachineArn);
        }
        if (b.client != null) {
            this.client = b.client;
            this.ownsClient = false;
        } else {
            this.client = createClient(b.endpoint, b.region);
            this.ownsClient = true;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private java.time.Instant knowsExecutionsSince = java.time.Instant.MIN;
        private SfnClient client;
        private URI endpoint;
        private Region region = Region.US_EAST_1;
        private String stateMachineArn;

        private Builder() {
        }

        /** The schema-migration state machine. */
        public Builder stateMachineArn(String stateMachineArn) {
            this.stateMachineArn = stateMachineArn;
            return this;
        }

        /** A client to use (and not close); otherwise one is built once from endpoint and region. */
        public Builder client(SfnClient client) {
            this.client = client;
            return this;
        }

        /** The local Step Functions service; null (the default) for AWS. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /**
         * For an engine that forgets its executions when it stops (the local runtime's): when this one started.
         * Step Functions itself never forgets a running execution (the default).
         */
        public Builder knowsExecutionsSince(java.time.Instant since) {
            this.knowsExecutionsSince = Objects.requireNonNull(since);
            return this;
        }

        public Builder region(Region region) {
            this.region = Objects.requireNonNull(region);
            return this;
        }

        public SfnWorkflowStarter build() {
            return new SfnWorkflowStarter(this);
        }
    }

    /**
     * @param endpointOverride the local service's endpoint, which gets static dummy credentials; null for AWS
     *                         itself, with the default credentials provider chain
     */
    public static SfnClient createClient(URI endpointOverride, Region region) {
        return AwsClients.build(SfnClient.builder(), endpointOverride, region, Duration.ofSeconds(10));
    }

    public String stateMachineArn() {
        return stateMachineArn;
    }

    /** The ARN Step Functions gives the execution named {@code jobId} of this (standard) state machine. */
    public String executionArn(String jobId) {
        if (!MigrationJob.isValidId(jobId)) {
            throw new IllegalArgumentException("not a migration job id");
        }
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + jobId;
    }

    /** The execution's input, as the port defines it. */
    static String input(MigrationJob job) {
        ObjectNode input = JSON.createObjectNode()
                .put("org", job.org())
                .put("job_id", job.id())
                .put("max_concurrency", job.maxConcurrency());
        return input.toString();
    }

    @Override
    public void start(MigrationJob job) {
        startExecution(job.id(), input(job), "job");
    }

    /** The drift scan's input: the same state machine routes on {@code kind} (its first state). */
    static String driftInput(String org, String schemaDb, String scanId, int maxConcurrency) {
        return JSON.createObjectNode()
                .put("kind", "drift_scan")
                .put("org", org)
                .put("schema_database", schemaDb)
                .put("scan_id", scanId)
                .put("max_concurrency", maxConcurrency)
                .toString();
    }

    @Override
    public void startDriftScan(String org, String schemaDb, String scanId, int maxConcurrency) {
        executionArn(scanId); // checks the name
        startExecution(scanId, driftInput(org, schemaDb, scanId, maxConcurrency), "drift scan");
    }

    private void startExecution(String name, String input, String what) {
        try {
            client.startExecution(b -> b.stateMachineArn(stateMachineArn).name(name).input(input));
        } catch (ExecutionAlreadyExistsException e) {
            if (!sameInput(name, input)) {
                throw new MultidbException(ErrorKind.CONFLICT, null, "a workflow execution named " + name
                        + " already exists with another input", e);
            }
        } catch (StateMachineDoesNotExistException | InvalidArnException e) {
            throw MultidbException.unavailable("the migration workflow " + stateMachineArn
                    + " does not exist: fix the configuration (MULTIDB_STATE_MACHINE_ARN)", e);
        } catch (SdkException e) {
            throw MultidbException.unavailable("the workflow engine is unavailable (starting " + what + " " + name
                    + "); try again", e);
        }
    }

    private boolean sameInput(String jobId, String input) {
        DescribeExecutionResponse existing = describeExecution(jobId);
        if (existing == null || existing.input() == null) {
            return false;
        }
        try {
            JsonNode theirs = JSON.readTree(existing.input());
            return theirs.equals(JSON.readTree(input));
        } catch (IOException notJson) {
            return false;
        }
    }

    @Override
    public java.time.Instant knowsExecutionsSince() {
        return knowsExecutionsSince;
    }

    @Override
    public ExecutionState describe(String jobId) {
        DescribeExecutionResponse d = describeExecution(jobId);
        if (d == null) {
            return ExecutionState.NOT_FOUND;
        }
        if (d.status() == null) {
            return ExecutionState.RUNNING; // no status: not known to have ended
        }
        return switch (d.status()) {
            case SUCCEEDED -> ExecutionState.SUCCEEDED;
            case FAILED -> ExecutionState.FAILED;
            case TIMED_OUT -> ExecutionState.TIMED_OUT;
            case ABORTED -> ExecutionState.ABORTED;
            // PENDING_REDRIVE runs again; a status this SDK does not know may still be running: never treat as ended.
            case RUNNING, PENDING_REDRIVE, UNKNOWN_TO_SDK_VERSION -> ExecutionState.RUNNING;
        };
    }

    /** Null when the engine has no execution of that name (never started, or past its retention). */
    private DescribeExecutionResponse describeExecution(String jobId) {
        String arn = executionArn(jobId);
        try {
            return client.describeExecution(b -> b.executionArn(arn));
        } catch (ExecutionDoesNotExistException e) {
            return null;
        } catch (SdkException e) {
            throw MultidbException.unavailable("the workflow engine is unavailable (describing job " + jobId
                    + "); try again", e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
