package io.multidb.migrations;

import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.storage.SqliteStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The migration feature's entry: the control plane's use cases ({@link MigrationControl}), the views
 * ({@link MigrationViews}, {@link SchemaVersions}) and the workflow's steps ({@link MigrationSteps}), wired once on
 * the same ports. The per-database work is a {@link DatabaseMigrator}. See package-info for the whole story.
 */
public final class MigrationService {
    /** The table every migrated database carries: one row per applied job, written in the job's transaction. */
    public static final String VERSION_TABLE = SqliteMigrator.VERSION_TABLE;

    private final MigrationControl control;
    private final MigrationViews views;
    private final MigrationSteps steps;
    private final SchemaVersions versions;

    /** Waiting between looks at the family (injectable so tests never sleep). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public MigrationService(Catalog catalog, MigrationStore store, SqliteStore sqlite, DatabaseMigrator migrator,
                            WorkflowStarter workflows, MigrationOptions options, Clock clock, Sleeper sleeper) {
        Objects.requireNonNull(catalog);
        Objects.requireNonNull(store);
        Objects.requireNonNull(migrator);
        Objects.requireNonNull(workflows);
        Objects.requireNonNull(options);
        Objects.requireNonNull(clock);
        Objects.requireNonNull(sleeper);
        JobEnding ending = new JobEnding(store, migrator, sqlite.families(), workflows, options, clock);
        this.views = new MigrationViews(catalog, store, clock, sleeper);
        this.control = new MigrationControl(catalog, store, migrator, sqlite.families(), workflows, options, ending,
                views, clock);
        this.steps = new MigrationSteps(catalog, store, migrator, sqlite.families(), options, ending, clock, sleeper);
        this.versions = new SchemaVersions(catalog, migrator);
    }

    public MigrationControl control() {
        return control;
    }

    public MigrationViews views() {
        return views;
    }

    public MigrationSteps steps() {
        return steps;
    }

    public SchemaVersions versions() {
        return versions;
    }

    // The calls below are the handlers' and tests' shorthand for the use cases above.

    public MigrationJob start(String org, String parent, String sql, Integer maxConcurrency) {
        return control.start(org, parent, sql, maxConcurrency);
    }

    public MigrationJob start(String org, String parent, String sql, Integer maxConcurrency, JobPlan plan) {
        return control.start(org, parent, sql, maxConcurrency, plan);
    }

    public MigrationJob resume(String org, String parent, String jobId) {
        return control.resume(org, parent, jobId);
    }

    /** @param children null: every child marked behind */
    public MigrationJob repair(String org, String parent, List<String> children, JobPlan.FailurePolicy policy,
                               Integer maxConcurrency) {
        return control.repair(org, parent, children, policy, maxConcurrency);
    }

    public MigrationJob abort(String org, String parent, String jobId) {
        return control.abort(org, parent, jobId);
    }

    public MigrationJob retry(String org, String parent, String jobId) {
        return control.retry(org, parent, jobId);
    }

    public Optional<MigrationJob> releaseStaleLock(String org, String parent) {
        return control.releaseStaleLock(org, parent);
    }

    public List<MigrationJob> recoverAbandoned(String org) {
        return control.recoverAbandoned(org);
    }

    public MigrationJob getJob(String org, String parent, String jobId) {
        return views.getJob(org, parent, jobId);
    }

    public List<MigrationJob> listJobs(String org, String parent) {
        return views.listJobs(org, parent);
    }

    public Page<MigrationTask> progress(String jobId, String cursor, int limit) {
        return views.progress(jobId, cursor, limit);
    }

    public MigrationJob await(String org, String parent, String jobId, Duration timeout, Duration poll) {
        return views.await(org, parent, jobId, timeout, poll);
    }

    /** A database as the API shows it: a child's schema version is its family's (see {@link SchemaVersions}). */
    public Database withVersion(String org, Database d) {
        return versions.resolve(org, d);
    }

    public int prepare(String org, String jobId) {
        return steps.prepare(org, jobId).batches();
    }

    public MigrationSteps.Prepared prepared(String org, String jobId) {
        return steps.prepare(org, jobId);
    }

    public PauseClock.Look awaitResume(String org, String jobId, int checks) {
        return steps.awaitResume(org, jobId, checks);
    }

    public void dryRunParent(String org, String jobId) {
        steps.dryRunParent(org, jobId);
    }

    public void dryRunBatch(String org, String jobId, int batch) {
        steps.dryRunBatch(org, jobId, batch);
    }

    public void applyBatch(String org, String jobId, int batch) {
        steps.applyBatch(org, jobId, batch);
    }

    public void applyParent(String org, String jobId) {
        steps.applyParent(org, jobId);
    }

    public void restoreBatch(String org, String jobId, int batch) {
        steps.restoreBatch(org, jobId, batch);
    }

    /** @param succeeded unused: the files decide (see JobEnding#finish); kept for the workflow's input shape */
    public MigrationJob finish(String org, String jobId, boolean succeeded, String error) {
        return steps.finish(org, jobId, succeeded ? null : error);
    }
}
