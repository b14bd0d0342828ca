package io.multidb.aws;

import io.multidb.testing.Race;
import io.multidb.testing.Race.Outcome;

import io.multidb.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.Group;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The create and delete protocols under real concurrency: threads released together by a latch, against one
 * dynalite, many rounds, each round in a fresh organization. After every round the table is read raw and checked
 * for the invariants the protocol promises (never a database whose group or parent is gone, one winner per name).
 */
class DynamoCatalogRaceTest {
    private static final Instant CREATED = Instant.parse("2025-01-02T03:04:05Z");
    private static final int ROUNDS = 30;
    private static final int RACERS = 4;
    private static final AtomicInteger ORGS = new AtomicInteger();
    private static LocalDynamo dynamo;
    private static ExecutorService pool;

    @BeforeAll
    static void start() {
        dynamo = LocalDynamo.start();
        pool = Executors.newFixedThreadPool(RACERS + 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        dynamo.close();
    }

    @Test
    void concurrentCreatesOfOneNameHaveExactlyOneWinner() throws Exception {
        DynamoCatalog catalog = dynamo.catalog(Clock.systemUTC(), DynamoCatalog.DEFAULT_LEASE);
        for (int round = 0; round < ROUNDS; round++) {
            String org = newOrg();
            catalog.createGroup(org, group("g"));
            List<Database> attempts = new ArrayList<>();
            for (int i = 0; i <= RACERS; i++) {
                attempts.add(standard("same", "g"));
            }
            List<Outcome> outcomes = race(attempts.stream()
                    .<Callable<Object>>map(db -> () -> catalog.beginCreate(org, db)).toList());

            List<Database> winners = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i).ok()) {
                    winners.add(attempts.get(i));
                } else {
                    assertThat(outcomes.get(i).kind()).as(outcomes.get(i).describe()).isEqualTo(ErrorKind.CONFLICT);
                }
            }
            assertThat(winners).as("round %d", round).hasSize(1);
            Database winner = winners.getFirst();
            catalog.finishCreate(org, winner);
            assertThat(catalog.getDatabase(org, "same")).contains(winner);
            assertThat(ids(partition(CatalogItems.groupMembersPk(org, "g")))).containsExactly(winner.id());
        }
    }

    @Test
    void childCreatesRacingTheirParentsDeleteNeverOrphanAChild() throws Exception {
        DynamoCatalog catalog = dynamo.catalog(Clock.systemUTC(), DynamoCatalog.DEFAULT_LEASE);
        int deleted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String org = newOrg();
            catalog.createGroup(org, group("g"));
            Database parent = create(catalog, org, schema("p", "g"));
            List<Database> children = new ArrayList<>();
            List<Callable<Object>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                Database child = child("c" + i, "g", "p");
                children.add(child);
                tasks.add(() -> create(catalog, org, child));
            }
            tasks.add(() -> {
                catalog.finishDelete(org, catalog.beginDelete(org, "p"));
                return null;
            });
            List<Outcome> outcomes = race(tasks);

            Outcome delete = outcomes.getLast();
            List<String> created = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                Outcome o = outcomes.get(i);
                if (o.ok()) {
                    created.add(children.get(i).id());
                } else {
                    assertThat(o.kind()).as(o.describe()).isIn(ErrorKind.CONFLICT, ErrorKind.NOT_FOUND);
                }
            }
            List<Map<String, AttributeValue>> dbItems = databaseItems(org);
            Map<String, AttributeValue> parentItem = byName(dbItems, "p");
            List<Map<String, AttributeValue>> childItems =
                    dbItems.stream().filter(i -> i.containsKey("parent")).toList();
            if (delete.ok()) {
                deleted++;
                assertThat(parentItem).as("round %d: deleted parent", round).isNull();
                assertThat(childItems).as("round %d: children of a deleted parent", round).isEmpty();
            } else {
                assertThat(delete.kind()).as(delete.describe()).isEqualTo(ErrorKind.CONFLICT);
                assertThat(delete.error().getMessage()).contains("schema database p still has");
                assertThat(parentItem).as("round %d: parent kept", round).isNotNull();
                assertThat(parentItem.get("status").s()).isEqualTo("ready");
                assertThat(parentItem.get("id").s()).isEqualTo(parent.id());
            }
            // Exactly the successful creates left items, all ready; failed ones left neither claims nor memberships.
            assertThat(ids(childItems)).as("round %d", round).containsExactlyInAnyOrderElementsOf(created);
            assertThat(childItems).allSatisfy(i -> assertThat(i.get("status").s()).isEqualTo("ready"));
            assertThat(ids(partition(CatalogItems.familyPk(org, "p")))).containsExactlyInAnyOrderElementsOf(created);
            Set<String> expectedMembers = new java.util.HashSet<>(created);
            if (parentItem != null) {
                expectedMembers.add(parent.id());
            }
            assertThat(ids(partition(CatalogItems.groupMembersPk(org, "g"))))
                    .containsExactlyInAnyOrderElementsOf(expectedMembers);
        }
        System.out.printf("child creates vs parent delete: the delete won %d of %d rounds%n", deleted, ROUNDS);
    }

    @Test
    void databaseCreatesRacingTheirGroupsDeleteNeverOrphanADatabase() throws Exception {
        DynamoCatalog catalog = dynamo.catalog(Clock.systemUTC(), DynamoCatalog.DEFAULT_LEASE);
        int deleted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String org = newOrg();
            catalog.createGroup(org, group("g"));
            List<Database> dbs = new ArrayList<>();
            List<Callable<Object>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                // Schema and standard databases alike join the group.
                Database db = i % 2 == 0 ? standard("d" + i, "g") : schema("d" + i, "g");
                dbs.add(db);
                tasks.add(() -> create(catalog, org, db));
            }
            tasks.add(() -> catalog.deleteGroup(org, "g"));
            List<Outcome> outcomes = race(tasks);

            Outcome delete = outcomes.getLast();
            List<String> created = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                Outcome o = outcomes.get(i);
                if (o.ok()) {
                    created.add(dbs.get(i).id());
                } else {
                    assertThat(o.kind()).as(o.describe()).isIn(ErrorKind.CONFLICT, ErrorKind.NOT_FOUND);
                }
            }
            List<Map<String, AttributeValue>> dbItems = databaseItems(org);
            var groupItem = dynamo.client.getItem(b -> b.tableName(LocalDynamo.TABLE)
                    .key(CatalogItems.groupKey(org, "g")).consistentRead(true));
            if (delete.ok()) {
                deleted++;
                assertThat(groupItem.hasItem() && !groupItem.item().isEmpty()).as("round %d: group gone", round).isFalse();
                assertThat(dbItems).as("round %d: databases of a deleted group", round).isEmpty();
            } else {
                assertThat(delete.kind()).as(delete.describe()).isEqualTo(ErrorKind.CONFLICT);
                assertThat(delete.error().getMessage()).contains("group g still holds");
                assertThat(groupItem.item().get("status").s()).as("round %d", round).isEqualTo("active");
            }
            assertThat(ids(dbItems)).as("round %d", round).containsExactlyInAnyOrderElementsOf(created);
            assertThat(dbItems).allSatisfy(i -> assertThat(i.get("status").s()).isEqualTo("ready"));
            assertThat(ids(partition(CatalogItems.groupMembersPk(org, "g")))).containsExactlyInAnyOrderElementsOf(created);
        }
        System.out.printf("database creates vs group delete: the delete won %d of %d rounds%n", deleted, ROUNDS);
    }

    @Test
    void anExpiredClaimIsTakenOverByExactlyOneOfManyAndAFreshOneByNone() throws Exception {
        MutableClock clock = new MutableClock();
        Duration lease = Duration.ofSeconds(60);
        DynamoCatalog catalog = dynamo.catalog(clock, lease);
        for (int round = 0; round < ROUNDS / 3; round++) {
            String org = newOrg();
            catalog.createGroup(org, group("g"));
            Database stale = catalog.beginCreate(org, standard("x", "g"));
            List<Database> attempts = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                attempts.add(standard("x", "g"));
            }

            clock.advance(lease.minusMillis(1));
            List<Outcome> early = race(attempts.stream()
                    .<Callable<Object>>map(db -> () -> catalog.beginCreate(org, db)).toList());
            assertThat(early).allSatisfy(o -> assertThat(o.kind()).as(o.describe()).isEqualTo(ErrorKind.CONFLICT));

            clock.advance(Duration.ofMillis(2));
            List<Outcome> late = race(attempts.stream()
                    .<Callable<Object>>map(db -> () -> catalog.beginCreate(org, db)).toList());
            List<Database> winners = new ArrayList<>();
            for (int i = 0; i < late.size(); i++) {
                if (late.get(i).ok()) {
                    winners.add(attempts.get(i));
                } else {
                    assertThat(late.get(i).kind()).as(late.get(i).describe()).isEqualTo(ErrorKind.CONFLICT);
                }
            }
            assertThat(winners).as("round %d", round).hasSize(1);
            assertThat(ids(partition(CatalogItems.groupMembersPk(org, "g")))).containsExactly(winners.getFirst().id());
            try {
                catalog.finishCreate(org, stale);
                throw new AssertionError("the stale claim's owner finished after a takeover");
            } catch (MultidbException e) {
                assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
            }
            assertThat(catalog.finishCreate(org, winners.getFirst())).isEqualTo(winners.getFirst());
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** Released together; each waits up to 3 ms first, so who goes first varies (the operations take a few ms). */
    private static List<Outcome> race(List<Callable<Object>> tasks) throws Exception {
        return Race.run(pool, tasks, i -> 3_000_000, Duration.ofSeconds(60));
    }

    private static Database create(DynamoCatalog catalog, String org, Database db) {
        catalog.beginCreate(org, db);
        try {
            return catalog.finishCreate(org, db);
        } catch (RuntimeException e) {
            catalog.abortCreate(org, db);
            throw e;
        }
    }

    private static String newOrg() {
        return "race" + ORGS.incrementAndGet();
    }

    private static List<Map<String, AttributeValue>> databaseItems(String org) {
        return DynamoCatalogTestSupport.query(dynamo, CatalogItems.orgPk(org)).stream()
                .filter(i -> i.get("sk").s().startsWith("DB#")).toList();
    }

    private static List<Map<String, AttributeValue>> partition(String pk) {
        return DynamoCatalogTestSupport.query(dynamo, pk);
    }

    private static Map<String, AttributeValue> byName(List<Map<String, AttributeValue>> items, String name) {
        return items.stream().filter(i -> i.get("name").s().equals(name)).findFirst().orElse(null);
    }

    /** The database ids of database items ("id") or membership items ("db_id"). */
    private static List<String> ids(List<Map<String, AttributeValue>> items) {
        return items.stream()
                .map(i -> i.containsKey("db_id") ? i.get("db_id").s() : i.get("id").s())
                .collect(Collectors.toList());
    }

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
}
