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
    private final Map<String, TreeMap<String, MigrationTask>> tasks = new HashMap<>();
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

    private int singleTaskWrites;
    private int outcomeWrites;

    @Override
    public synchronized void putTask(MigrationTask task) {
        singleTaskWrites++;
        tasks.computeIfAbsent(task.jobId(), k -> new TreeMap<>()).put(task.database(), task);
    }

    @Override
    public synchronized void putTaskOutcomes(List<MigrationTask> outcomes) {
        outcomeWrites++;
        outcomes.forEach(t -> tasks.computeIfAbsent(t.jobId(), k -> new TreeMap<>()).put(t.database(), t));
    }

    /** How many times putTask was called (test hook: batch steps should not write one task at a time). */
    public synchronized int singleTaskWrites() {
        return singleTaskWrites;
    }

    /** How many times putTaskOutcomes was called. */
    public synchronized int outcomeWrites() {
        return outcomeWrites;
    }

    @Override
    public synchronized boolean updateTask(MigrationTask task, Set<TaskStatus> expected) {
        MigrationTask cur = tasks.getOrDefault(task.jobId(), new TreeMap<>()).get(task.database());
        if (cur == null || !expected.contains(cur.status())) {
            return false;
        }
        putTask(task);
        return true;
    }

    @Override
    public synchronized Optional<MigrationTask> getTask(String jobId, String database) {
        return Optional.ofNullable(tasks.getOrDefault(jobId, new TreeMap<>()).get(database));
    }

    @Override
    public synchronized Page<MigrationTask> listTasks(String jobId, String cursor, int limit) {
        TreeMap<String, MigrationTask> all = tasks.getOrDefault(jobId, new TreeMap<>());
        var tail = cursor == null ? all : all.tailMap(cursor, false);
        List<MigrationTask> out = new ArrayList<>(tail.values().stream().limit(limit).toList());
        String next = out.size() == limit && tail.size() > limit ? out.get(out.size() - 1).database() : null;
        return new Page<>(out, next);
    }

    @Override
    public synchronized List<MigrationTask> listBatch(String jobId, int batch) {
        return tasks.getOrDefault(jobId, new TreeMap<>()).values().stream().filter(t -> t.batch() == batch).toList();
    }

    @Override
    public synchronized void setSchemaVersion(String org, String database, long version) {
        catalog.getDatabase(org, database).ifPresent(d -> catalog.replace(org, with(d, version, d.migrationJob())));
    }

    private static Database with(Database d, long version, String job) {
        return new Database(d.name(), d.id(), d.group(), d.kind(), d.parent(), d.createdAt(), version, d.blockWrites(), job);
    }
}
