package io.multidb.aws;

import static io.multidb.aws.CatalogItems.PK;
import static io.multidb.aws.CatalogItems.SK;
import static io.multidb.aws.CatalogItems.STATUS;
import static io.multidb.aws.CatalogItems.TYPE;
import static io.multidb.aws.CatalogItems.key;
import static io.multidb.aws.CatalogItems.n;
import static io.multidb.aws.CatalogItems.optStr;
import static io.multidb.aws.CatalogItems.orgPk;
import static io.multidb.aws.CatalogItems.s;
import static io.multidb.aws.CatalogItems.str;

import io.multidb.databases.Names;
import io.multidb.migrations.ChildFailure;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.TaskStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Keys and attributes of the migration items in the metadata table (docs/metadata-table.md, "Migration jobs").
 * Job ids pass {@link MigrationJob#isValidId} and database names {@link Names} before they become keys; neither
 * can contain {@code #}.
 */
final class MigrationItems {
    static final String TYPE_JOB = "migration_job";
    static final String TYPE_JOB_REF = "migration_job_ref";
    static final String TYPE_TASK = "migration_task";
    static final String TYPE_BATCH_MEMBER = "migration_batch_member";

    static final String JOB_SK = "JOB";
    static final String TASK_PREFIX = "TASK#";
    static final String BATCH_PREFIX = "BATCH#";

    static final String ID = "id";
    static final String ORG = "org";
    static final String SCHEMA_DB = "schema_db";
    static final String SQL = "sql";
    static final String FROM_VERSION = "from_version";
    static final String TO_VERSION = "to_version";
    static final String ERROR = "error";
    static final String CREATED_AT = "created_at";
    static final String FINISHED_AT = "finished_at";
    static final String MAX_CONCURRENCY = "max_concurrency";
    static final String BATCH_COUNT = "batch_count";
    static final String FAILED_CHILDREN = "failed_children";
    static final String ABORT_REQUESTED = "abort_requested";
    static final String JOB_ID = "job_id";
    static final String DATABASE = "database";
    static final String BATCH = "batch";
    static final String SCHEMA_VERSION = "schema_version";

    private MigrationItems() {
    }

    static String jobId(String id) {
        if (!MigrationJob.isValidId(id)) {
            throw new IllegalArgumentException("not a migration job id");
        }
        return id;
    }

    /** One partition per job, under its organization (the job item only). */
    static String jobPk(String org, String id) {
        return orgPk(org) + "#JOB#" + jobId(id);
    }

    static Map<String, AttributeValue> jobKey(String org, String id) {
        return key(jobPk(org, id), JOB_SK);
    }

    /** The partition listing a schema database's jobs, oldest to newest by sort key. */
    static String jobsPk(String org, String schemaDb) {
        return orgPk(org) + "#JOBS#" + Names.database(schemaDb);
    }

    /** Creation time first (fixed-width epoch milliseconds, so that text order is time order), then the id. */
    static String jobRefSk(Instant createdAt, String id) {
        return String.format("%015d#%s", createdAt.toEpochMilli(), jobId(id));
    }

    /**
     * The partition of a job's tasks. The port addresses tasks by job id alone, so the organization is not part of
     * the key; job ids are random UUIDs, and a job id only reaches a task read after its job was found under its
     * organization.
     */
    static String tasksPk(String jobId) {
        return "JOB#" + jobId(jobId) + "#TASKS";
    }

    static String taskSk(String database) {
        return TASK_PREFIX + Names.database(database);
    }

    static Map<String, AttributeValue> taskKey(String jobId, String database) {
        return key(tasksPk(jobId), taskSk(database));
    }

    /** The prefix of one batch's member items; the closing {@code #} keeps batch 1 from matching batch 12. */
    static String batchPrefix(int batch) {
        return BATCH_PREFIX + batch + "#";
    }

    static Map<String, AttributeValue> batchMemberKey(String jobId, int batch, String database) {
        return key(tasksPk(jobId), batchPrefix(batch) + Names.database(database));
    }

    static Map<String, AttributeValue> jobItem(MigrationJob job) {
        Map<String, AttributeValue> item = new HashMap<>(jobKey(job.org(), job.id()));
        item.put(TYPE, s(TYPE_JOB));
        item.put(ID, s(job.id()));
        item.put(ORG, s(job.org()));
        item.put(SCHEMA_DB, s(Names.database(job.schemaDb())));
        item.put(SQL, s(job.sql()));
        item.put(STATUS, s(job.status().wire()));
        item.put(FROM_VERSION, n(job.fromVersion()));
        item.put(TO_VERSION, n(job.toVersion()));
        if (job.error() != null) {
            item.put(ERROR, s(job.error()));
        }
        item.put(CREATED_AT, s(job.createdAt().toString()));
        if (job.finishedAt() != null) {
            item.put(FINISHED_AT, s(job.finishedAt().toString()));
        }
        item.put(MAX_CONCURRENCY, n(job.maxConcurrency()));
        item.put(BATCH_COUNT, n(job.batchCount()));
        item.put(FAILED_CHILDREN, AttributeValue.fromL(job.failedChildren().stream()
                .map(f -> AttributeValue.fromM(Map.of(DATABASE, s(f.database()), ERROR, s(f.error()))))
                .toList()));
        item.put(ABORT_REQUESTED, AttributeValue.fromBool(job.abortRequested()));
        return item;
    }

    static MigrationJob toJob(Map<String, AttributeValue> item) {
        String finished = optStr(item, FINISHED_AT);
        AttributeValue failures = item.get(FAILED_CHILDREN);
        List<ChildFailure> failed = failures == null || !failures.hasL() ? List.of() : failures.l().stream()
                .map(v -> new ChildFailure(str(v.m(), DATABASE), str(v.m(), ERROR)))
                .toList();
        return new MigrationJob(
                str(item, ID),
                str(item, ORG),
                str(item, SCHEMA_DB),
                str(item, SQL),
                JobStatus.fromWire(str(item, STATUS)),
                num(item, FROM_VERSION),
                num(item, TO_VERSION),
                optStr(item, ERROR),
                Instant.parse(str(item, CREATED_AT)),
                finished == null ? null : Instant.parse(finished),
                (int) num(item, MAX_CONCURRENCY),
                (int) num(item, BATCH_COUNT),
                failed,
                Boolean.TRUE.equals(item.get(ABORT_REQUESTED) == null ? null : item.get(ABORT_REQUESTED).bool()));
    }

    static Map<String, AttributeValue> jobRefKey(MigrationJob job) {
        return key(jobsPk(job.org(), job.schemaDb()), jobRefSk(job.createdAt(), job.id()));
    }

    static Map<String, AttributeValue> jobRefItem(MigrationJob job) {
        Map<String, AttributeValue> item = new HashMap<>(jobRefKey(job));
        item.put(TYPE, s(TYPE_JOB_REF));
        item.put(ID, s(job.id()));
        return item;
    }

    static Map<String, AttributeValue> taskItem(MigrationTask task) {
        Map<String, AttributeValue> item = new HashMap<>(taskKey(task.jobId(), task.database()));
        item.put(TYPE, s(TYPE_TASK));
        item.put(JOB_ID, s(task.jobId()));
        item.put(DATABASE, s(task.database()));
        item.put(BATCH, n(task.batch()));
        item.put(STATUS, s(task.status().wire()));
        if (task.error() != null) {
            item.put(ERROR, s(task.error()));
        }
        item.put(SCHEMA_VERSION, n(task.schemaVersion()));
        return item;
    }

    static MigrationTask toTask(Map<String, AttributeValue> item) {
        return new MigrationTask(
                str(item, JOB_ID),
                str(item, DATABASE),
                (int) num(item, BATCH),
                TaskStatus.fromWire(str(item, STATUS)),
                optStr(item, ERROR),
                num(item, SCHEMA_VERSION));
    }

    /** Names a task as a member of its batch, so that a batch's tasks are found with one Query of a key prefix. */
    static Map<String, AttributeValue> batchMemberItem(MigrationTask task) {
        Map<String, AttributeValue> item = new HashMap<>(batchMemberKey(task.jobId(), task.batch(), task.database()));
        item.put(TYPE, s(TYPE_BATCH_MEMBER));
        item.put(DATABASE, s(task.database()));
        return item;
    }

    static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) {
            throw new IllegalStateException("metadata item " + item.get(PK) + "/" + item.get(SK) + " has no " + name);
        }
        return Long.parseLong(v.n());
    }
}
