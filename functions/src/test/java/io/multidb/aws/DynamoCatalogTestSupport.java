package io.multidb.aws;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Raw reads of the metadata table, bypassing the catalog, to check what it wrote. */
final class DynamoCatalogTestSupport {
    private DynamoCatalogTestSupport() {
    }

    /** Every item of a partition, read consistently. */
    static List<Map<String, AttributeValue>> query(LocalDynamo dynamo, String pk) {
        return dynamo.client.queryPaginator(b -> b.tableName(LocalDynamo.TABLE).consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", CatalogItems.s(pk))))
                .items().stream().toList();
    }
}
