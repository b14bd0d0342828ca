package io.multidb.aws;

import io.multidb.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseFilter;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.DatabasePage;
import io.multidb.databases.DatabaseQuery;
import io.multidb.databases.Group;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoCatalogTest {
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Instant CREATED = Instant.parse("2025-01-02T03:04:05.678Z");
    private static final AtomicInteger ORGS = new AtomicInteger();
    private static LocalDynamo dynamo;

    private final MutableClock clock = new MutableClock();
    private DynamoCatalog catalog;
    private String org;

    @BeforeAll
    static void startDynalite() {
        dynamo = LocalDynamo.start();
    }

    @AfterAll
    static void stopDynalite() {
        dynamo.close();
    }

    @BeforeEach
    void freshOrganization() {
        catalog = dynamo.catalog(clock, LEASE);
        org = "org" + ORGS.incrementAndGet();
    }

    // ------------------------------------------------------------------------------------------------ groups

    @Test
    void groupsAreCreatedListedReadAndDeleted() {
        catalog.createGroup(org, group("beta"));
        catalog.createGroup(org, group("alpha"));

        assertThat(catalog.getGroup(org, "alpha")).contains(group("alpha"));
        assertThat(catalog.getGroup(org, "gamma")).isEmpty();
        assertThat(catalog.listGroups(org)).containsExactly(group("alpha"), group("beta"));
        assertThat(catalog.listGroups("other" + org)).isEmpty();
        expect(ErrorKind.CONFLICT, "group alpha already exists", () -> catalog.createGroup(org, group("alpha")));

        assertThat(catalog.deleteGroup(org, "alpha")).isEqualTo(group("alpha"));
        assertThat(catalog.getGroup(org, "alpha")).isEmpty();
        assertThat(catalog.listGroups(org)).containsExactly(group("beta"));
        expect(ErrorKind.NOT_FOUND, "group alpha not found", () -> catalog.deleteGroup(org, "alpha"));
    }

    @Test
    void aGroupHoldingDatabasesIsNotDeletedAndStaysUsable() {
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
        create(standard("b", "g"));

        expect(ErrorKind.CONFLICT, "group g still holds 2 databases: delete them first",
                () -> catalog.deleteGroup(org, "g"));
        // The delete reverted its mark: the group takes new databases.
        create(standard("c", "g"));
        for (String name : List.of("a", "b")) {
            catalog.finishDelete(org, catalog.beginDelete(org, name));
        }
        expect(ErrorKind.CONFLICT, "group g still holds 1 database: delete them first",
                () -> catalog.deleteGroup(org, "g"));
        catalog.finishDelete(org, catalog.beginDelete(org, "c"));
        catalog.deleteGroup(org, "g");
        assertThat(catalog.getGroup(org, "g")).isEmpty();
    }

    // --------------------------------------------------------------------------------------------- databases

    @Test
    void aDatabaseIsInvisibleUntilFinishedAndKeepsItsAttributes() {
        catalog.createGroup(org, group("g"));
        Database db = new Database("orders", UUID.randomUUID().toString(), "g", DatabaseKind.STANDARD, null,
                CREATED, 7, true, null);

        assertThat(catalog.beginCreate(org, db)).isEqualTo(db);
        assertThat(catalog.getDatabase(org, "orders")).isEmpty();
        assertThat(catalog.listDatabases(org)).isEmpty();

        assertThat(catalog.finishCreate(org, db)).isEqualTo(db);
        assertThat(catalog.getDatabase(org, "orders")).contains(db);
        assertThat(catalog.listDatabases(org)).containsExactly(db);
        // Groups and databases share the org partition; neither list shows the other.
        assertThat(catalog.listGroups(org)).containsExactly(group("g"));
    }

    @Test
    void listDatabasesIsSortedAndShowsOnlyReadyOnes() {
        catalog.createGroup(org, group("g"));
        Database b = create(standard("b", "g"));
        Database a = create(standard("a", "g"));
        catalog.beginCreate(org, standard("c", "g"));
        create(standard("d", "g"));
        catalog.beginDelete(org, "d");

        assertThat(catalog.listDatabases(org)).containsExactly(a, b);
        assertThat(catalog.getDatabase(org, "c")).isEmpty();
        assertThat(catalog.getDatabase(org, "d")).isEmpty();
    }

    @Test
    void aTakenNameConflicts() {
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
        catalog.beginCreate(org, standard("b", "g"));

        expect(ErrorKind.CONFLICT, "database a already exists", () -> catalog.beginCreate(org, standard("a", "g")));
        expect(ErrorKind.CONFLICT, "database b is being created", () -> catalog.beginCreate(org, standard("b", "g")));
    }

    @Test
    void abortCreateFreesTheNameAndTheGroup() {
        catalog.createGroup(org, group("g"));
        Database claim = catalog.beginCreate(org, standard("a", "g"));

        catalog.abortCreate(org, claim);
        catalog.abortCreate(org, claim);

        assertThat(rawDatabase("a")).isNull();
        catalog.deleteGroup(org, "g");
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
    }

    @Test
    void aMissingOrDeletingGroupFailsTheCreateAndLeavesNothing() {
        expect(ErrorKind.NOT_FOUND, "group nowhere not found: create it first",
                () -> catalog.beginCreate(org, standard("a", "nowhere")));
        assertThat(rawDatabase("a")).isNull();
        assertThat(partition(CatalogItems.groupMembersPk(org, "nowhere"))).isEmpty();

        catalog.createGroup(org, group("g"));
        markDeleting(CatalogItems.groupKey(org, "g"), clock.millis() + 1000);
        expect(ErrorKind.CONFLICT, "group g is being deleted", () -> catalog.beginCreate(org, standard("a", "g")));
        assertThat(rawDatabase("a")).isNull();
        assertThat(partition(CatalogItems.groupMembersPk(org, "g"))).isEmpty();
    }

    @Test
    void pagesOfDatabasesFollowNameOrderFiltersAndSearchWithoutGapsOrRepeats() {
        catalog.createGroup(org, group("g"));
        catalog.createGroup(org, group("h"));
        create(schema("p", "g"));
        List<String> children = new java.util.ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String name = (i % 2 == 0 ? "acme-" : "beta-") + String.format("%02d", i);
            create(child(name, "g", "p"));
            children.add(name);
        }
        catalog.beginCreate(org, child("acme-99", "g", "p"));
        create(standard("acme-plain", "h"));
        java.util.Collections.sort(children);

        assertThat(pages(new DatabaseFilter(null, "p", false), "", 5)).containsExactlyElementsOf(children);
        assertThat(pages(new DatabaseFilter(null, "p", false), "acme-", 4))
                .containsExactlyElementsOf(children.stream().filter(n -> n.startsWith("acme-")).toList());
        assertThat(pages(new DatabaseFilter(null, null, false), "acme-", 3)).hasSize(13).contains("acme-plain");
        assertThat(pages(new DatabaseFilter("h", null, false), "", 2)).containsExactly("acme-plain");
        assertThat(pages(new DatabaseFilter(null, null, true), "", 2)).containsExactly("p");
        assertThat(pages(DatabaseFilter.NONE, DatabaseKind.STANDARD, "", 2)).containsExactly("acme-plain");
        DatabasePage last = catalog.pageDatabases(org, new DatabaseQuery(new DatabaseFilter(null, "p", false), null, "beta-", null, 11));
        assertThat(last.items()).hasSize(11);
        assertThat(last.next()).isNull();
    }

    /** Every name over every page, following next cursors; each page within its limit. */
    private List<String> pages(DatabaseFilter filter, String search, int limit) {
        return pages(filter, null, search, limit);
    }

    private List<String> pages(DatabaseFilter filter, DatabaseKind kind, String search, int limit) {
        List<String> names = new java.util.ArrayList<>();
        String cursor = null;
        for (int i = 0; i < 100; i++) {
            DatabasePage page = catalog.pageDatabases(org, new DatabaseQuery(filter, kind, search, cursor, limit));
            assertThat(page.items().size()).isLessThanOrEqualTo(limit);
            page.items().forEach(d -> names.add(d.name()));
            if (page.next() == null) {
                return names;
            }
            cursor = page.next();
        }
        throw new AssertionError("no end of pages");
    }

    @Test
    void aChildNeedsAReadySchemaParentInItsGroup() {
        catalog.createGroup(org, group("g"));
        catalog.createGroup(org, group("h"));
        create(standard("plain", "g"));
        create(schema("other", "h"));
        catalog.beginCreate(org, schema("unfinished", "g"));
        create(schema("p", "g"));

        expect(ErrorKind.NOT_FOUND, "parent database missing not found",
                () -> catalog.beginCreate(org, child("c", "g", "missing")));
        expect(ErrorKind.NOT_FOUND, "parent database unfinished not found",
                () -> catalog.beginCreate(org, child("c", "g", "unfinished")));
        expect(ErrorKind.INVALID_REQUEST, "database plain is not a schema database",
                () -> catalog.beginCreate(org, child("c", "g", "plain")));
        expect(ErrorKind.INVALID_REQUEST, "child database c must be in its parent's group h, not g",
                () -> catalog.beginCreate(org, child("c", "g", "other")));
        // Every failure undid its claim and memberships.
        assertThat(rawDatabase("c")).isNull();
        assertThat(partition(CatalogItems.groupMembersPk(org, "g")))
                .extracting(item -> item.get("name").s()).containsExactlyInAnyOrder("plain", "unfinished", "p");
        for (String parent : List.of("missing", "unfinished", "plain", "other")) {
            assertThat(catalog.countChildren(org, parent)).isZero();
        }

        Database c = create(child("c", "g", "p"));
        assertThat(catalog.getDatabase(org, "c")).contains(c);
    }

    @Test
    void childrenAreListedWhenReadyAndCountedWhenClaimed() {
        catalog.createGroup(org, group("g"));
        create(schema("p", "g"));
        create(standard("s", "g"));
        Database c2 = create(child("c2", "g", "p"));
        Database c1 = create(child("c1", "g", "p"));
        catalog.beginCreate(org, child("c3", "g", "p"));

        assertThat(catalog.listChildren(org, "p")).containsExactly(c1, c2);
        assertThat(catalog.countChildren(org, "p")).isEqualTo(3);
        // One read answers both, as prepare asks them: not settled while c3's create is in flight.
        assertThat(catalog.family(org, "p")).isEqualTo(new io.multidb.databases.Catalog.Family(List.of(c1, c2), 3));
        assertThat(catalog.family(org, "p").settled()).isFalse();
        assertThat(catalog.listChildren(org, "s")).isEmpty();
        assertThat(catalog.countChildren(org, "nobody")).isZero();
    }

    @Test
    void aSchemaDatabaseWithChildrenIsNotDeleted() {
        catalog.createGroup(org, group("g"));
        Database p = create(schema("p", "g"));
        create(child("c1", "g", "p"));
        create(child("c2", "g", "p"));

        expect(ErrorKind.CONFLICT, "schema database p still has 2 children: delete them first",
                () -> catalog.beginDelete(org, "p"));
        assertThat(catalog.getDatabase(org, "p")).contains(p);
        catalog.finishDelete(org, catalog.beginDelete(org, "c1"));
        expect(ErrorKind.CONFLICT, "schema database p still has 1 child: delete them first",
                () -> catalog.beginDelete(org, "p"));
        catalog.finishDelete(org, catalog.beginDelete(org, "c2"));

        Database deleting = catalog.beginDelete(org, "p");
        assertThat(deleting).isEqualTo(p);
        catalog.finishDelete(org, deleting);
        assertThat(rawDatabase("p")).isNull();
        assertThat(catalog.listDatabases(org)).isEmpty();
        catalog.deleteGroup(org, "g");
    }

    @Test
    void deletingHidesTheDatabaseAndIsNotRepeatedWhileInProgress() {
        catalog.createGroup(org, group("g"));
        Database a = create(standard("a", "g"));
        catalog.beginCreate(org, standard("claimed", "g"));

        expect(ErrorKind.NOT_FOUND, "database nothing not found", () -> catalog.beginDelete(org, "nothing"));
        expect(ErrorKind.NOT_FOUND, "database claimed not found", () -> catalog.beginDelete(org, "claimed"));
        assertThat(catalog.beginDelete(org, "a")).isEqualTo(a);
        assertThat(catalog.getDatabase(org, "a")).isEmpty();
        expect(ErrorKind.CONFLICT, "database a is already being deleted", () -> catalog.beginDelete(org, "a"));
        expect(ErrorKind.CONFLICT, "database a is being deleted", () -> catalog.beginCreate(org, standard("a", "g")));
        expect(ErrorKind.CONFLICT, "group g still holds 2 databases", () -> catalog.deleteGroup(org, "g"));

        catalog.finishDelete(org, a);
        assertThat(rawDatabase("a")).isNull();
        create(standard("a", "g"));
    }

    @Test
    void aMigrationLockBlocksChildCreatesAndDeletesInTheFamily() {
        catalog.createGroup(org, group("g"));
        create(schema("p", "g"));
        Database c = create(child("c", "g", "p"));
        rawSet(CatalogItems.dbKey(org, "p"), "migration_job", "job-42");

        expect(ErrorKind.CONFLICT, "schema database p is locked by migration job job-42",
                () -> catalog.beginCreate(org, child("d", "g", "p")));
        expect(ErrorKind.CONFLICT, "schema database p is locked by migration job job-42",
                () -> catalog.beginDelete(org, "c"));
        expect(ErrorKind.CONFLICT, "schema database p is locked by migration job job-42",
                () -> catalog.beginDelete(org, "p"));
        assertThat(catalog.getDatabase(org, "c")).contains(c);
        assertThat(rawDatabase("d")).isNull();
        assertThat(catalog.countChildren(org, "p")).isEqualTo(1);

        rawRemove(CatalogItems.dbKey(org, "p"), "migration_job");
        create(child("d", "g", "p"));
        catalog.finishDelete(org, catalog.beginDelete(org, "c"));
    }

    // ------------------------------------------------------------------------------------- claims and leases

    @Test
    void anExpiredClaimIsTakenOverAndAFreshOneIsNot() {
        catalog.createGroup(org, group("g1"));
        catalog.createGroup(org, group("g2"));
        Database first = catalog.beginCreate(org, standard("a", "g1"));

        clock.advance(LEASE.minusMillis(1));
        expect(ErrorKind.CONFLICT, "database a is being created", () -> catalog.beginCreate(org, standard("a", "g2")));
        clock.advance(Duration.ofMillis(2));
        Database second = catalog.beginCreate(org, standard("a", "g2"));

        expect(ErrorKind.CONFLICT, "the claim on database a was lost", () -> catalog.finishCreate(org, first));
        catalog.abortCreate(org, first);
        assertThat(catalog.finishCreate(org, second)).isEqualTo(second);
        assertThat(catalog.getDatabase(org, "a")).contains(second);
        // The takeover dropped the old claim's membership: g1 is empty.
        catalog.deleteGroup(org, "g1");
        expect(ErrorKind.CONFLICT, "group g2 still holds 1 database", () -> catalog.deleteGroup(org, "g2"));
    }

    @Test
    void anExpiredCreateClaimDoesNotKeepItsContainersAlive() {
        catalog.createGroup(org, group("g"));
        create(schema("p", "g"));
        catalog.beginCreate(org, child("c", "g", "p"));

        expect(ErrorKind.CONFLICT, "schema database p still has 1 child", () -> catalog.beginDelete(org, "p"));
        clock.advance(LEASE.plusMillis(1));
        // The claim's owner is presumed dead: the delete sweeps the claim and goes ahead.
        catalog.finishDelete(org, catalog.beginDelete(org, "p"));
        assertThat(rawDatabase("c")).isNull();
        catalog.deleteGroup(org, "g");
        assertThat(partition(CatalogItems.groupMembersPk(org, "g"))).isEmpty();
        assertThat(partition(CatalogItems.familyPk(org, "p"))).isEmpty();
    }

    @Test
    void aMembershipWithoutItsDatabaseIsSweptByTheGroupDelete() {
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
        // As left by a crash between the two deletes of a takeover or a cleanup.
        dynamo.client.deleteItem(b -> b.tableName(LocalDynamo.TABLE).key(CatalogItems.dbKey(org, "a")));
        assertThat(partition(CatalogItems.groupMembersPk(org, "g"))).hasSize(1);

        catalog.deleteGroup(org, "g");
        assertThat(partition(CatalogItems.groupMembersPk(org, "g"))).isEmpty();
    }

    @Test
    void anInterruptedDeleteIsFinishedByDeletingAgain() {
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
        Database s = create(schema("s", "g"));
        catalog.beginDelete(org, "a");
        catalog.beginDelete(org, "s");

        clock.advance(LEASE.plusMillis(1));
        // A standard or child database left deleting can be created anew; a schema database must be deleted again.
        expect(ErrorKind.CONFLICT, "schema database s was left half-deleted: delete it again to finish",
                () -> catalog.beginCreate(org, schema("s", "g")));
        Database again = catalog.beginDelete(org, "s");
        assertThat(again).isEqualTo(s);
        catalog.finishDelete(org, again);
        assertThat(rawDatabase("s")).isNull();

        Database fresh = create(standard("a", "g"));
        assertThat(catalog.getDatabase(org, "a")).contains(fresh);
    }

    @Test
    void aStuckGroupDeleteIsTakenOverAfterItsLease() {
        catalog.createGroup(org, group("g"));
        markDeleting(CatalogItems.groupKey(org, "g"), clock.millis() + 1000);

        expect(ErrorKind.CONFLICT, "group g is already being deleted", () -> catalog.deleteGroup(org, "g"));
        expect(ErrorKind.CONFLICT, "group g is being deleted: use another group",
                () -> catalog.beginCreate(org, standard("a", "g")));
        clock.advance(Duration.ofMillis(1001));
        expect(ErrorKind.CONFLICT, "group g was left half-deleted: delete it again",
                () -> catalog.beginCreate(org, standard("a", "g")));
        catalog.deleteGroup(org, "g");
        assertThat(catalog.getGroup(org, "g")).isEmpty();
    }

    @Test
    void aStuckGroupDeleteOfAGroupWithDatabasesIsUndoneByDeletingAgain() {
        catalog.createGroup(org, group("g"));
        create(standard("a", "g"));
        markDeleting(CatalogItems.groupKey(org, "g"), clock.millis() - 1);

        expect(ErrorKind.CONFLICT, "group g still holds 1 database", () -> catalog.deleteGroup(org, "g"));
        create(standard("b", "g"));
        assertThat(catalog.listDatabases(org)).extracting(Database::name).containsExactly("a", "b");
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void namesAreValidatedBeforeTheyBecomeKeys() {
        expect(ErrorKind.INVALID_REQUEST, "invalid group name", () -> catalog.getGroup(org, "g#DB#x"));
        expect(ErrorKind.INVALID_REQUEST, "invalid organization name", () -> catalog.listDatabases("Org"));
        expect(ErrorKind.INVALID_REQUEST, "invalid database name", () -> catalog.getDatabase(org, "../x"));
    }

    @Test
    void storeFailuresAreUnavailable() {
        DynamoCatalog noTable = DynamoCatalog.builder().client(dynamo.client).tableName("no-such-table").build();
        expect(ErrorKind.UNAVAILABLE, "the metadata table no-such-table does not exist",
                () -> noTable.getGroup(org, "g"));

        // Nothing listens on port 9 (discard) on loopback; no retries, to fail fast.
        try (DynamoDbClient nowhere = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build()) {
            DynamoCatalog down = DynamoCatalog.builder().client(nowhere).tableName(LocalDynamo.TABLE).build();
            expect(ErrorKind.UNAVAILABLE, "the metadata store is unavailable (while listing databases)",
                    () -> down.listDatabases(org));
        }
    }

    @Test
    void createTableIsIdempotent() {
        DynamoCatalog.createTable(dynamo.client, LocalDynamo.TABLE);
        assertThat(dynamo.client.listTables().tableNames()).containsOnlyOnce(LocalDynamo.TABLE);
    }

    // --------------------------------------------------------------------------------------------- helpers

    private static Group group(String name) {
        return new Group(name, "local", CREATED);
    }

    private static Database standard(String name, String group) {
        return new Database(name, UUID.randomUUID().toString(), group, DatabaseKind.STANDARD, null, CREATED, 0, false, null);
    }

    private static Database schema(String name, String group) {
        return new Database(name, UUID.randomUUID().toString(), group, DatabaseKind.SCHEMA, null, CREATED, 1, false, null);
    }

    private static Database child(String name, String group, String parent) {
        return new Database(name, UUID.randomUUID().toString(), group, DatabaseKind.CHILD, parent, CREATED, 1, false, null);
    }

    private Database create(Database db) {
        catalog.beginCreate(org, db);
        return catalog.finishCreate(org, db);
    }

    private static void expect(ErrorKind kind, String message, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(kind))
                .hasMessageContaining(message);
    }

    private Map<String, AttributeValue> rawDatabase(String name) {
        var response = dynamo.client.getItem(b -> b.tableName(LocalDynamo.TABLE)
                .key(CatalogItems.dbKey(org, name)).consistentRead(true));
        return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
    }

    private static List<Map<String, AttributeValue>> partition(String pk) {
        return DynamoCatalogTestSupport.query(dynamo, pk);
    }

    private static void rawSet(Map<String, AttributeValue> key, String attribute, String value) {
        dynamo.client.updateItem(b -> b.tableName(LocalDynamo.TABLE).key(key)
                .updateExpression("SET #a = :v")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeNames(Map.of("#a", attribute))
                .expressionAttributeValues(Map.of(":v", CatalogItems.s(value))));
    }

    /** A group delete's mark, as left by a delete that is still running or crashed. */
    private static void markDeleting(Map<String, AttributeValue> key, long leaseUntil) {
        dynamo.client.updateItem(b -> b.tableName(LocalDynamo.TABLE).key(key)
                .updateExpression("SET #s = :s, lease_until = :l, claim = :c")
                .conditionExpression("attribute_exists(pk)")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(Map.of(":s", CatalogItems.s("deleting"), ":l", CatalogItems.n(leaseUntil),
                        ":c", CatalogItems.s("dead"))));
    }

    private static void rawRemove(Map<String, AttributeValue> key, String attribute) {
        dynamo.client.updateItem(b -> b.tableName(LocalDynamo.TABLE).key(key)
                .updateExpression("REMOVE #a")
                .expressionAttributeNames(Map.of("#a", attribute)));
    }
}
