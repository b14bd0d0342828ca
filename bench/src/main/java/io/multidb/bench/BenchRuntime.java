package io.multidb.bench;

import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import java.net.URI;
import java.nio.file.Path;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The local runtime the scenarios drive, started in this JVM exactly as bin/multidb-local starts it (dynalite, the
 * local Step Functions running the real ASL, the task function behind Lambda's Invoke API, the API handler behind
 * the API Gateway-shaped front), on a free port and a fresh data directory.
 */
final class BenchRuntime implements AutoCloseable {
    static final String ORG = "local";

    final LocalRuntime runtime;
    final Path dataDir;
    final String adminToken;
    final SfnClient sfn;

    private BenchRuntime(LocalRuntime runtime, Path dataDir, String adminToken, SfnClient sfn) {
        this.runtime = runtime;
        this.dataDir = dataDir;
        this.adminToken = adminToken;
        this.sfn = sfn;
    }

    static BenchRuntime start(Path dataDir) throws Exception {
        String token = "bench-" + UUID.randomUUID();
        LocalConfig config = new LocalConfig(0, dataDir, ORG, token, LocalConfig.TokenSource.ENVIRONMENT);
        LocalRuntime runtime = LocalRuntime.start(config);
        SfnClient sfn = SfnClient.builder()
                .endpointOverride(runtime.stepFunctions().endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        return new BenchRuntime(runtime, dataDir, token, sfn);
    }

    int port() {
        return runtime.port();
    }

    URI dynamoEndpoint() {
        return runtime.dynamoEndpoint();
    }

    /** Where the API's SqliteStore keeps the files (MULTIDB_DATA_ROOT). */
    Path sqliteRoot() {
        return dataDir.resolve("sqlite");
    }

    Path databaseFile(String name) {
        return sqliteRoot().resolve("databases").resolve(name + ".db");
    }

    Api admin() {
        return new Api(port(), adminToken, ORG);
    }

    @Override
    public void close() {
        sfn.close();
        runtime.close();
    }
}
