package io.multidb.aws;

import io.multidb.auth.Scope;
import io.multidb.auth.TokenGenerations;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Token rotation counters in the metadata table: one item per database or group,
 * {@code pk = ORG#{org}}, {@code sk = TOKENGEN#DB#{name}} or {@code TOKENGEN#GROUP#{name}}, attribute
 * {@code token_generation} (N). Separate from the catalog's {@code DB#}/{@code GROUP#} items (whose queries match
 * by those prefixes and never see these), so a rotation never contends with a catalog write, and never deleted,
 * so a name re-created later does not start again at a generation old tokens carry.
 */
public final class DynamoTokenGenerations implements TokenGenerations {
    static final String GENERATION = "token_generation";
    static final String TYPE_TOKEN_GENERATION = "token_generation";
    static final String PREFIX = "TOKENGEN#";

    private final DynamoDbClient client;
    private final String table;

    public DynamoTokenGenerations(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client);
        this.table = Objects.requireNonNull(table);
    }

    static Map<String, AttributeValue> key(String org, Scope scope, String name) {
        String sk = PREFIX + (scope == Scope.DATABASE ? CatalogItems.dbSk(name) : CatalogItems.groupSk(name));
        return CatalogItems.key(CatalogItems.orgPk(org), sk);
    }

    /** A strongly consistent GetItem: the cache's staleness bound relies on seeing every completed bump. */
    @Override
    public long current(String org, Scope scope, String name) {
        Map<String, AttributeValue> key = key(org, scope, name);
        Map<String, AttributeValue> item = call("reading a token generation", () -> client.getItem(b -> b
                .tableName(table).key(key).consistentRead(true)
                .projectionExpression("#g").expressionAttributeNames(Map.of("#g", GENERATION))).item());
        AttributeValue g = item == null ? null : item.get(GENERATION);
        return g == null ? 0 : Long.parseLong(g.n());
    }

    /** UpdateItem {@code ADD token_generation :one}: atomic, creates the item at 1 if absent. */
    @Override
    public long bump(String org, Scope scope, String name) {
        Map<String, AttributeValue> key = key(org, scope, name);
        Map<String, AttributeValue> updated = call("rotating tokens", () -> client.updateItem(b -> b
                .tableName(table).key(key)
                .updateExpression("ADD #g :one SET #t = :type")
                .expressionAttributeNames(Map.of("#g", GENERATION, "#t", CatalogItems.TYPE))
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                        ":type", AttributeValue.fromS(TYPE_TOKEN_GENERATION)))
                .returnValues(ReturnValue.UPDATED_NEW)).attributes());
        return Long.parseLong(updated.get(GENERATION).n());
    }

    private <T> T call(String what, java.util.function.Supplier<T> op) {
        return DynamoTable.call(table, what, op);
    }
}
