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

import io.multidb.common.Names;
import io.multidb.migrations.ChildFailure;
import io.multidb.migrations.JobPlan;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationSql;
import io.multidb.migrations.MigrationTask;
import io.multidb.migrations.TaskBatch;
import io.multidb.migrations.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
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
    static final String TYPE_BATCH = "migration_batch";

    static final String JOB_SK = "JOB";
    static final String BATCH_PREFIX = "BATCH#";

    static final String ID = "id";
    static final String ORG = "org";
    static final String SCHEMA_DB = "schema_db";
    static final String SQL = "sql";
    static final String STATEMENTS = "statements";
    static final String FOREIGN_KEYS_OFF = "foreign_keys_off";
    static final String FROM_VERSION = "from_version";
    static final String TO_VERSION = "to_version";
    static final String ERROR = "error";
    static final String CREATED_AT = "created_at";
    static final String FINISHED_AT = "finished_at";
    static final String MAX_CONCURRENCY = "max_concurrency";
    static final String BATCH_COUNT = "batch_count";
    static final String FAILED_CHILDREN = "failed_children";
    static final String ABORT_REQUESTED = "abort_requested";
    static final String PLAN = "plan";
    static final String CANARY_BATCHES = "canary_batches";
    static final String RESUMED = "resumed";
    static final String JOB_ID = "job_id";
    static final String DATABASE = "database";
    static final String BATCH = "batch";
    static final String SCHEMA_VERSION = "schema_version";
    static final String TASKS = "tasks";
    static final String ROLLED_BACK = "rolled_back";
    /** A batch record's per-database fields: short names, since a batch of 200 is one item (400 KB at most). */
    private static final String T_DATABASE = "d";
    private static final String T_STATUS = "s";
    private static final String T_ERROR = "e";
    private static final String T_VERSION = "v";
    /** SQLite's error text kept per database in a batch record (the first failures are also on the job). */
    static final int MAX_TASK_ERROR = 500;

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
     * The partition of a job's batch records. The port addresses batches by job id alone, so the organization is
     * not part of the key; job ids are random UUIDs, and a job id only reaches a batch read after its job was found
     * under its organization.
     */
    static String tasksPk(String jobId) {
        return "JOB#" + jobId(jobId) + "#TASKS";
    }

    /** Fixed-width, shifted by one so that the parent's record (batch -1) sorts first: text order is batch order. */
    static String batchSk(int batch) {
        return String.format("%s%07d", BATCH_PREFIX, batch + 1);
    }

    static int batchOf(String sk) {
        return Integer.parseInt(sk.substring(BATCH_PREFIX.length())) - 1;
    }

    static Map<String, AttributeValue> batchKey(String jobId, int batch) {
        return key(tasksPk(jobId), batchSk(batch));
    }

    static Map<String, AttributeValue> jobItem(MigrationJob job) {
        Map<String, AttributeValue> item = new HashMap<>(jobKey(job.org(), job.id()));
        item.put(TYPE, s(TYPE_JOB));
        item.put(ID, s(job.id()));
        item.put(ORG, s(job.org()));
        item.put(SCHEMA_DB, s(Names.database(job.schemaDb())));
        item.put(SQL, s(job.sql()));
        item.put(STATEMENTS, AttributeValue.fromL(job.program().statements().stream().map(CatalogItems::s).toList()));
        item.put(FOREIGN_KEYS_OFF, AttributeValue.fromBool(job.program().foreignKeysOff()));
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
        if (!job.plan().equals(JobPlan.DEFAULT)) {
            item.put(PLAN, planValue(job.plan()));
        }
        item.put(CANARY_BATCHES, n(job.canaryBatches()));
        item.put(RESUMED, AttributeValue.fromBool(job.resumed()));
        return item;
    }

    /** The plan as one map attribute; absent fields are left out (no empty strings or lists in the item). */
    private static AttributeValue planValue(JobPlan p) {
        Map<String, AttributeValue> m = new HashMap<>();
        if (p.canary() != null) {
            if (p.canary().count() > 0) {
                m.put("canary_count", n(p.canary().count()));
            } else {
                m.put("canary_names", AttributeValue.fromL(p.canary().names().stream().map(CatalogItems::s).toList()));
            }
        }
        if (p.verify() != null) {
            m.put("verify", s(p.verify()));
        }
        m.put("pause_after_canary", AttributeValue.fromBool(p.pauseAfterCanary()));
        m.put("on_child_failure", s(p.onChildFailure().wire()));
        if (p.repair() != null) {
            Map<String, AttributeValue> r = new HashMap<>();
            r.put("targets", AttributeValue.fromL(p.repair().targets().stream().map(CatalogItems::s).toList()));
            r.put("steps", AttributeValue.fromL(p.repair().steps().stream().map(st -> AttributeValue.fromM(Map.of(
                    "version", n(st.version()),
                    "job_id", s(st.jobId()),
                    "statements", AttributeValue.fromL(st.program().statements().stream().map(CatalogItems::s).toList()),
                    "foreign_keys_off", AttributeValue.fromBool(st.program().foreignKeysOff())))).toList()));
            m.put("repair", AttributeValue.fromM(r));
        }
        return AttributeValue.fromM(m);
    }

    private static JobPlan toPlan(AttributeValue v) {
        if (v == null || !v.hasM()) {
            return JobPlan.DEFAULT;
        }
        Map<String, AttributeValue> m = v.m();
        JobPlan.Canary canary = null;
        if (m.containsKey("canary_count")) {
            canary = JobPlan.Canary.first(Integer.parseInt(m.get("canary_count").n()));
        } else if (m.containsKey("canary_names")) {
            canary = JobPlan.Canary.named(m.get("canary_names").l().stream().map(AttributeValue::s).toList());
        }
        JobPlan.Repair repair = null;
        if (m.containsKey("repair")) {
            Map<String, AttributeValue> r = m.get("repair").m();
            repair = new JobPlan.Repair(r.get("targets").l().stream().map(AttributeValue::s).toList(),
                    r.get("steps").l().stream().map(x -> {
                        Map<String, AttributeValue> st = x.m();
                        return new JobPlan.ReplayStep(Long.parseLong(st.get("version").n()), st.get("job_id").s(),
                                new MigrationSql(st.get("statements").l().stream().map(AttributeValue::s).toList(),
                                        Boolean.TRUE.equals(st.get("foreign_keys_off").bool())));
                    }).toList());
        }
        AttributeValue verify = m.get("verify");
        return new JobPlan(canary, verify == null ? null : verify.s(),
                Boolean.TRUE.equals(m.get("pause_after_canary").bool()),
                JobPlan.FailurePolicy.fromWire(m.get("on_child_failure").s()), repair);
    }

    static MigrationJob toJob(Map<String, AttributeValue> item) {
        String finished = optStr(item, FINISHED_AT);
        AttributeValue failures = item.get(FAILED_CHILDREN);
        List<ChildFailure> failed = failures == null || !failures.hasL() ? List.of() : failures.l().stream()
                .map(v -> new ChildFailure(str(v.m(), DATABASE), str(v.m(), ERROR)))
                .toList();
        AttributeValue statements = item.get(STATEMENTS);
        // Jobs recorded before the statements were kept are split once here.
        MigrationSql program = statements == null || !statements.hasL() ? MigrationSql.parse(str(item, SQL))
                : new MigrationSql(statements.l().stream().map(AttributeValue::s).toList(),
                Boolean.TRUE.equals(item.get(FOREIGN_KEYS_OFF) == null ? null : item.get(FOREIGN_KEYS_OFF).bool()));
        return new MigrationJob(
                str(item, ID),
                str(item, ORG),
                str(item, SCHEMA_DB),
                str(item, SQL),
                program,
                JobStatus.fromWire(str(item, STATUS)),
                num(item, FROM_VERSION),
                num(item, TO_VERSION),
                optStr(item, ERROR),
                Instant.parse(str(item, CREATED_AT)),
                finished == null ? null : Instant.parse(finished),
                (int) num(item, MAX_CONCURRENCY),
                (int) num(item, BATCH_COUNT),
                failed,
                Boolean.TRUE.equals(item.get(ABORT_REQUESTED) == null ? null : item.get(ABORT_REQUESTED).bool()),
                toPlan(item.get(PLAN)),
                item.get(CANARY_BATCHES) == null ? 0 : (int) num(item, CANARY_BATCHES),
                item.get(RESUMED) != null && Boolean.TRUE.equals(item.get(RESUMED).bool()));
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

    static Map<String, AttributeValue> batchItem(TaskBatch batch) {
        Map<String, AttributeValue> item = new HashMap<>(batchKey(batch.jobId(), batch.batch()));
        item.put(TYPE, s(TYPE_BATCH));
        item.put(JOB_ID, s(batch.jobId()));
        item.put(BATCH, n(batch.batch()));
        item.put(ROLLED_BACK, AttributeValue.fromBool(batch.rolledBack()));
        List<AttributeValue> tasks = new ArrayList<>(batch.tasks().size());
        for (MigrationTask t : batch.tasks()) {
            Map<String, AttributeValue> m = new HashMap<>();
            m.put(T_DATABASE, s(Names.database(t.database())));
            m.put(T_STATUS, s(t.status().wire()));
            if (t.error() != null) {
                String e = t.error();
                m.put(T_ERROR, s(e.length() <= MAX_TASK_ERROR ? e : e.substring(0, MAX_TASK_ERROR) + "…"));
            }
            m.put(T_VERSION, n(t.schemaVersion()));
            tasks.add(AttributeValue.fromM(m));
        }
        item.put(TASKS, AttributeValue.fromL(tasks));
        return item;
    }

    static TaskBatch toBatch(Map<String, AttributeValue> item) {
        String jobId = str(item, JOB_ID);
        int batch = (int) num(item, BATCH);
        List<MigrationTask> tasks = item.get(TASKS).l().stream().map(v -> {
            Map<String, AttributeValue> m = v.m();
            return new MigrationTask(jobId, str(m, T_DATABASE), batch, TaskStatus.fromWire(str(m, T_STATUS)),
                    optStr(m, T_ERROR), num(m, T_VERSION));
        }).toList();
        AttributeValue rolledBack = item.get(ROLLED_BACK);
        return new TaskBatch(jobId, batch, tasks, rolledBack != null && Boolean.TRUE.equals(rolledBack.bool()));
    }

    static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) {
            throw new IllegalStateException("metadata item " + item.get(PK) + "/" + item.get(SK) + " has no " + name);
        }
        return Long.parseLong(v.n());
    }
}
