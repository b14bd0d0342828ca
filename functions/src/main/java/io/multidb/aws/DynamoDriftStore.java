package io.multidb.aws;

import static io.multidb.aws.CatalogItems.PK;
import static io.multidb.aws.CatalogItems.SK;
import static io.multidb.aws.CatalogItems.STATUS;
import static io.multidb.aws.CatalogItems.s;

import io.multidb.common.MultidbException;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftResult;
import io.multidb.drift.DriftStore;
import io.multidb.drift.ScanStatus;
import io.multidb.migrations.Page;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The {@link DriftStore} in the catalog's DynamoDB table ({@link DriftItems} has the keys): the latest header per
 * schema database at a fixed key, written with single-item conditional puts (a new scan only where none runs, an
 * update only of the same running scan); per scan, one item per batch for the names and one for the result, read
 * consistently. Every SDK failure becomes a {@link MultidbException} (UNAVAILABLE).
 */
public final class DynamoDriftStore implements DriftStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDriftStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public boolean startReport(DriftReport report, String replacing) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":running", s(ScanStatus.RUNNING.wire()));
        String condition = "attribute_not_exists(#pk) OR #status <> :running";
        if (replacing != null) {
            condition += " OR #scan = :replacing";
            values.put(":replacing", s(DriftItems.scanId(replacing)));
        }
        return putIf("starting drift scan " + report.scanId(), DriftItems.reportItem(report), condition, values);
    }

    @Override
    public Optional<DriftReport> latest(String org, String schemaDb) {
        Map<String, AttributeValue> key = DriftItems.reportKey(org, schemaDb);
        return Optional.ofNullable(call("reading the drift report of " + schemaDb, () -> {
            var r = client.getItem(b -> b.tableName(table).key(key).consistentRead(true));
            return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
        })).map(DriftItems::toReport);
    }

    @Override
    public boolean updateReport(DriftReport report) {
        return putIf("recording drift scan " + report.scanId(), DriftItems.reportItem(report),
                "#scan = :scan AND #status = :running",
                Map.of(":scan", s(report.scanId()), ":running", s(ScanStatus.RUNNING.wire())));
    }

    @Override
    public void putBatchNames(String scanId, List<List<String>> batches) {
        List<Map<String, AttributeValue>> items = new ArrayList<>(batches.size());
        for (int i = 0; i < batches.size(); i++) {
            items.add(DriftItems.namesItem(scanId, i, batches.get(i)));
        }
        DynamoTable.batchPut(client, table, "recording the batches of drift scan " + scanId, items);
    }

    @Override
    public Optional<List<String>> batchNames(String scanId, int batch) {
        Map<String, AttributeValue> key = DriftItems.namesKey(scanId, batch);
        return Optional.ofNullable(call("reading batch " + batch + " of drift scan " + scanId, () -> {
            var r = client.getItem(b -> b.tableName(table).key(key).consistentRead(true));
            return r.hasItem() && !r.item().isEmpty() ? r.item() : null;
        })).map(DriftItems::toNames);
    }

    @Override
    public void putResult(DriftResult result) {
        Map<String, AttributeValue> item = DriftItems.resultItem(result);
        call("recording batch " + result.batch() + " of drift scan " + result.scanId(),
                () -> client.putItem(b -> b.tableName(table).item(item)));
    }

    @Override
    public Page<DriftResult> results(String scanId, Integer afterBatch, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        String what = "reading the results of drift scan " + scanId;
        List<DriftResult> found = new ArrayList<>();
        Map<String, AttributeValue> start = afterBatch == null ? null : DriftItems.resultKey(scanId, afterBatch);
        do {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                    .expressionAttributeValues(Map.of(":pk", s(DriftItems.scanPk(scanId)),
                            ":prefix", s(DriftItems.RESULT_PREFIX)))
                    .limit(limit + 1 - found.size());
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse page = call(what, () -> client.query(request.build()));
            page.items().forEach(i -> found.add(DriftItems.toResult(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && found.size() <= limit);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<DriftResult> items = found.subList(0, limit);
        return new Page<>(items, Integer.toString(items.get(limit - 1).batch()));
    }

    private boolean putIf(String what, Map<String, AttributeValue> item, String condition,
                          Map<String, AttributeValue> values) {
        Map<String, String> names = new HashMap<>();
        names.put("#status", STATUS);
        if (condition.contains("#pk")) {
            names.put("#pk", PK);
        }
        if (condition.contains("#scan")) {
            names.put("#scan", DriftItems.SCAN_ID);
        }
        PutItemRequest request = PutItemRequest.builder().tableName(table).item(item).conditionExpression(condition)
                .expressionAttributeNames(names).expressionAttributeValues(values).build();
        return call(what, () -> {
            try {
                client.putItem(request);
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    private <T> T call(String what, java.util.function.Supplier<T> op) {
        return DynamoTable.call(table, what, op);
    }
}
