package io.multidb.migrations;

import java.util.Objects;

/**
 * One database's part in a job.
 *
 * @param batch         which batch of children it belongs to; {@link #PARENT_BATCH} for the schema database
 * @param error         SQLite's error text when the dry-run or apply failed, else null
 * @param schemaVersion the version the database is at, as far as this job knows
 */
public record MigrationTask(String jobId, String database, int batch, TaskStatus status, String error, long schemaVersion) {
    public static final int PARENT_BATCH = -1;

    public MigrationTask {
        Objects.requireNonNull(jobId);
        Objects.requireNonNull(database);
        Objects.requireNonNull(status);
    }

    public MigrationTask with(TaskStatus s, String err, long version) {
        return new MigrationTask(jobId, database, batch, s, err, version);
    }

    public boolean isParent() {
        return batch == PARENT_BATCH;
    }
}
