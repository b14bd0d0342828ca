package io.multidb.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/** Builds the DynamoDB client: once per process (a Lambda container, the local runtime, a test class). */
public final class DynamoClients {
    private DynamoClients() {
    }

    /**
     * @param endpointOverride an emulator's endpoint (dynalite), which gets static dummy credentials; null for
     *                         AWS itself, with the default credentials provider chain (the Lambda role)
     */
    public static DynamoDbClient create(URI endpointOverride, Region region) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .region(region)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(10)));
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create("multidb-local", "multidb-local")));
        }
        return builder.build();
    }
}
