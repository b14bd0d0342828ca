package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.DatabaseKind;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.MigrationStoreContract;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.TaskBatch;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The DynamoDB migration store on a real dynalite: the shared contract (also run against the in-memory fake), then
 * what only this adapter has: the items it writes, the catalog rules that read its lock, leftovers of a crash
 * between two writes, and failures mapped to MultidbException.
 */
class DynamoMigrationStoreTest extends MigrationStoreContract {
    private static LocalDynamo dynamo;
    private static DynamoCatalog catalog;
    private static DynamoMigrationStore store;

    @BeforeAll
    static void start() {
        dynamo = LocalDynamo.start();
        catalog = dynamo.catalog(Clock.systemUTC(), DynamoCatalog.DEFAULT_LEASE);
        store = DynamoMigrationStore.builder().client(dynamo.client).tableName(LocalDynamo.TABLE).build();
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) {
            dynamo.close();
        }
    }

    @Override
    protected Catalog catalog() {
        return catalog;
    }

    @Override
    protected MigrationStore store() {
        return store;
    }

    private static List<Map<String, AttributeValue>> partition(String pk) {
        return DynamoCatalogTestSupport.query(dynamo, pk);
    }

    private static List<String> sortKeys(String pk) {
        return partition(pk).stream().map(i -> i.get("sk").s()).toList();
    }

    @Test
    void theItemsAreWhereTheTableDocumentSaysTheyAre() {
        schema("app");
        MigrationJob job = job(org, "app", Instant.parse("2025-03-01T10:00:00.250Z"));
        store.createJob(job);
        store.lockFamily(org, "app", job.id());
        store.putBatches(List.of(new TaskBatch(job.id(), 0, List.of(task(job.id(), "c1", 0)), false),
                new TaskBatch(job.id(), 1, List.of(task(job.id(), "c2", 1)), false),
                new TaskBatch(job.id(), MigrationTask.PARENT_BATCH, List.of(task(job.id(), "app", -1)), false)));
        store.setSchemaVersion(org, "app", 7);

        Map<String, AttributeValue> jobItem = partition("ORG#" + org + "#JOB#" + job.id()).getFirst();
        assertThat(jobItem.get("sk").s()).isEqualTo("JOB");
        assertThat(jobItem.get("type").s()).isEqualTo("migration_job");
        assertThat(jobItem.get("status").s()).isEqualTo("pending");
        assertThat(sortKeys("ORG#" + org + "#JOBS#app")).containsExactly("001740823200250#" + job.id());
        assertThat(sortKeys("JOB#" + job.id() + "#TASKS")).containsExactly("BATCH#0000000", "BATCH#0000001", "BATCH#0000002");
        Map<String, AttributeValue> batch = partition("JOB#" + job.id() + "#TASKS").get(1);
        assertThat(batch.get("type").s()).isEqualTo("migration_batch");
        assertThat(batch.get("tasks").l()).singleElement().satisfies(t -> assertThat(t.m().get("d").s()).isEqualTo("c1"));
        assertThat(jobItem.get("statements").l()).extracting(AttributeValue::s).containsExactly("ALTER TABLE t ADD COLUMN c TEXT");
        Map<String, AttributeValue> parent = partition("ORG#" + org).stream()
                .filter(i -> i.get("sk").s().equals("DB#app")).findFirst().orElseThrow();
        assertThat(parent.get("migration_job").s()).isEqualTo(job.id());
        assertThat(parent.get("schema_version").n()).isEqualTo("7");
    }

    @Test
    void onlyASchemaDatabaseCanBeLocked() {
        schema("app");
        createReady("kid", DatabaseKind.CHILD, "app");
        createReady("plain", DatabaseKind.STANDARD, null);

        assertThat(store.lockFamily(org, "kid", UUID.randomUUID().toString())).isFalse();
        assertThat(store.lockFamily(org, "plain", UUID.randomUUID().toString())).isFalse();
        assertThat(store.lockHolder(org, "kid")).isEmpty();
    }

    @Test
    void aLockedFamilyLosesNoMemberAndItsSchemaDatabaseStays() {
        schema("app");
        createReady("kid", DatabaseKind.CHILD, "app");
        String job = UUID.randomUUID().toString();
        store.lockFamily(org, "app", job);

        assertThatThrownBy(() -> catalog.beginDelete(org, "kid"))
                .isInstanceOfSatisfying(MultidbException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
                    assertThat(e.getMessage()).contains(job);
                });
        assertThatThrownBy(() -> catalog.beginDelete(org, "app"))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThat(catalog.listChildren(org, "app")).hasSize(1);

        store.unlockFamily(org, "app", job);
        catalog.finishDelete(org, catalog.beginDelete(org, "kid"));
        assertThat(catalog.listChildren(org, "app")).isEmpty();
    }

    @Test
    void aJobDeletedHalfWayIsSkippedInTheListing() {
        schema("app");
        MigrationJob kept = job(org, "app", Instant.parse("2025-03-01T10:00:00Z"));
        MigrationJob half = job(org, "app", Instant.parse("2025-03-01T11:00:00Z"));
        store.createJob(kept);
        store.createJob(half);
        // A delete that crashed after removing the job but before its listing entry.
        dynamo.client.deleteItem(b -> b.tableName(LocalDynamo.TABLE).key(MigrationItems.jobKey(org, half.id())));

        assertThat(store.listJobs(org, "app")).containsExactly(kept);
    }

    @Test
    void aMissingTableIsUnavailableNotAnSdkException() {
        DynamoMigrationStore wrong = DynamoMigrationStore.builder().client(dynamo.client).tableName("no-such-table").build();

        assertThatThrownBy(() -> wrong.getJob(org, UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(MultidbException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("no-such-table");
                });
        assertThatThrownBy(() -> wrong.putBatches(List.of(new TaskBatch(UUID.randomUUID().toString(), 0, List.of(), false))))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
        assertThatThrownBy(() -> wrong.lockFamily(org, "app", UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
    }
}
