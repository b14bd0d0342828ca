package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The batch helpers on a real dynalite: many keys in several requests at once, each item once. */
class DynamoTableTest {
    private static LocalDynamo dynamo;

    @BeforeAll
    static void start() {
        dynamo = LocalDynamo.start();
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) {
            dynamo.close();
        }
    }

    private static Map<String, AttributeValue> key(int i) {
        return Map.of(CatalogItems.PK, AttributeValue.fromS("T#batch"), CatalogItems.SK, AttributeValue.fromS("K#" + i));
    }

    @Test
    void aBatchGetOfMoreKeysThanOneRequestTakesFindsEachItemOnce() {
        int n = DynamoTable.BATCH_GET_LIMIT * DynamoTable.PARALLEL_GETS + 37; // more chunks than workers
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, AttributeValue> item = new HashMap<>(key(i));
            item.put("n", AttributeValue.fromN(Integer.toString(i)));
            items.add(item);
        }
        DynamoTable.batchPut(dynamo.client, LocalDynamo.TABLE, "test items", items);

        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (int i = 0; i < n + 5; i++) {
            keys.add(key(i)); // 5 that do not exist
        }
        keys.add(key(3)); // and one twice
        List<Map<String, AttributeValue>> found = DynamoTable.batchGet(dynamo.client, LocalDynamo.TABLE, "test", keys);

        assertThat(found).hasSize(n);
        assertThat(found.stream().map(i -> Integer.parseInt(i.get("n").n())).sorted().toList())
                .isEqualTo(java.util.stream.IntStream.range(0, n).boxed().toList());
        assertThat(DynamoTable.batchGet(dynamo.client, LocalDynamo.TABLE, "test", List.of())).isEmpty();
    }
}
