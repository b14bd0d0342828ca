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
import static io.multidb.aws.MigrationItems.BATCH;
import static io.multidb.aws.MigrationItems.DATABASE;
import static io.multidb.aws.MigrationItems.ID;
import static io.multidb.aws.MigrationItems.TASK_PREFIX;
import static io.multidb.aws.MigrationItems.batchPrefix;
import static io.multidb.aws.MigrationItems.jobKey;
import static io.multidb.aws.MigrationItems.jobsPk;
import static io.multidb.aws.MigrationItems.taskKey;
import static io.multidb.aws.MigrationItems.tasksPk;

import io.multidb.common.MultidbException;
import io.multidb.databases.DatabaseKind;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.Page;
import io.multidb.migrations.TaskStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * JOB#{id}#TASKS              TASK#{database}         migration_task           one database's part in the job
 * JOB#{id}#TASKS              BATCH#{n}#{database}    migration_batch_member   names a task in batch n
 * </pre>
 *
 * <p><b>The lock</b> is the {@code migration_job} attribute of the schema database's catalog item, taken with
 * {@code attribute_not_exists(migration_job) AND status = ready AND kind = schema} and released on
 * {@code migration_job = :job}: the catalog's create and delete protocols read it there (a child create writes its
 * claim and membership before it reads the parent; the job lists the family after locking), so a child is either
 * refused or listed (see DynamoCatalog's class comment).
 *
 * <p><b>Tasks</b> are read three ways: one by name (GetItem), all in name order (Query of {@code TASK#}, one page
 * at a time), and one batch (Query of {@code BATCH#{n}#}, then BatchGetItem of those tasks). The batch member
 * item is written before its task item, and a task is only ever written without a new member item when the stored
 * task is already in the same batch (a conditional put); so every task is found in its batch. A member item left
 * behind by a task that moved to another batch is skipped, because the task read through it names another batch.
 *
 * <p>Every SDK failure becomes a {@link MultidbException} (UNAVAILABLE: throttling, network, missing table).
 */
public final class DynamoMigrationStore implements MigrationStore {
    private static final Pattern PLACEHOLDER = Pattern.compile("#[a-z]+");
    private static final Map<String, String> ATTRIBUTES = Map.of(
            "#pk", PK, "#sk", SK, "#status", STATUS, "#kind", KIND, "#job", MIGRATION_JOB,
            "#batch", BATCH, "#version", SCHEMA_VERSION);

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

    // ------------------------------------------------------------------------------------------------------ tasks

    @Override
    public void putTask(MigrationTask task) {
        writeTask(task, null);
    }

    @Override
    public boolean updateTask(MigrationTask task, Set<TaskStatus> expected) {
        return !expected.isEmpty() && writeTask(task, expected);
    }

    /**
     * One conditional put when the stored task is in the same batch (the usual case: a status change); otherwise
     * the batch member item first, then the task.
     */
    private boolean writeTask(MigrationTask task, Set<TaskStatus> expected) {
        String what = "recording the migration task of " + task.database();
        Map<String, AttributeValue> item = MigrationItems.taskItem(task);
        Map<String, AttributeValue> statusValues = new HashMap<>();
        String statusCondition = expected == null ? null
                : "#status IN (" + placeholders("s", expected.stream().map(TaskStatus::wire).toList(), statusValues) + ")";
        Map<String, AttributeValue> sameBatch = new HashMap<>(statusValues);
        sameBatch.put(":batch", n(task.batch()));
        if (putIf(what, item, "#batch = :batch" + (statusCondition == null ? "" : " AND " + statusCondition), sameBatch)) {
            return true;
        }
        put(what, MigrationItems.batchMemberItem(task));
        if (statusCondition == null) {
            put(what, item);
            return true;
        }
        return putIf(what, item, statusCondition, statusValues);
    }

    @Override
    public void putTasks(List<MigrationTask> tasks) {
        // One write per database (BatchWriteItem refuses two puts of one key); the last one wins, as with putTask.
        Map<String, MigrationTask> last = new LinkedHashMap<>();
        for (MigrationTask t : tasks) {
            last.put(t.jobId() + "/" + t.database(), t);
        }
        String what = "recording " + last.size() + " migration tasks";
        // Every member item before any task item, for the same reason as in writeTask.
        batchWrite(what, last.values().stream().map(MigrationItems::batchMemberItem).toList());
        batchWrite(what, last.values().stream().map(MigrationItems::taskItem).toList());
    }

    /**
     * Task items only, in batch writes of 25: the tasks were read with {@link #listBatch} and keep their batch, so
     * their batch member items exist already (moving a task to another batch goes through {@link #putTask}, which
     * writes the member item first). One write unit per task, as with putTask, in 1/25 of the calls.
     */
    @Override
    public void putTaskOutcomes(List<MigrationTask> tasks) {
        Map<String, MigrationTask> last = new LinkedHashMap<>();
        for (MigrationTask t : tasks) {
            last.put(t.jobId() + "/" + t.database(), t);
        }
        batchWrite("recording the outcomes of " + last.size() + " migration tasks",
                last.values().stream().map(MigrationItems::taskItem).toList());
    }

    @Override
    public Optional<MigrationTask> getTask(String jobId, String database) {
        return Optional.ofNullable(get("reading the migration task of " + database, taskKey(jobId, database)))
                .map(MigrationItems::toTask);
    }

    @Override
    public Page<MigrationTask> listTasks(String jobId, String cursor, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        String what = "listing the migration tasks of job " + jobId;
        // One item more than asked tells whether another page follows, so the last page has no cursor.
        List<MigrationTask> found = new ArrayList<>();
        Map<String, AttributeValue> start = cursor == null ? null : taskKey(jobId, cursor);
        do {
            QueryRequest.Builder request = queryRequest(tasksPk(jobId), TASK_PREFIX, true).limit(limit + 1 - found.size());
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse page = call(what, () -> client.query(request.build()));
            page.items().forEach(i -> found.add(MigrationItems.toTask(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && found.size() <= limit);
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<MigrationTask> items = found.subList(0, limit);
        return new Page<>(items, items.get(limit - 1).database());
    }

    @Override
    public List<MigrationTask> listBatch(String jobId, int batch) {
        String what = "listing batch " + batch + " of job " + jobId;
        List<Map<String, AttributeValue>> keys = query(what, tasksPk(jobId), batchPrefix(batch), true).stream()
                .map(member -> taskKey(jobId, str(member, DATABASE)))
                .toList();
        return batchGet(what, keys).stream()
                .map(MigrationItems::toTask)
                .filter(t -> t.batch() == batch) // a member item left behind by a task that moved
                .sorted(Comparator.comparing(MigrationTask::database))
                .toList();
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
