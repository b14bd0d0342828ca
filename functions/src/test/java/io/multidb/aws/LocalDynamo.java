package io.multidb.aws;

import io.multidb.emulators.Dynalite;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** One in-memory dynalite with the metadata table, for one test class. */
final class LocalDynamo implements AutoCloseable {
    static final String TABLE = "multidb-test";

    final Dynalite dynalite;
    final DynamoDbClient client;

    private LocalDynamo(Dynalite dynalite, DynamoDbClient client) {
        this.dynalite = dynalite;
        this.client = client;
    }

    static LocalDynamo start() {
        Dynalite dynalite = Dynalite.start(null, 0);
        try {
            DynamoDbClient client = DynamoClients.create(dynalite.endpoint(), Region.US_EAST_1);
            DynamoCatalog.createTable(client, TABLE);
            return new LocalDynamo(dynalite, client);
        } catch (RuntimeException e) {
            dynalite.close();
            throw e;
        }
    }

    DynamoCatalog catalog(Clock clock, Duration lease) {
        return DynamoCatalog.builder().client(client).tableName(TABLE).clock(clock).leaseDuration(lease).build();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            dynalite.close();
        }
    }
}
