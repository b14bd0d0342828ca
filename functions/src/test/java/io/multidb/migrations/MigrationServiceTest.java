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
class MigrationServiceTest extends MigrationFamilyFixture {
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
    void emptySqlIsRefused() throws Exception {
        MigrationService m = service(NO_FAULTS);
        family(1);
        assertThatThrownBy(() -> m.start(ORG, "app", "  ", null))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        assertThat(store.lockHolder(ORG, "app")).isEmpty();
        assertThat(store.listJobs(ORG, "app")).isEmpty();
    }
}
