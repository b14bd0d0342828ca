package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.sql.StreamStore;
import io.multidb.sql.StreamStoreContract;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The stream store contract against dynalite, plus what only the DynamoDB adapter does. */
class DynamoStreamStoreTest extends StreamStoreContract {
    private static LocalDynamo dynamo;
    private static DynamoStreamStore store;

    @BeforeAll
    static void startDynalite() {
        dynamo = LocalDynamo.start();
        store = new DynamoStreamStore(dynamo.client, LocalDynamo.TABLE);
    }

    @AfterAll
    static void stopDynalite() {
        dynamo.close();
    }

    @Override
    protected StreamStore store() {
        return store;
    }

    @Test
    void theItemHasTheDocumentedKeyAndATtlForAbandonedStreams() {
        store.create(new StreamStore.StoredStream(org, "abc", 1, "db1", "id-1", 1_700_000_000_000L, new byte[] {7}));
        Map<String, AttributeValue> item = dynamo.client.getItem(b -> b.tableName(LocalDynamo.TABLE)
                .key(Map.of("pk", AttributeValue.fromS("ORG#" + org + "#STREAM#abc"),
                        "sk", AttributeValue.fromS("STREAM")))).item();
        assertThat(item.get("type").s()).isEqualTo("stream");
        assertThat(item.get("ttl").n()).isEqualTo(Long.toString(1_700_000_000L + 3600));
        assertThat(item.get("expires_at").n()).isEqualTo("1700000000000");
    }

    @Test
    void aConditionalWriteRetriedAfterItLandedIsNotAConflict() {
        // The SDK retries a request whose response was lost (the connection reset, dynalite restarting): the
        // retry finds the condition made false by its own first attempt. Sending the same write twice is that.
        var first = new StreamStore.StoredStream(org, "retried", 1, "db1", "id-1", 1_700_000_000_000L, new byte[] {1});
        assertThat(store.create(first)).isTrue();
        assertThat(store.create(first)).as("the same create again").isTrue();
        var next = new StreamStore.StoredStream(org, "retried", 2, "db1", "id-1", 1_700_000_030_000L, new byte[] {2});
        assertThat(store.replace(next, 1)).isTrue();
        assertThat(store.replace(next, 1)).as("the same replace again").isTrue();
        assertThat(store.get(org, "retried")).hasValueSatisfying(s -> assertThat(s.seq()).isEqualTo(2));

        // Another write with the same stale expectation is still refused: only our own landed write counts.
        var other = new StreamStore.StoredStream(org, "retried", 2, "db1", "id-1", 1_700_000_030_001L, new byte[] {2});
        assertThat(store.replace(other, 1)).isFalse();
        var otherState = new StreamStore.StoredStream(org, "retried", 2, "db1", "id-1", 1_700_000_030_000L, new byte[] {3});
        assertThat(store.replace(otherState, 1)).isFalse();
        assertThat(store.create(new StreamStore.StoredStream(org, "retried", 1, "db1", "id-1", 1_700_000_000_000L,
                new byte[] {9}))).isFalse();
    }

    @Test
    void aPayloadTooLargeForAnItemIsALimitNotAStoreFailure() {
        byte[] big = new byte[DynamoStreamStore.MAX_PAYLOAD + 1];
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> store.create(
                new StreamStore.StoredStream(org, "big", 1, "db1", "id-1", 1L, big)));
        assertThat(e.kind()).isEqualTo(ErrorKind.LIMIT_EXCEEDED);
        assertThat(store.get(org, "big")).isEmpty();
    }

    @Test
    void anUnreachableStoreIsUnavailable() {
        DynamoStreamStore missingTable = new DynamoStreamStore(dynamo.client, "no-such-table");
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> missingTable.get(org, "x"));
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    }
}
