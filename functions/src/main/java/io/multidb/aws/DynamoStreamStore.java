package io.multidb.aws;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.sql.StreamStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * Open streams as items of the metadata table (docs/metadata-table.md, "Streams"):
 * {@code pk = ORG#{org}#STREAM#{id}}, {@code sk = STREAM}, with {@code seq}, the database's name and id,
 * {@code expires_at} (epoch ms, checked by the service), {@code ttl} (epoch seconds an hour after that, for
 * DynamoDB's TTL to remove abandoned streams; the table's TTL attribute must be {@code ttl}) and the compressed
 * {@code payload}. Single-item conditional writes on {@code seq} make each baton single-use; reads are strongly
 * consistent, so the instance that continues a stream sees the last write of the one before.
 */
public final class DynamoStreamStore implements StreamStore {
    /** DynamoDB items hold at most 400 KB; the rest of the item is well under 1 KB. */
    static final int MAX_PAYLOAD = 390 * 1024;
    private static final String PK = "pk";
    private static final String SK = "sk";
    private static final String SK_VALUE = "STREAM";

    private final DynamoDbClient client;
    private final String table;

    public DynamoStreamStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client);
        this.table = Objects.requireNonNull(table);
    }

    @Override
    public Optional<StoredStream> get(String org, String id) {
        GetItemResponse r = DynamoTable.call(table, "reading a stream", () -> client.getItem(b -> b.tableName(table)
                .key(key(org, id)).consistentRead(true)));
        if (!r.hasItem() || r.item().isEmpty()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = r.item();
        return Optional.of(new StoredStream(org, id, Long.parseLong(item.get("seq").n()), item.get("database").s(),
                item.get("db_id").s(), Long.parseLong(item.get("expires_at").n()),
                item.get("payload").b().asByteArray()));
    }

    @Override
    public boolean create(StoredStream s) {
        return conditional("creating a stream", () -> client.putItem(b -> b.tableName(table).item(item(s))
                .conditionExpression("attribute_not_exists(pk)"))) || alreadyWritten(s);
    }

    @Override
    public boolean replace(StoredStream next, long expectedSeq) {
        return conditional("continuing a stream", () -> client.putItem(b -> b.tableName(table).item(item(next))
                .conditionExpression("seq = :expected")
                .expressionAttributeValues(Map.of(":expected", n(expectedSeq))))) || alreadyWritten(next);
    }

    /**
     * Whether a write whose condition failed had in fact landed: the SDK retries a request whose response was
     * lost (the connection reset, the store restarting), and the retry then fails the condition its own first
     * attempt made false. Found by the soak (a dynalite restart under load answered a transaction's request 400
     * BATON_REUSED). The item is ours if it is exactly what we wrote: same sequence number, expiry (to the
     * millisecond) and state.
     */
    private boolean alreadyWritten(StoredStream s) {
        return get(s.org(), s.id())
                .filter(now -> now.seq() == s.seq() && now.expiresAtMillis() == s.expiresAtMillis()
                        && now.database().equals(s.database()) && now.databaseId().equals(s.databaseId())
                        && java.util.Arrays.equals(now.payload(), s.payload()))
                .isPresent();
    }

    @Override
    public boolean delete(String org, String id, long expectedSeq) {
        return conditional("ending a stream", () -> client.deleteItem(b -> b.tableName(table).key(key(org, id))
                .conditionExpression("seq = :expected")
                .expressionAttributeValues(Map.of(":expected", n(expectedSeq)))));
    }

    private Map<String, AttributeValue> item(StoredStream s) {
        byte[] payload = s.payload();
        if (payload.length > MAX_PAYLOAD) {
            throw new MultidbException(ErrorKind.LIMIT_EXCEEDED, "LIMIT_EXCEEDED", "This transaction's state takes "
                    + payload.length + " bytes compressed, more than the " + MAX_PAYLOAD + " a stream may store "
                    + "(its values compress poorly). It was rolled back. Send large values in one batch(), or "
                    + "commit in smaller transactions.");
        }
        Map<String, AttributeValue> item = new HashMap<>(key(s.org(), s.id()));
        item.put("type", AttributeValue.fromS("stream"));
        item.put("seq", n(s.seq()));
        item.put("database", AttributeValue.fromS(s.database()));
        item.put("db_id", AttributeValue.fromS(s.databaseId()));
        item.put("expires_at", n(s.expiresAtMillis()));
        item.put("ttl", n(s.expiresAtMillis() / 1000 + 3600));
        item.put("payload", AttributeValue.fromB(SdkBytes.fromByteArray(payload)));
        return item;
    }

    private static Map<String, AttributeValue> key(String org, String id) {
        return Map.of(PK, AttributeValue.fromS("ORG#" + org + "#STREAM#" + id), SK, AttributeValue.fromS(SK_VALUE));
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    private boolean conditional(String what, Runnable op) {
        try {
            DynamoTable.call(table, what, () -> {
                op.run();
                return null;
            });
            return true;
        } catch (MultidbException e) {
            if (e.getCause() instanceof ConditionalCheckFailedException) {
                return false;
            }
            throw e;
        }
    }
}
