package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What the API shows of migrations: jobs, a job's per-database progress, and waiting for a job to end. */
public final class MigrationViews {
    private final Catalog catalog;
    private final MigrationStore store;
    private final Clock clock;
    private final MigrationService.Sleeper sleeper;

    MigrationViews(Catalog catalog, MigrationStore store, Clock clock, MigrationService.Sleeper sleeper) {
        this.catalog = catalog;
        this.store = store;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public MigrationJob getJob(String org, String parent, String jobId) {
        return store.getJob(org, jobId).filter(j -> j.schemaDb().equals(parent))
                .orElseThrow(() -> MultidbException.notFound("migration job '" + jobId + "' of '" + parent + "' does not exist"));
    }

    public List<MigrationJob> listJobs(String org, String parent) {
        Names.database(parent);
        return store.listJobs(org, parent);
    }

    /**
     * The job's databases, the parent first and then the children in name order, {@code limit} at a time. The
     * cursor is {@code {batch}:{index}} of the next database (opaque to clients).
     */
    public Page<MigrationTask> progress(String jobId, String cursor, int limit) {
        int max = Math.max(1, Math.min(limit, 1000));
        int batch = MigrationTask.PARENT_BATCH;
        int index = 0;
        if (cursor != null) {
            String[] parts = cursor.split(":", 2);
            try {
                batch = Integer.parseInt(parts[0]);
                index = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            } catch (NumberFormatException e) {
                throw MultidbException.invalid("'cursor' is not one this API gave: use the next_cursor of the previous page");
            }
        }
        List<MigrationTask> out = new ArrayList<>(max);
        Integer after = batch - 1;
        while (true) {
            Page<TaskBatch> page = store.listBatches(jobId, after, 8);
            for (TaskBatch b : page.items()) {
                List<MigrationTask> tasks = b.tasks();
                int from = b.batch() == batch ? index : 0;
                for (int i = from; i < tasks.size(); i++) {
                    if (out.size() == max) {
                        return new Page<>(out, b.batch() + ":" + i);
                    }
                    out.add(tasks.get(i));
                }
            }
            if (page.next() == null) {
                return new Page<>(out, null);
            }
            after = Integer.valueOf(page.next());
        }
    }

    /**
     * Waits until the job has ended and released its family's lock, or {@code timeout} has passed, looking every
     * {@code poll}; returns the job as it is then (still running if the time ran out).
     */
    public MigrationJob await(String org, String parent, String jobId, Duration timeout, Duration poll) {
        Instant deadline = clock.instant().plus(timeout);
        MigrationJob job = getJob(org, parent, jobId);
        while ((job.status().isRunning() || store.lockHolder(org, parent).filter(jobId::equals).isPresent())
                && clock.instant().isBefore(deadline)) {
            try {
                sleeper.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return job;
            }
            job = getJob(org, parent, jobId);
        }
        return job;
    }

    Database schemaDatabase(String org, String parent) {
        Database p = catalog.getDatabase(org, parent)
                .orElseThrow(() -> MultidbException.notFound("database '" + parent + "' does not exist"));
        if (!p.isSchema()) {
            throw MultidbException.invalid("'" + parent + "' is not a schema database: migrations run on a database "
                    + "created with is_schema: true and carry its change to its children");
        }
        return p;
    }
}
