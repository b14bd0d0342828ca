package io.multidb.migrations;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The migration metadata port: jobs, their per-database tasks, and the family lock. The DynamoDB adapter keeps
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
     * Takes the family's migration lock for {@code jobId}: written only if the schema database exists, is ready
     * (not being created or deleted) and holds no lock. False if any of those fails.
     */
    boolean lockFamily(String org, String schemaDb, String jobId);

    /** Releases the lock if {@code jobId} holds it; false if it does not (already released, or another job's). */
    boolean unlockFamily(String org, String schemaDb, String jobId);

    /** The job holding the family's lock, from a strongly consistent read. */
    Optional<String> lockHolder(String org, String schemaDb);

    /** Creates or replaces a task. */
    void putTask(MigrationTask task);

    /** Creates or replaces many tasks (prepare writes one per child; adapters may batch the writes). */
    default void putTasks(List<MigrationTask> tasks) {
        tasks.forEach(this::putTask);
    }

    /**
     * Records the outcomes (status, error, version) of tasks read with {@link #listBatch} and kept in their batch:
     * what a batch step writes once its databases are done, instead of one write per database. Adapters may batch
     * the writes; as with {@link #putTask}, each task is replaced whatever its stored status.
     */
    default void putTaskOutcomes(List<MigrationTask> tasks) {
        tasks.forEach(this::putTask);
    }

    /** Replaces a task if its stored status is one of {@code expected}. */
    boolean updateTask(MigrationTask task, Set<TaskStatus> expected);

    Optional<MigrationTask> getTask(String jobId, String database);

    /** Tasks of a job in database-name order, {@code limit} at a time, after the cursor (null: from the start). */
    Page<MigrationTask> listTasks(String jobId, String cursor, int limit);

    /** The tasks of one batch (a few hundred at most). */
    List<MigrationTask> listBatch(String jobId, int batch);

    /** Records a database's schema version in the catalog. */
    void setSchemaVersion(String org, String database, long version);
}
