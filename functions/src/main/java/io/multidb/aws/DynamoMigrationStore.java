package io.multidb.aws;

import static io.multidb.aws.CatalogItems.KIND;
import static io.multidb.aws.CatalogItems.MIGRATION_JOB;
import static io.multidb.aws.CatalogItems.PK;
import static io.multidb.aws.CatalogItems.READY;
import static io.multidb.aws.CatalogItems.SCHEMA_VERSION;
import static io.multidb.aws.CatalogItems.SK;
import static io.multidb.aws.CatalogItems.STATUS;
import static io.multidb.aws.CatalogItems.dbKey;
import static io.multidb.aws.CatalogItems.n;
import static io.multidb.aws.CatalogItems.optStr;
import static io.multidb.aws.CatalogItems.s;
import static io.multidb.aws.CatalogItems.str;
import static io.multidb.aws.MigrationItems.BATCH_PREFIX;
import static io.multidb.aws.MigrationItems.ID;
import static io.multidb.aws.MigrationItems.ROLLED_BACK;
import static io.multidb.aws.MigrationItems.batchKey;
import static io.multidb.aws.MigrationItems.jobKey;
import static io.multidb.aws.MigrationItems.jobsPk;
import static io.multidb.aws.MigrationItems.tasksPk;

import io.multidb.common.MultidbException;
import io.multidb.databases.DatabaseKind;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.Page;
import io.multidb.migrations.TaskBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The {@link MigrationStore} in the catalog's DynamoDB table ({@link DynamoCatalog}), with single-item conditional
 * writes and strongly consistent reads only (dynalite has no transactions). docs/metadata-table.md has the items and
 * access patterns with examples.
 *
 * <pre>
 * pk                          sk                      type                     what
 * ORG#{org}                   DB#{schema db}          database                 the family lock: migration_job;
 *                                                                              schema_version of every database
 * ORG#{org}#JOB#{id}          JOB                     migration_job            the job
 * ORG#{org}#JOBS#{schema db}  {created ms, 15 digits}#{id}  migration_job_ref  lists a schema database's jobs
 * JOB#{id}#TASKS              BATCH#{n+1, 7 digits}   migration_batch          one batch's databases and outcomes
 *                                                                              (n = -1: the parent)
 * </pre>
 *
 * <p><b>The lock</b> is the {@code migration_job} attribute of the schema database's catalog item, taken with
 * {@code attribute_not_exists(migration_job) AND status = ready AND kind = schema} and released on
 * {@code migration_job = :job}: the catalog's create and delete protocols read it there (a child create writes its
 * claim and membership before it reads the parent; the job lists the family after locking), so a child is either
 * refused or listed (see DynamoCatalog's class comment).
 *
 * <p><b>Batches</b>: a job's databases are recorded per batch, one item each (a list of name, status, error,
 * version), read with one GetItem and written with one PutItem by each batch step: about 0.05 calls per child. A
 * rollback writes its batch with {@code rolled_back = true}; every other write is conditional on that flag being
 * false, so an apply step still in flight cannot overwrite what the rollback recorded.
 *
 * <p>Every SDK failure becomes a {@link MultidbException} (UNAVAILABLE: throttling, network, missing table).
 */
public final class DynamoMigrationStore implements MigrationStore {
    private static final Pattern PLACEHOLDER = Pattern.compile("#[a-z]+");
    private static final Map<String, String> ATTRIBUTES = Map.of(
            "#pk", PK, "#sk", SK, "#status", STATUS, "#kind", KIND, "#job", MIGRATION_JOB,
            "#version", SCHEMA_VERSION, "#rolledback", ROLLED_BACK, "#behind", CatalogItems.BEHIND);

    private final DynamoDbClient client;
    private final String table;

    private DynamoMigrationStore(Builder builder) {
        this.client = Objects.requireNonNull(builder.client, "client");
        this.table = Objects.requireNonNull(builder.tableName, "tableName");
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private DynamoDbClient client;
        private String tableName;

        private Builder() {
        }

        /** The client shared with the catalog (one per process). */
        public Builder client(DynamoDbClient client) {
            this.client = client;
            return this;
        }

        /** The catalog's table: the lock lives on its database items. */
        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        public DynamoMigrationStore build() {
            return new DynamoMigrationStore(this);
        }
    }

    // ------------------------------------------------------------------------------------------------------ jobs

    @Override
    public void createJob(MigrationJob job) {
        String what = "recording migration job " + job.id();
        if (!putIf(what, MigrationItems.jobItem(job), "attribute_not_exists(#pk)", Map.of())) {
            throw MultidbException.conflict("migration job " + job.id() + " already exists");
        }
        try {
            put(what, MigrationItems.jobRefItem(job));
        } catch (RuntimeException e) {
            // A job nobody can list would still be found by id; remove it so the failed start leaves nothing.
            try {
                delete(what, jobKey(job.org(), job.id()));
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    @Override
    public Optional<MigrationJob> getJob(String org, String jobId) {
        return Optional.ofNullable(get("reading migration job " + jobId, jobKey(org, jobId)))
                .map(MigrationItems::toJob);
    }

    @Override
    public boolean updateJob(MigrationJob job, Set<JobStatus> expected) {
        if (expected.isEmpty()) {
            return false;
        }
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = "#status IN (" + placeholders("s", expected.stream().map(JobStatus::wire).toList(), values) + ")";
        return putIf("updating migration job " + job.id(), MigrationItems.jobItem(job), condition, values);
    }

    @Override
    public void deleteJob(String org, String jobId) {
        String what = "removing migration job " + jobId;
        Map<String, AttributeValue> item = get(what, jobKey(org, jobId));
        if (item == null) {
            return;
        }
        MigrationJob job = MigrationItems.toJob(item);
        // The listing entry first: a crash in between leaves a job that is never listed, never a dangling entry.
        delete(what, MigrationItems.jobRefKey(job));
        delete(what, jobKey(org, jobId));
    }

    @Override
    public List<MigrationJob> listJobs(String org, String schemaDb) {
        String what = "listing the migration jobs of " + schemaDb;
        List<String> ids = query(what, jobsPk(org, schemaDb), null, false).stream().map(i -> str(i, ID)).toList();
        Map<String, MigrationJob> byId = new HashMap<>();
        for (Map<String, AttributeValue> item : batchGet(what, ids.stream().map(id -> jobKey(org, id)).toList())) {
            MigrationJob job = MigrationItems.toJob(item);
            byId.put(job.id(), job);
        }
        // Newest first, as the sort key (creation time) says; entries whose job is gone are skipped.
        return ids.stream().map(byId::get).filter(j -> j != null && j.schemaDb().equals(schemaDb)).toList();
    }

    // ------------------------------------------------------------------------------------------------------ lock

    @Override
    public boolean lockFamily(String org, String schemaDb, String jobId) {
        return updateIf("locking the family of " + schemaDb, dbKey(org, schemaDb), "SET #job = :job",
                "attribute_exists(#pk) AND #status = :ready AND #kind = :schema AND attribute_not_exists(#job)",
                Map.of(":job", s(MigrationItems.jobId(jobId)), ":ready", s(READY),
                        ":schema", s(DatabaseKind.SCHEMA.wire())));
    }

    @Override
    public boolean unlockFamily(String org, String schemaDb, String jobId) {
        return updateIf("unlocking the family of " + schemaDb, dbKey(org, schemaDb), "REMOVE #job",
                "#job = :job", Map.of(":job", s(jobId)));
    }

    @Override
    public Optional<String> lockHolder(String org, String schemaDb) {
        Map<String, AttributeValue> item = get("reading the lock of " + schemaDb, dbKey(org, schemaDb));
        return item == null ? Optional.empty() : Optional.ofNullable(optStr(item, MIGRATION_JOB));
    }

    @Override
    public void setSchemaVersion(String org, String database, long version) {
        // A database that is gone (or not ready) has no version to keep: nothing to do, as for the fake.
        updateIf("recording the schema version of " + database, dbKey(org, database), "SET #version = :version",
                "attribute_exists(#pk) AND #status = :ready", Map.of(":version", n(version), ":ready", s(READY)));
    }

    @Override
    public void setBehind(String org, String child, io.multidb.databases.Database.Behind behind) {
        if (behind == null) {
            updateIf("clearing the behind mark of " + child, dbKey(org, child), "REMOVE #behind",
                    "attribute_exists(#pk) AND #status = :ready", Map.of(":ready", s(READY)));
        } else {
            updateIf("marking " + child + " behind", dbKey(org, child), "SET #behind = :behind",
                    "attribute_exists(#pk) AND #status = :ready",
                    Map.of(":behind", CatalogItems.behindValue(behind), ":ready", s(READY)));
        }
    }

    // ------------------------------------------------------------------------------------------------------ batches

    @Override
    public void putBatches(List<TaskBatch> batches) {
        batchWrite("recording " + batches.size() + " migration batches", batches.stream().map(MigrationItems::batchItem).toList());
    }

    @Override
    public Optional<TaskBatch> getBatch(String jobId, int batch) {
        return Optional.ofNullable(get("reading batch " + batch + " of job " + jobId, batchKey(jobId, batch)))
                .map(MigrationItems::toBatch);
    }

    /** One BatchGetItem (strongly consistent) for both: a batch step's first read. */
    @Override
    public JobAndBatch getJobAndBatch(String org, String jobId, int batch) {
        Optional<MigrationJob> job = Optional.empty();
        Optional<TaskBatch> found = Optional.empty();
        for (Map<String, AttributeValue> item : batchGet("reading job " + jobId + " and its batch " + batch,
                List.of(jobKey(org, jobId), batchKey(jobId, batch)))) {
            if (MigrationItems.TYPE_JOB.equals(str(item, CatalogItems.TYPE))) {
                job = Optional.of(MigrationItems.toJob(item));
            } else {
                found = Optional.of(MigrationItems.toBatch(item));
            }
        }
        return new JobAndBatch(job, found);
    }

    @Override
    public boolean recordBatch(TaskBatch batch) {
        String what = "recording batch " + batch.batch() + " of job " + batch.jobId();
        Map<String, AttributeValue> item = MigrationItems.batchItem(batch);
        if (batch.rolledBack()) {
            put(what, item);
            return true;
        }
        return putIf(what, item, "attribute_not_exists(#pk) OR #rolledback = :false", Map.of(":false", AttributeValue.fromBool(false)));
    }

    @Override
    public Page<TaskBatch> listBatches(String jobId, Integer afterBatch, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        String what = "listing the batches of job " + jobId;
        // One item more than asked tells whether another page follows, so the last page has no cursor.
        List<TaskBatch> found = new ArrayList<>();
        Map<String, AttributeValue> start = afterBatch == null ? null : batchKey(jobId, afterBatch);
        do {
            QueryRequest.Builder request = queryRequest(tasksPk(jobId), BATCH_PREFIX, true).limit(limit + 1 - found.size());
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse page = call(what, () -> client.query(request.build()));
            page.items().forEach(i -> found.add(MigrationItems.toBatch(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && found.size() <= limit);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<TaskBatch> items = found.subList(0, limit);
        return new Page<>(items, Integer.toString(items.get(limit - 1).batch()));
    }

    // ---------------------------------------------------------------------------------------------- SDK calls
    // Each maps SDK failures to MultidbException; a failed condition is a return value, never an exception.

    private Map<String, AttributeValue> get(String what, Map<String, AttributeValue> key) {
        return call(what, () -> {
            var response = client.getItem(b -> b.tableName(table).key(key).consistentRead(true));
            return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
        });
    }

    private void put(String what, Map<String, AttributeValue> item) {
        call(what, () -> client.putItem(b -> b.tableName(table).item(item)));
    }

    private void delete(String what, Map<String, AttributeValue> key) {
        call(what, () -> client.deleteItem(b -> b.tableName(table).key(key)));
    }

    /** True if written, false if the condition failed. */
    private boolean putIf(String what, Map<String, AttributeValue> item, String condition,
                          Map<String, AttributeValue> values) {
        PutItemRequest.Builder request = PutItemRequest.builder().tableName(table).item(item)
                .conditionExpression(condition)
                .expressionAttributeNames(names(condition));
        if (!values.isEmpty()) {
            request.expressionAttributeValues(values);
        }
        return call(what, () -> {
            try {
                client.putItem(request.build());
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    /** True if updated, false if the condition failed. */
    private boolean updateIf(String what, Map<String, AttributeValue> key, String update, String condition,
                             Map<String, AttributeValue> values) {
        UpdateItemRequest request = UpdateItemRequest.builder().tableName(table).key(key)
                .updateExpression(update)
                .conditionExpression(condition)
                .expressionAttributeNames(names(update, condition))
                .expressionAttributeValues(values)
                .build();
        return call(what, () -> {
            try {
                client.updateItem(request);
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    /** Every item of a partition (optionally with a sort key prefix), read consistently, every page. */
    private List<Map<String, AttributeValue>> query(String what, String pk, String skPrefix, boolean forward) {
        QueryRequest request = queryRequest(pk, skPrefix, forward).build();
        return call(what, () -> {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            for (QueryResponse page : client.queryPaginator(request)) {
                items.addAll(page.items());
            }
            return items;
        });
    }

    private QueryRequest.Builder queryRequest(String pk, String skPrefix, boolean forward) {
        String condition = skPrefix == null ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)";
        Map<String, AttributeValue> values = skPrefix == null
                ? Map.of(":pk", s(pk))
                : Map.of(":pk", s(pk), ":prefix", s(skPrefix));
        return QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression(condition)
                .expressionAttributeNames(names(condition))
                .expressionAttributeValues(values)
                .scanIndexForward(forward);
    }

    /** The items with these keys, read consistently, in no particular order; absent ones are missing. */
    private List<Map<String, AttributeValue>> batchGet(String what, List<Map<String, AttributeValue>> keys) {
        return DynamoTable.batchGet(client, table, what, keys);
    }

    /** Unconditional puts, 25 per request, unprocessed items retried with backoff. */
    private void batchWrite(String what, Collection<Map<String, AttributeValue>> items) {
        DynamoTable.batchPut(client, table, what, items);
    }

    /** {@code :p0, :p1, ...} for the values, added to {@code into}. */
    private static String placeholders(String prefix, List<String> values, Map<String, AttributeValue> into) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String name = ":" + prefix + i;
            into.put(name, s(values.get(i)));
            names.add(name);
        }
        return String.join(", ", names);
    }

    /** The expression attribute names an expression uses (DynamoDB rejects unused ones). */
    private static Map<String, String> names(String... expressions) {
        Map<String, String> names = new HashMap<>();
        for (String expression : expressions) {
            Matcher m = PLACEHOLDER.matcher(expression);
            while (m.find()) {
                String attribute = ATTRIBUTES.get(m.group());
                if (attribute == null) {
                    throw new IllegalArgumentException("unknown placeholder " + m.group());
                }
                names.put(m.group(), attribute);
            }
        }
        return names;
    }

    private <T> T call(String what, Supplier<T> op) {
        return DynamoTable.call(table, what, op);
    }
}
