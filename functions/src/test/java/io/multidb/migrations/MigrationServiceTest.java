package io.multidb.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.storage.UndoJournals;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration use cases on real SQLite files, driven in the order the state machine runs them (the real ASL
 * run is the integration test's): every test ends by checking the family invariant, every database at the
 * parent's version with its rows intact.
 */
class MigrationServiceTest {
    private static final String ORG = "acme";

    @TempDir
    Path root;

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final InMemoryMigrationStore store = new InMemoryMigrationStore(catalog);
    private final FakeWorkflows workflows = new FakeWorkflows();
    private SqliteStore sqlite;
    private DatabaseService databases;

    /** Records starts; the state describe() reports is set by the test. */
    static class FakeWorkflows implements WorkflowStarter {
        final List<String> started = new ArrayList<>();
        final ConcurrentHashMap<String, ExecutionState> states = new ConcurrentHashMap<>();

        @Override
        public void start(MigrationJob job) {
            started.add(job.id());
            states.put(job.id(), ExecutionState.RUNNING);
        }

        @Override
        public ExecutionState describe(String jobId) {
            return states.getOrDefault(jobId, ExecutionState.NOT_FOUND);
        }
    }

    private static final MigrationOptions OPTIONS =
            new MigrationOptions(5, 500, 3, 10, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(2));
    private MigrationService current;

    private MigrationService service(UnaryOperator<DatabaseMigrator> faults) {
        sqlite = new SqliteStore(root, StorageOptions.defaults());
        databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
        current = new MigrationService(catalog, store, sqlite, migrator(faults), workflows, OPTIONS, Clock.systemUTC(),
                d -> { });
        return current;
    }

    private DatabaseMigrator migrator(UnaryOperator<DatabaseMigrator> faults) {
        return faults.apply(new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC()));
    }

    private static final UnaryOperator<DatabaseMigrator> NO_FAULTS = UnaryOperator.identity();

    @AfterEach
    void close() {
        if (sqlite != null) {
            sqlite.close();
        }
    }

    /** A parent with table t(id, name, email) and {@code children} children; child i holds i+1 rows of its own. */
    private List<String> family(int children) throws Exception {
        databases.createGroup(ORG, "default", "local");
        databases.createDatabase(ORG, new CreateDatabase("app", "default", true, null));
        exec("app", "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            String name = String.format("c%02d", i);
            databases.createDatabase(ORG, new CreateDatabase(name, "default", false, "app"));
            for (int r = 0; r <= i; r++) {
                exec(name, "INSERT INTO t(name, email) VALUES ('" + name + "-" + r + "', '" + name + "-" + r + "@x')");
            }
            names.add(name);
        }
        return names;
    }

    private void exec(String db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private List<String> rows(String db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, name, email FROM t ORDER BY id")) {
            while (r.next()) {
                out.add(r.getLong(1) + "|" + r.getString(2) + "|" + r.getString(3));
            }
        }
        return out;
    }

    private String schema(String db) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT type, name, sql FROM sqlite_schema ORDER BY name")) {
            while (r.next()) {
                b.append(r.getString(1)).append(' ').append(r.getString(2)).append(": ").append(r.getString(3)).append('\n');
            }
        }
        return b.toString();
    }

    private int versionRows(String db, String jobId) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name = '_multidb_schema'")) {
            r.next();
            if (r.getInt(1) == 0) {
                return 0;
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM _multidb_schema WHERE job_id = '" + jobId + "'")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** The version the API reports (a child's from its family, or its file while a job runs). */
    private long catalogVersion(String db) {
        return current.withVersion(ORG, catalog.getDatabase(ORG, db).orElseThrow()).schemaVersion();
    }

    /**
     * Runs the job's steps in the state machine's order: Retry on TRANSIENT (as the ASL's Retry does), every other
     * failure before the apply goes to Release, during or after it to Restore then Release.
     */
    private MigrationJob drive(MigrationService m, MigrationJob job) {
        String id = job.id();
        int batches;
        try {
            batches = retrying(() -> m.prepare(ORG, id));
            retrying(() -> { m.dryRunParent(ORG, id); return 0; });
            for (int b = 0; b < batches; b++) {
                int batch = b;
                retrying(() -> { m.dryRunBatch(ORG, id, batch); return 0; });
            }
        } catch (MigrationStepFailed e) {
            return m.finish(ORG, id, false, e.reason() + ": " + e.getMessage());
        }
        try {
            for (int b = 0; b < batches; b++) {
                int batch = b;
                retrying(() -> { m.applyBatch(ORG, id, batch); return 0; });
            }
            retrying(() -> { m.applyParent(ORG, id); return 0; });
        } catch (MigrationStepFailed e) {
            for (int b = 0; b < batches; b++) {
                int batch = b;
                retrying(() -> { m.restoreBatch(ORG, id, batch); return 0; });
            }
            return m.finish(ORG, id, false, e.reason() + ": " + e.getMessage());
        }
        return m.finish(ORG, id, true, null);
    }

    private interface Step {
        int run();
    }

    private static int retrying(Step step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.run();
            } catch (MigrationStepFailed e) {
                if (e.reason() != MigrationStepFailed.Reason.TRANSIENT || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private void assertFamilyAt(List<String> children, long version) {
        assertThat(catalogVersion("app")).isEqualTo(version);
        for (String c : children) {
            assertThat(catalogVersion(c)).as(c).isEqualTo(version);
        }
        assertThat(store.lockHolder(ORG, "app")).isEmpty();
        assertThat(UndoLeftovers.in(root)).isEmpty();
        for (String db : children) {
            assertThat(current.versions().resolve(ORG, catalog.getDatabase(ORG, db).orElseThrow()).schemaVersion())
                    .isEqualTo(fileVersion(db));
        }
        assertThat(fileVersion("app")).isEqualTo(version);
    }

    private long fileVersion(String db) throws RuntimeException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_schema WHERE name = '_multidb_schema'")) {
            r.next();
            if (r.getInt(1) == 0) {
                return 0;
            }
            try (ResultSet v = s.executeQuery("SELECT max(version) FROM _multidb_schema")) {
                v.next();
                return v.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fiftyChildrenGetTheColumnAndTheIndexWithTheirRowsIntact() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(50);
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT; CREATE INDEX t_name ON t(name);", 8);
        assertThat(workflows.started).containsExactly(job.id());
        assertThat(catalog.getDatabase(ORG, "app").orElseThrow().migrationJob()).isEqualTo(job.id());

        MigrationJob done = drive(m, job);

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.batchCount()).isEqualTo(10);
        assertFamilyAt(children, 1);
        for (int i = 0; i < children.size(); i++) {
            String c = children.get(i);
            assertThat(schema(c)).contains("note TEXT").contains("index t_name");
            assertThat(rows(c)).hasSize(i + 1).allMatch(r -> r.contains(c + "-"));
            assertThat(versionRows(c, job.id())).isEqualTo(1);
        }
        assertThat(schema("app")).contains("note TEXT").contains("index t_name");
        assertThat(m.progress(job.id(), null, 1000).items()).hasSize(51)
                .allMatch(t -> t.status() == TaskStatus.APPLIED && t.schemaVersion() == 1);
    }

    @Test
    void aBatchStepRecordsItsDatabasesOutcomesInOneWriteNotOnePerDatabase() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(5); // one batch (at least 5 per batch here)
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null);
        assertThat(m.prepare(ORG, job.id())).isEqualTo(1);
        m.dryRunParent(ORG, job.id());
        int batched = store.batchWrites();

        m.dryRunBatch(ORG, job.id(), 0);
        assertThat(m.progress(job.id(), null, 100).items()).filteredOn(t -> !t.isParent())
                .hasSize(5).allMatch(t -> t.status() == TaskStatus.DRY_RUN_OK);
        m.applyBatch(ORG, job.id(), 0);

        assertThat(store.batchWrites() - batched).isEqualTo(2);
        assertThat(m.progress(job.id(), null, 100).items()).filteredOn(t -> !t.isParent())
                .hasSize(5).allMatch(t -> t.status() == TaskStatus.APPLIED && t.schemaVersion() == 1);
        m.applyParent(ORG, job.id());
        assertThat(m.finish(ORG, job.id(), true, null).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertFamilyAt(children, 1);
    }

    @Test
    void aDryRunFailureOnOneChildChangesNothingAndNamesTheChildAndSqlitesError() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(12);
        exec("c07", "INSERT INTO t(name, email) VALUES ('dup', 'c07-0@x')");
        List<String> before = new ArrayList<>();
        for (String c : children) {
            before.add(schema(c) + rows(c));
        }
        String parentBefore = schema("app") + rows("app");

        MigrationJob done = drive(m, m.start(ORG, "app", "CREATE UNIQUE INDEX t_email ON t(email)", null));

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.failedChildren()).singleElement().satisfies(f -> {
            assertThat(f.database()).isEqualTo("c07");
            assertThat(f.error()).contains("UNIQUE constraint failed: t.email");
        });
        assertThat(done.error()).contains("c07").contains("UNIQUE constraint failed").contains("nothing was changed");
        assertFamilyAt(children, 0);
        for (int i = 0; i < children.size(); i++) {
            assertThat(schema(children.get(i)) + rows(children.get(i))).isEqualTo(before.get(i));
        }
        assertThat(schema("app") + rows("app")).isEqualTo(parentBefore);
    }

    @Test
    void aFailureAfterTheDryRunRestoresChangedChildrenAndLeavesTheParentUntouched() throws Exception {
        MigrationService m = service(FaultyMigrator.failApplyOf("c07"));
        List<String> children = family(10);
        List<String> before = new ArrayList<>();
        for (String c : children) {
            before.add(schema(c) + rows(c));
        }
        String parentBefore = schema("app") + rows("app");

        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x'; UPDATE t SET name = 'changed'", null);
        MigrationJob done = drive(m, job);

        assertThat(done.status()).isEqualTo(JobStatus.ROLLED_BACK);
        assertThat(done.failedChildren()).extracting(ChildFailure::database).containsExactly("c07");
        assertThat(done.error()).contains("c07").contains("injected failure");
        // Batch 0 (c00..c04) was applied before c07 failed: those were really changed, then really restored.
        assertThat(m.progress(job.id(), null, 100).items()).filteredOn(t -> t.status() == TaskStatus.RESTORED)
                .extracting(MigrationTask::database).contains("c00", "c01", "c02", "c03", "c04");
        assertFamilyAt(children, 0);
        for (int i = 0; i < children.size(); i++) {
            assertThat(schema(children.get(i)) + rows(children.get(i))).as(children.get(i)).isEqualTo(before.get(i));
            assertThat(versionRows(children.get(i), job.id())).isZero();
        }
        assertThat(schema("app") + rows("app")).isEqualTo(parentBefore);
    }

    @Test
    void anApplyRetriedAfterACrashAfterCommitAppliesOnce() throws Exception {
        MigrationService m = service(FaultyMigrator.crashAfterCommitOf("c02"));
        List<String> children = family(4);

        MigrationJob job = m.start(ORG, "app",
                "ALTER TABLE t ADD COLUMN note TEXT; INSERT INTO t(name, email) VALUES ('seed', 'seed@x')", null);
        MigrationJob done = drive(m, job);

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertFamilyAt(children, 1);
        assertThat(rows("c02")).filteredOn(r -> r.contains("|seed|")).hasSize(1);
        assertThat(rows("c02")).hasSize(4);
        assertThat(versionRows("c02", job.id())).isEqualTo(1);
        assertThat(rows("app")).filteredOn(r -> r.contains("|seed|")).hasSize(1);
    }

    @Test
    void aJobIsReportedEndedOnlyOnceItsFamilyIsWritableAgain() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(3);
        // Clients poll the job, or wait for it, and then write: the fence must be down when they see it ended.
        List<String> fencedWhenEnded = new ArrayList<>();
        store.onUpdateJob(j -> {
            if (j.status().isFinal()) {
                sqlite.families().fenced("app").ifPresent(job -> fencedWhenEnded.add(j.status() + " " + job));
            }
        });
        MigrationJob ok = drive(m, m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null));
        exec("c01", "INSERT INTO t(name, email) VALUES ('dup', 'c01-0@x')");
        MigrationJob failed = drive(m, m.start(ORG, "app", "CREATE UNIQUE INDEX t_email ON t(email)", null));

        assertThat(ok.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(fencedWhenEnded).isEmpty();
        assertThat(sqlite.families().fenced("app")).isEmpty();
        assertThat(store.lockHolder(ORG, "app")).isEmpty();
        assertThat(children).hasSize(3);
    }

    @Test
    void waitingForAJobLastsUntilItHasReleasedItsFamily() throws Exception {
        MigrationService m = service(NO_FAULTS);
        family(1);
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null);
        // As between finish's status write and its unlock: ended, the lock still held (creates would get 409).
        store.updateJob(job.finished(JobStatus.FAILED, "failed", List.of(), java.time.Instant.now()), JobStatus.RUNNING);
        List<String> looks = new ArrayList<>();
        MigrationService waiting = new MigrationService(catalog, store, sqlite, migrator(NO_FAULTS), workflows, OPTIONS,
                Clock.systemUTC(), d -> {
                    looks.add("look");
                    store.unlockFamily(ORG, "app", job.id());
                });

        MigrationJob seen = waiting.await(ORG, "app", job.id(), Duration.ofMinutes(1), Duration.ofMillis(1));

        assertThat(seen.status()).isEqualTo(JobStatus.FAILED);
        assertThat(looks).hasSize(1);
        assertThat(store.lockHolder(ORG, "app")).isEmpty();
        sqlite.families().unfence("app", job.id());
    }

    @Test
    void aSecondMigrationOfTheFamilyIsAConflictNamingTheRunningJob() throws Exception {
        MigrationService m = service(NO_FAULTS);
        family(2);
        MigrationJob first = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN a TEXT", null);

        assertThatThrownBy(() -> m.start(ORG, "app", "ALTER TABLE t ADD COLUMN b TEXT", null))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT))
                .hasMessageContaining(first.id());
        assertThat(store.listJobs(ORG, "app")).extracting(MigrationJob::id).containsExactly(first.id());
        // and a child cannot be created meanwhile
        assertThatThrownBy(() -> databases.createDatabase(ORG, new CreateDatabase("late", "default", false, "app")))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));
    }

    @Test
    void aLockWhoseWorkflowEndedIsRolledBackAndReleasedByTheNextStart() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(6);
        MigrationJob crashed = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN a TEXT", null);
        m.prepare(ORG, crashed.id());
        m.dryRunParent(ORG, crashed.id());
        m.dryRunBatch(ORG, crashed.id(), 0);
        m.applyBatch(ORG, crashed.id(), 0); // c00..c04 changed, then the execution is stopped
        assertThat(catalogVersion("c00")).isEqualTo(1);
        workflows.states.put(crashed.id(), WorkflowStarter.ExecutionState.ABORTED);

        MigrationJob next = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN b TEXT", null);

        MigrationJob old = store.getJob(ORG, crashed.id()).orElseThrow();
        assertThat(old.status()).isEqualTo(JobStatus.ROLLED_BACK);
        assertThat(old.error()).contains("workflow ended (aborted)");
        for (String c : children) {
            assertThat(schema(c)).doesNotContain(" a TEXT");
            assertThat(versionRows(c, crashed.id())).isZero();
        }
        assertThat(store.lockHolder(ORG, "app")).contains(next.id());
        assertThat(drive(m, next).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertFamilyAt(children, 1);
    }

    @Test
    void anAbortRollsTheJobBackAtItsNextStep() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(7);
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN a TEXT", null);
        int batches = m.prepare(ORG, job.id());
        m.dryRunParent(ORG, job.id());
        for (int b = 0; b < batches; b++) {
            m.dryRunBatch(ORG, job.id(), b);
        }
        m.applyBatch(ORG, job.id(), 0);

        m.abort(ORG, "app", job.id());

        assertThatThrownBy(() -> m.applyBatch(ORG, job.id(), 1)).isInstanceOfSatisfying(MigrationStepFailed.class,
                e -> assertThat(e.reason()).isEqualTo(MigrationStepFailed.Reason.ABORTED));
        for (int b = 0; b < batches; b++) {
            m.restoreBatch(ORG, job.id(), b);
        }
        MigrationJob done = m.finish(ORG, job.id(), false, "Aborted");
        assertThat(done.status()).isEqualTo(JobStatus.ABORTED);
        assertFamilyAt(children, 0);
        for (String c : children) {
            assertThat(schema(c)).doesNotContain(" a TEXT");
        }
        MigrationJob again = m.retry(ORG, "app", job.id());
        assertThat(again.sql()).isEqualTo(job.sql());
        assertThat(drive(m, again).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertFamilyAt(children, 1);
    }

    @Test
    void aFailureInOneBatchWhileOthersStillApplyEndsRolledBackWithRecordsTrueToTheFiles() throws Exception {
        // Several batches (5 children each); batch 1 fails; batch 2's apply arrives after the rollback began (a
        // lingering Map iteration): it must change nothing and must not overwrite what the rollback recorded.
        MigrationService m = service(FaultyMigrator.failApplyOf("c07"));
        List<String> children = family(15);
        java.util.Map<String, byte[]> before = new java.util.HashMap<>();
        for (String c : children) {
            before.put(c, java.nio.file.Files.readAllBytes(sqlite.fileOf(c)));
        }
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x'; CREATE INDEX t_n ON t(name)", null);
        int batches = m.prepare(ORG, job.id());
        assertThat(batches).isEqualTo(3);
        m.dryRunParent(ORG, job.id());
        for (int b = 0; b < batches; b++) {
            m.dryRunBatch(ORG, job.id(), b);
        }
        m.applyBatch(ORG, job.id(), 0);
        assertThatThrownBy(() -> m.applyBatch(ORG, job.id(), 1)).isInstanceOfSatisfying(MigrationStepFailed.class,
                e -> assertThat(e.reason()).isEqualTo(MigrationStepFailed.Reason.APPLY_FAILED));
        m.restoreBatch(ORG, job.id(), 0);
        assertThatThrownBy(() -> m.applyBatch(ORG, job.id(), 2)).isInstanceOfSatisfying(MigrationStepFailed.class,
                e -> assertThat(e.reason()).isEqualTo(MigrationStepFailed.Reason.NOT_RUNNING));
        m.restoreBatch(ORG, job.id(), 1);
        m.restoreBatch(ORG, job.id(), 2);
        MigrationJob done = m.finish(ORG, job.id(), false, "ApplyFailed");

        assertThat(done.status()).isEqualTo(JobStatus.ROLLED_BACK);
        assertThat(done.error()).doesNotContain("could not restore");
        assertThat(m.progress(job.id(), null, 100).items()).filteredOn(t -> !t.isParent())
                .allSatisfy(t -> {
                    assertThat(t.status()).isNotEqualTo(TaskStatus.APPLIED);
                    assertThat(t.schemaVersion()).isZero();
                });
        assertThat(m.progress(job.id(), null, 100).items()).filteredOn(t -> t.status() == TaskStatus.RESTORED)
                .extracting(MigrationTask::database).contains("c00", "c01", "c02", "c03", "c04")
                .doesNotContain("c07", "c10", "c11", "c12", "c13", "c14"); // batch 1 ran c05..c07 at once
        assertFamilyAt(children, 0);
        for (String c : children) {
            // The undo is SQLite's own rollback of the kept journal: the file is byte for byte what it was.
            assertThat(java.nio.file.Files.readAllBytes(sqlite.fileOf(c))).as(c).isEqualTo(before.get(c));
        }
    }

    @Test
    void aJobWhoseProcessDiedRightAfterTheParentsCommitSucceedsAndRecordsTheParentsVersion() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(4);
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null);
        m.prepare(ORG, job.id());
        m.dryRunParent(ORG, job.id());
        m.dryRunBatch(ORG, job.id(), 0);
        m.applyBatch(ORG, job.id(), 0);
        // The parent's apply committed, then the process died before anything was recorded.
        current.steps();
        new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC()).apply("app", "app",
                store.getJob(ORG, job.id()).orElseThrow(), false);
        assertThat(catalog.getDatabase(ORG, "app").orElseThrow().schemaVersion()).isZero();
        workflows.states.put(job.id(), WorkflowStarter.ExecutionState.FAILED);

        assertThat(m.releaseStaleLock(ORG, "app")).hasValueSatisfying(j -> assertThat(j.status()).isEqualTo(JobStatus.SUCCEEDED));
        assertFamilyAt(children, 1);
        // Found by the crash suite: the parent's progress entry says so too.
        assertThat(m.progress(job.id(), null, 100).items()).allSatisfy(t -> {
            assertThat(t.status()).as(t.database()).isEqualTo(TaskStatus.APPLIED);
            assertThat(t.schemaVersion()).as(t.database()).isEqualTo(1);
        });
        // The next migration is numbered after it.
        assertThat(drive(m, m.start(ORG, "app", "CREATE INDEX t_note ON t(note)", null)).toVersion()).isEqualTo(2);
        assertFamilyAt(children, 2);
    }

    @Test
    void aRollbackInterruptedHalfWayIsFinishedAndEveryRestoredChildReportsItsOldVersion() throws Exception {
        MigrationService m = service(FaultyMigrator.failApplyOf("c12"));
        List<String> children = family(15);
        MigrationJob job = m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null);
        int batches = m.prepare(ORG, job.id());
        m.dryRunParent(ORG, job.id());
        for (int b = 0; b < batches; b++) {
            m.dryRunBatch(ORG, job.id(), b);
        }
        m.applyBatch(ORG, job.id(), 0);
        m.applyBatch(ORG, job.id(), 1);
        assertThatThrownBy(() -> m.applyBatch(ORG, job.id(), 2)).isInstanceOf(MigrationStepFailed.class);
        m.restoreBatch(ORG, job.id(), 0); // then the process dies during the rollback
        assertThat(catalogVersion("c00")).isZero();
        assertThat(catalogVersion("c07")).isEqualTo(1); // still changed: the API says so
        workflows.states.remove(job.id()); // lost with its engine
        MigrationService restarted = new MigrationService(catalog, store, sqlite, migrator(NO_FAULTS),
                new FakeWorkflows() {
                    @Override
                    public java.time.Instant knowsExecutionsSince() {
                        return java.time.Instant.now();
                    }
                }, OPTIONS, Clock.systemUTC(), d -> { });

        assertThat(restarted.recoverAbandoned(ORG)).singleElement()
                .satisfies(j -> assertThat(j.status()).isEqualTo(JobStatus.ROLLED_BACK));
        assertFamilyAt(children, 0);
        assertThat(restarted.progress(job.id(), null, 100).items()).allSatisfy(t -> assertThat(t.schemaVersion()).isZero());
    }

    @Test
    void aTriggerWhoseBodyHoldsCaseEndMigratesAFamily() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(3);
        String sql = "CREATE TABLE u(note TEXT); CREATE TABLE v(b TEXT);\n"
                + "CREATE TRIGGER tr2 AFTER UPDATE ON t BEGIN UPDATE v SET b = CASE WHEN new.id > 0 THEN 'pos' ELSE 'neg' END; "
                + "INSERT INTO u(note) VALUES ('x;y'); END;\n-- a comment; with a semicolon\nCREATE INDEX \"t;idx\" ON t(name)";
        MigrationJob job = m.start(ORG, "app", sql, null);
        assertThat(job.program().statements()).hasSize(4);

        assertThat(drive(m, job).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertFamilyAt(children, 1);
        for (String c : children) {
            assertThat(schema(c)).contains("trigger tr2").contains("CASE WHEN new.id > 0").contains("index t;idx");
        }
    }

    @Test
    void aHappyJobCostsAFewMetadataCallsPerBatchNotPerChild() throws Exception {
        MigrationService m = service(NO_FAULTS);
        family(30);
        int before = store.batchWrites();
        MigrationJob done = drive(m, m.start(ORG, "app", "ALTER TABLE t ADD COLUMN note TEXT", null));
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        // 6 batches of 5: one record per batch and step (dry-run, apply) plus the parent's two.
        assertThat(store.batchWrites() - before).isEqualTo(6 * 2 + 2);
    }

    @Test
    void quarantineLeavesFailingChildrenBehindAndARepairRefusesAVersionNoRecordedJobBrought() throws Exception {
        MigrationService m = service(NO_FAULTS);
        List<String> children = family(8);
        exec("c02", "INSERT INTO t(name, email) VALUES ('dup', 'c02-0@x')");
        exec("c06", "INSERT INTO t(name, email) VALUES ('dup', 'c06-0@x')");
        JobPlan quarantine = new JobPlan(null, null, false, JobPlan.FailurePolicy.QUARANTINE, null);

        MigrationJob done = drive(m, m.start(ORG, "app", "CREATE UNIQUE INDEX t_email ON t(email)", 2, quarantine));

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED_WITH_QUARANTINE);
        assertThat(done.failedChildren()).extracting(ChildFailure::database).containsExactly("c02", "c06");
        for (String c : children) {
            boolean behind = c.equals("c02") || c.equals("c06");
            Database d = catalog.getDatabase(ORG, c).orElseThrow();
            assertThat(d.behind() != null).as(c).isEqualTo(behind);
            assertThat(catalogVersion(c)).as(c).isEqualTo(behind ? 0 : 1);
            assertThat(schema(c).contains("t_email")).as(c).isEqualTo(!behind);
        }
        assertThat(catalog.getDatabase(ORG, "c02").orElseThrow().behind().error()).contains("UNIQUE constraint failed");
        assertThat(catalogVersion("app")).isEqualTo(1);
        assertThat(UndoLeftovers.in(root)).isEmpty();

        // Version 2 of the parent, brought by no recorded job: what the behind children lack cannot be replayed.
        store.setSchemaVersion(ORG, "app", 2);
        assertThatThrownBy(() -> m.repair(ORG, "app", null, JobPlan.FailurePolicy.ROLLBACK_ALL, null))
                .isInstanceOfSatisfying(MultidbException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
                    assertThat(e.getMessage()).contains("version 2");
                });
        store.setSchemaVersion(ORG, "app", 1);
        // Only children of the family can be repaired.
        assertThatThrownBy(() -> m.repair(ORG, "app", List.of("nope"), JobPlan.FailurePolicy.ROLLBACK_ALL, null))
                .hasMessageContaining("not a child");
        // Fixed, and repaired: every database at version 1, the marks gone.
        exec("c02", "DELETE FROM t WHERE name = 'dup'");
        exec("c06", "DELETE FROM t WHERE name = 'dup'");
        MigrationJob repaired = drive(m, m.retry(ORG, "app", done.id()));
        assertThat(repaired.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(repaired.plan().repair().targets()).containsExactly("c02", "c06");
        assertFamilyAt(children, 1);
        assertThat(catalog.getDatabase(ORG, "c02").orElseThrow().behind()).isNull();
    }

    @Test
    void emptySqlIsRefused() throws Exception {
        MigrationService m = service(NO_FAULTS);
        family(1);
        assertThatThrownBy(() -> m.start(ORG, "app", "  ", null))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        assertThat(store.lockHolder(ORG, "app")).isEmpty();
        assertThat(store.listJobs(ORG, "app")).isEmpty();
    }
}
