package io.multidb.migrations;

import java.util.List;
import java.util.Objects;

/**
 * One batch of a job's databases and where each is: the unit of the job's metadata. A batch step reads it once and
 * writes it once, whatever the batch's size (about 0.05 metadata calls per child instead of 2.5).
 *
 * @param batch      0.. for children (in name order, contiguous), {@link MigrationTask#PARENT_BATCH} for the parent
 * @param tasks      the batch's databases in name order
 * @param rolledBack written by the rollback: from then on only the rollback writes this batch (an apply step still
 *                   in flight cannot overwrite what the rollback recorded)
 */
public record TaskBatch(String jobId, int batch, List<MigrationTask> tasks, boolean rolledBack) {
    public TaskBatch {
        Objects.requireNonNull(jobId);
        tasks = List.copyOf(tasks);
    }

    public boolean isParentBatch() {
        return batch == MigrationTask.PARENT_BATCH;
    }

    public TaskBatch with(List<MigrationTask> newTasks, boolean rollback) {
        return new TaskBatch(jobId, batch, newTasks, rollback);
    }
}
