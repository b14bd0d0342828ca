package io.multidb.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/** Builds the DynamoDB client: once per process (a Lambda container, the local runtime, a test class). */
public final class DynamoClients {
    /**
     * For an emulator (dynalite): up to 16 attempts, exponential backoff from 50 ms capped at 1 s with half jitter
     * (about 6-11 s in all, under API Gateway's 30 s), and no retry quota. The local runtime serves every request
     * through one client; when dynalite restarts (1-2 s: the runtime starts it again if it exits), the SDK's
     * default strategy gives up within a few hundred milliseconds and its retry quota, shared by all concurrent
     * requests, drains at once, so requests answered 503 instead of waiting a second (found by the soak). In AWS
     * (one request at a time per Lambda instance, DynamoDB itself behind the endpoint) the SDK's defaults stay.
     */
    static final RetryStrategy EMULATOR_RETRIES = AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(16)
            .backoffStrategy(BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(50), Duration.ofSeconds(1)))
            .circuitBreakerEnabled(false)
            .build();

    private DynamoClients() {
    }

    /**
     * @param endpointOverride an emulator's endpoint (dynalite), which gets static dummy credentials and
     *                         {@link #EMULATOR_RETRIES}; null for AWS itself, with the default credentials provider
     *                         chain (the Lambda role)
     */
    public static DynamoDbClient create(URI endpointOverride, Region region) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder();
        if (endpointOverride != null) {
            builder.overrideConfiguration(c -> c.retryStrategy(EMULATOR_RETRIES));
        }
        return AwsClients.build(builder, endpointOverride, region, Duration.ofSeconds(10));
    }
}
