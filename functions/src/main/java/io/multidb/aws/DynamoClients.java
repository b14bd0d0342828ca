package io.multidb.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Builds the DynamoDB client: once per process (a Lambda container, the local runtime, a test class). */
public final class DynamoClients {
    private DynamoClients() {
    }

    /**
     * @param endpointOverride an emulator's endpoint (dynalite), which gets static dummy credentials; null for
     *                         AWS itself, with the default credentials provider chain (the Lambda role)
     */
    public static DynamoDbClient create(URI endpointOverride, Region region) {
        return AwsClients.build(DynamoDbClient.builder(), endpointOverride, region, Duration.ofSeconds(10));
    }
}
