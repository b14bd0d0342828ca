package io.multidb.migrations;

import java.util.List;
import java.util.Optional;
import java.util.Set;


/**
 * The migration metadata port: jobs, their databases' outcomes kept per batch ({@link TaskBatch}), and the family
 * lock. The DynamoDB adapter keeps
 * all of it with single-item conditional writes and strongly consistent reads, in the catalog's table (the lock
 * is the {@code migration_job} attribute of the schema database's item, so that the catalog's create rule and
 * the data plane's write rule read it where they already look).
 */
public interface MigrationStore {

    /** Records a new job; fails if the id exists (ids are random, so only a duplicated start can collide). */
    void createJob(MigrationJob job);

    Optional<MigrationJob> getJob(String org, String jobId);

    /** Replaces the job if its stored status is one of {@code expected}; false (nothing written) otherwise. */
    boolean updateJob(MigrationJob job, Set<JobStatus> expected);

    /** Removes a job that never ran (its start lost the race for the lock). */
    void deleteJob(String org, String jobId);

    /** Jobs of one schema database, newest first. */
    List<MigrationJob> listJobs(String org, String schemaDb);

    /**
     * The schema database's recorded migrations by the version each brought: jobs that reached the parent
     * (succeeded, with or without quarantine), repairs left out (they bring children to a version, not the parent).
     * What a child behind at version v lacks is every entry above v.
     */
    default java.util.NavigableMap<Long, MigrationJob> recordedMigrations(String org, String schemaDb) {
        java.util.TreeMap<Long, MigrationJob> byVersion = new java.util.TreeMap<>();
        for (MigrationJob j : listJobs(org, schemaDb)) { // newest first: the newest job to reach a version counts
            if (j.status().succeeded() && !j.plan().isRepair()) {
                byVersion.putIfAbsent(j.toVersion(), j);
            }
        }
        return byVersion;
    }

    /**
     * Takes the family's migration lock for {@code jobId}: written only if the schema database exists, is ready
     * (not being created or deleted) and holds no lock. False if any of those fails.
     */
    boolean lockFamily(String org, String schemaDb, String jobId);

    /** Releases the lock if {@code jobId} holds it; false if it does not (already released, or another job's). */
    boolean unlockFamily(String org, String schemaDb, String jobId);

    /** The job holding the family's lock, from a strongly consistent read. */
    Optional<String> lockHolder(String org, String schemaDb);

    /** Records the batches prepare made (adapters may write them in a few calls). Replaces existing ones. */
    void putBatches(List<TaskBatch> batches);

    Optional<TaskBatch> getBatch(String jobId, int batch);

    /** A job and one of its batches, as every batch step starts: empty parts where either is missing. */
    record JobAndBatch(Optional<MigrationJob> job, Optional<TaskBatch> batch) {
    }

    /** Reads a job and one of its batches together (adapters may do it in one round trip). */
    default JobAndBatch getJobAndBatch(String org, String jobId, int batch) {
        return new JobAndBatch(getJob(org, jobId), getBatch(jobId, batch));
    }

    /**
     * Writes a step's outcomes of a batch. A rollback's write ({@code batch.rolledBack()}) always lands; any other
     * is written only if no rollback wrote the batch before, and returns false (nothing written) otherwise.
     */
    boolean recordBatch(TaskBatch batch);

    /** A job's batches in order (the parent's first), {@code limit} at a time, after {@code afterBatch} (null: all). */
    Page<TaskBatch> listBatches(String jobId, Integer afterBatch, int limit);

    /** Records a schema database's version in the catalog (its children follow it: see SchemaVersions). */
    void setSchemaVersion(String org, String database, long version);

    /**
     * Marks a child behind its family, on its catalog item; null clears the mark (a repair brought it forward).
     * Nothing if the database is gone. Only the job holding the family's lock writes marks.
     */
    void setBehind(String org, String child, io.multidb.databases.Database.Behind behind);
}
