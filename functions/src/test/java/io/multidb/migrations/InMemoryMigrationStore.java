package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.databases.Database;
import io.multidb.databases.InMemoryCatalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A fake of the migration store: jobs and tasks in maps, the lock and versions on the in-memory catalog's
 * database records (where the DynamoDB adapter keeps them too), all atomic under one lock.
 */
public final class InMemoryMigrationStore implements MigrationStore {
    private final InMemoryCatalog catalog;
    private final Map<String, MigrationJob> jobs = new HashMap<>();
    private final Map<String, TreeMap<Integer, TaskBatch>> batches = new HashMap<>();
    private volatile Consumer<MigrationJob> onUpdateJob = j -> { };

    public InMemoryMigrationStore(InMemoryCatalog catalog) {
        this.catalog = catalog;
    }

    private static String key(String org, String id) {
        return org + "/" + id;
    }

    @Override
    public synchronized void createJob(MigrationJob job) {
        if (jobs.putIfAbsent(key(job.org(), job.id()), job) != null) {
            throw MultidbException.conflict("job " + job.id() + " exists");
        }
    }

    @Override
    public synchronized Optional<MigrationJob> getJob(String org, String jobId) {
        return Optional.ofNullable(jobs.get(key(org, jobId)));
    }

    /** Tests: sees every job update that is about to be written, to check what holds at that moment. */
    public void onUpdateJob(Consumer<MigrationJob> hook) {
        this.onUpdateJob = hook;
    }

    @Override
    public synchronized boolean updateJob(MigrationJob job, Set<JobStatus> expected) {
        MigrationJob cur = jobs.get(key(job.org(), job.id()));
        if (cur == null || !expected.contains(cur.status())) {
            return false;
        }
        onUpdateJob.accept(job);
        jobs.put(key(job.org(), job.id()), job);
        return true;
    }

    @Override
    public synchronized void deleteJob(String org, String jobId) {
        jobs.remove(key(org, jobId));
    }

    @Override
    public synchronized List<MigrationJob> listJobs(String org, String schemaDb) {
        return jobs.values().stream().filter(j -> j.org().equals(org) && j.schemaDb().equals(schemaDb))
                .sorted(Comparator.comparing(MigrationJob::createdAt).reversed()).toList();
    }

    @Override
    public synchronized boolean lockFamily(String org, String schemaDb, String jobId) {
        Optional<Database> p = catalog.getDatabase(org, schemaDb);
        if (p.isEmpty() || p.get().migrationJob() != null) {
            return false;
        }
        catalog.replace(org, with(p.get(), p.get().schemaVersion(), jobId));
        return true;
    }

    @Override
    public synchronized boolean unlockFamily(String org, String schemaDb, String jobId) {
        Optional<Database> p = catalog.getDatabase(org, schemaDb);
        if (p.isEmpty() || !jobId.equals(p.get().migrationJob())) {
            return false;
        }
        catalog.replace(org, with(p.get(), p.get().schemaVersion(), null));
        return true;
    }

    @Override
    public synchronized Optional<String> lockHolder(String org, String schemaDb) {
        return catalog.getDatabase(org, schemaDb).map(Database::migrationJob);
    }

    private int batchWrites;

    @Override
    public synchronized void putBatches(List<TaskBatch> list) {
        list.forEach(b -> batches.computeIfAbsent(b.jobId(), k -> new TreeMap<>()).put(b.batch(), b));
    }

    @Override
    public synchronized Optional<TaskBatch> getBatch(String jobId, int batch) {
        return Optional.ofNullable(batches.getOrDefault(jobId, new TreeMap<>()).get(batch));
    }

    @Override
    public synchronized boolean recordBatch(TaskBatch batch) {
        TreeMap<Integer, TaskBatch> job = batches.computeIfAbsent(batch.jobId(), k -> new TreeMap<>());
        TaskBatch cur = job.get(batch.batch());
        if (!batch.rolledBack() && cur != null && cur.rolledBack()) {
            return false;
        }
        batchWrites++;
        job.put(batch.batch(), batch);
        return true;
    }

    /** How many times a batch step recorded a batch (test hook: one write per batch and step). */
    public synchronized int batchWrites() {
        return batchWrites;
    }

    @Override
    public synchronized Page<TaskBatch> listBatches(String jobId, Integer afterBatch, int limit) {
        TreeMap<Integer, TaskBatch> all = batches.getOrDefault(jobId, new TreeMap<>());
        var tail = afterBatch == null ? all : all.tailMap(afterBatch, false);
        List<TaskBatch> out = new ArrayList<>(tail.values().stream().limit(limit).toList());
        String next = out.size() == limit && tail.size() > limit ? Integer.toString(out.get(limit - 1).batch()) : null;
        return new Page<>(out, next);
    }

    @Override
    public synchronized void setSchemaVersion(String org, String database, long version) {
        catalog.getDatabase(org, database).ifPresent(d -> catalog.replace(org, with(d, version, d.migrationJob())));
    }

    @Override
    public synchronized void setBehind(String org, String child, Database.Behind behind) {
        catalog.getDatabase(org, child).ifPresent(d -> catalog.replace(org, d.withBehind(behind)));
    }

    private static Database with(Database d, long version, String job) {
        return new Database(d.name(), d.id(), d.group(), d.kind(), d.parent(), d.createdAt(), version, d.blockWrites(),
                job, d.behind());
    }
}
