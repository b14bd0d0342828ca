package io.multidb.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * How every SDK client here is built: the url-connection HTTP client (no Netty, no Apache: light to load in
 * Lambda), short timeouts, and for an emulator's endpoint (dynalite, the local Step Functions service) static dummy
 * credentials; for AWS itself (no override) the default provider chain, i.e. the function's role.
 */
final class AwsClients {
    private AwsClients() {
    }

    static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, URI endpointOverride, Region region, Duration socketTimeout) {
        builder.region(region)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(socketTimeout));
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create("multidb-local", "multidb-local")));
        }
        return builder.build();
    }
}
