package io.multidb.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.SqliteMigrator;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.storage.UndoJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift classification on real SQLite files: a family made and migrated through the migration use cases (driven in
 * the state machine's order), then children changed behind the API's back with plain sqlite-jdbc.
 */
class DriftServiceTest {
    private static final String ORG = "acme";
    private static final MigrationOptions MIGRATIONS =
            new MigrationOptions(5, 500, 3, 10, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(2));

    @TempDir
    Path root;

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final InMemoryMigrationStore migrationStore = new InMemoryMigrationStore(catalog);
    private final InMemoryDriftStore driftStore = new InMemoryDriftStore();
    private final FakeWorkflows workflows = new FakeWorkflows();
    private SqliteStore sqlite;
    private DatabaseService databases;
    private MigrationService migrations;

    /** Records drift scans started; describe() says what the test set. */
    static final class FakeWorkflows implements WorkflowStarter {
        final List<String> scans = new ArrayList<>();
        final ConcurrentHashMap<String, ExecutionState> states = new ConcurrentHashMap<>();

        @Override
        public void start(MigrationJob job) {
            states.put(job.id(), ExecutionState.RUNNING);
        }

        @Override
        public ExecutionState describe(String id) {
            return states.getOrDefault(id, ExecutionState.NOT_FOUND);
        }

        @Override
        public void startDriftScan(String org, String schemaDb, String scanId, int maxConcurrency) {
            scans.add(scanId);
            states.put(scanId, ExecutionState.RUNNING);
        }
    }

    @BeforeEach
    void setUp() {
        sqlite = new SqliteStore(root.resolve("data"), StorageOptions.defaults());
        databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
        DatabaseMigrator migrator = new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC());
        migrations = new MigrationService(catalog, migrationStore, sqlite, migrator, workflows, MIGRATIONS,
                Clock.systemUTC(), d -> { });
    }

    @AfterEach
    void close() {
        sqlite.close();
    }

    private DriftService drift(int inlineLimit) {
        return new DriftService(catalog, migrationStore, driftStore, sqlite, workflows,
                DriftOptions.defaults().withInlineLimit(inlineLimit), Clock.systemUTC());
    }

    private List<String> family(int children) throws SQLException {
        databases.createGroup(ORG, "default", "local");
        databases.createDatabase(ORG, new CreateDatabase("app", "default", true, null));
        exec("app", "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL)");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            String name = String.format("c%02d", i);
            databases.createDatabase(ORG, new CreateDatabase(name, "default", false, "app"));
            exec(name, "INSERT INTO users(email) VALUES ('" + name + "@x')");
            names.add(name);
        }
        return names;
    }

    private void exec(String db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** One migration through the use cases, in the state machine's order; it must succeed. */
    private MigrationJob migrate(String sql) {
        MigrationJob job = migrations.start(ORG, "app", sql, null);
        int batches = migrations.prepare(ORG, job.id());
        migrations.dryRunParent(ORG, job.id());
        for (int b = 0; b < batches; b++) {
            migrations.dryRunBatch(ORG, job.id(), b);
        }
        for (int b = 0; b < batches; b++) {
            migrations.applyBatch(ORG, job.id(), b);
        }
        migrations.applyParent(ORG, job.id());
        MigrationJob done = migrations.finish(ORG, job.id(), true, null);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        return done;
    }

    private Path copyOf(String db) throws Exception {
        sqlite.evict(db);
        Path copy = root.resolve(db + ".before");
        Files.copy(sqlite.fileOf(db), copy);
        return copy;
    }

    private void restore(String db, Path copy) throws Exception {
        sqlite.evict(db);
        Files.copy(copy, sqlite.fileOf(db), StandardCopyOption.REPLACE_EXISTING);
    }

    private String digest(String db) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(sqlite.fileOf(db))));
    }

    private List<ChildDrift> children(DriftService d, DriftReport r) {
        return d.children(r, null, 1000).children();
    }

    @Test
    void anInSyncFamilyHasAnEmptyReport() throws Exception {
        family(7);
        migrate("ALTER TABLE users ADD COLUMN nick TEXT");
        migrate("CREATE INDEX idx_users_email ON users(email)");
        DriftService d = drift(1000);
        DriftReport r = d.start(ORG, "app", null);
        assertThat(r.status()).isEqualTo(ScanStatus.COMPLETE);
        assertThat(r.schemaVersion()).isEqualTo(2);
        assertThat(r.counts()).isEqualTo(new DriftCounts(7, 0, 0, 0));
        assertThat(r.childrenScanned()).isEqualTo(7);
        assertThat(children(d, r)).isEmpty();
        assertThat(d.latest(ORG, "app")).isEqualTo(r);
    }

    @Test
    void eachClassIsNamedWithItsDetailsAndNoFileChanges() throws Exception {
        List<String> names = family(6);
        Path atZero = copyOf("c01");
        Path atZeroToo = copyOf("c02");
        MigrationJob first = migrate("ALTER TABLE users ADD COLUMN nick TEXT");
        Path atOne = copyOf("c03");
        MigrationJob second = migrate("CREATE INDEX idx_users_email ON users(email)");
        exec("c00", "CREATE INDEX idx_sneaky ON users(nick)");          // changed behind the API's back
        restore("c01", atZero);                                          // two versions behind
        restore("c02", atZeroToo);
        exec("c02", "ALTER TABLE users ADD COLUMN extra INTEGER");       // behind AND changed
        restore("c03", atOne);                                           // one version behind
        Files.write(sqlite.fileOf("c04"), "not a database at all, just some bytes ".repeat(200).getBytes());
        List<String> before = new ArrayList<>();
        for (String n : names) {
            before.add(digest(n));
        }

        DriftService d = drift(1000);
        DriftReport r = d.start(ORG, "app", 2);
        assertThat(r.counts()).isEqualTo(new DriftCounts(1, 2, 2, 1));
        List<ChildDrift> found = children(d, r);
        assertThat(found).extracting(ChildDrift::database).containsExactly("c00", "c01", "c02", "c03", "c04");

        assertThat(found.get(0).status()).isEqualTo(DriftClass.DIVERGED);
        assertThat(found.get(0).schemaVersion()).isEqualTo(2);
        assertThat(found.get(0).details()).containsExactly("extra index idx_sneaky on users");

        assertThat(found.get(1).status()).isEqualTo(DriftClass.BEHIND);
        assertThat(found.get(1).schemaVersion()).isZero();
        assertThat(found.get(1).details()).containsExactly(
                "2 version(s) behind: lacks versions 1..2 (jobs " + first.id() + ", " + second.id() + ")",
                "missing column users.nick", "missing index idx_users_email on users");

        assertThat(found.get(2).status()).isEqualTo(DriftClass.DIVERGED);
        assertThat(found.get(2).details()).containsExactly(
                "after replaying versions 1..2 it still differs from the schema database:", "extra column users.extra");

        assertThat(found.get(3).status()).isEqualTo(DriftClass.BEHIND);
        assertThat(found.get(3).schemaVersion()).isEqualTo(1);
        assertThat(found.get(3).details()).containsExactly(
                "1 version(s) behind: lacks version 2 (job " + second.id() + ")", "missing index idx_users_email on users");

        assertThat(found.get(4).status()).isEqualTo(DriftClass.UNREADABLE);
        assertThat(found.get(4).details().getFirst()).contains("not a database");

        for (int i = 0; i < names.size(); i++) {
            assertThat(digest(names.get(i))).as(names.get(i) + " unchanged by the scan").isEqualTo(before.get(i));
        }
        assertThat(Files.exists(sqlite.fileOf("c01").resolveSibling("c01.db-journal"))).isFalse();
    }

    @Test
    void aChildWhoseRowsBlockTheReplayButWhoseSchemaItsVersionExplainsIsBehind() throws Exception {
        family(2);
        Path atZero = copyOf("c00");
        MigrationJob unique = migrate("CREATE UNIQUE INDEX users_email_u ON users(email)");
        restore("c00", atZero);
        // Its rows break the index (as a child a quarantining job left behind); its schema is version 0's.
        exec("c00", "INSERT INTO users(email) VALUES ('twice'), ('twice')");
        ChildDrift c00 = children(drift(1000), drift(1000).start(ORG, "app", null)).get(0);
        assertThat(c00.status()).isEqualTo(DriftClass.BEHIND);
        assertThat(c00.details().get(0)).contains(unique.id());
        assertThat(c00.details().get(1)).startsWith("its rows block version 1 (fix them before a repair): ")
                .contains("UNIQUE constraint failed");
    }

    @Test
    void aReplayThatFailsOrAVersionWithNoRecordedMigrationIsDiverged() throws Exception {
        family(3);
        Path atZero = copyOf("c00");
        Path atZeroToo = copyOf("c01");
        MigrationJob first = migrate("ALTER TABLE users ADD COLUMN nick TEXT");
        restore("c00", atZero);
        exec("c00", "ALTER TABLE users ADD COLUMN nick INTEGER"); // the replay's ADD COLUMN collides
        restore("c01", atZeroToo);
        DriftReport r = drift(1000).start(ORG, "app", null);
        List<ChildDrift> found = children(drift(1000), r);
        assertThat(found).extracting(ChildDrift::status).containsExactly(DriftClass.DIVERGED, DriftClass.BEHIND);
        assertThat(found.get(0).details().getFirst())
                .startsWith("replaying version 1 (job " + first.id() + ") fails: ").contains("duplicate column name: nick");

        migrationStore.deleteJob(ORG, first.id());
        DriftReport again = drift(1000).start(ORG, "app", null);
        ChildDrift c01 = children(drift(1000), again).get(1);
        assertThat(c01.status()).isEqualTo(DriftClass.DIVERGED);
        assertThat(c01.details()).startsWith("no recorded migration leads to version 1: the child cannot be brought "
                + "forward by replaying migrations");
    }

    @Test
    void aChildAheadOfItsSchemaDatabaseIsDiverged() throws Exception {
        family(2);
        migrate("ALTER TABLE users ADD COLUMN nick TEXT");
        exec("c01", "INSERT INTO _multidb_schema(version, job_id, applied_at) VALUES (5, 'x', 'now')");
        DriftService d = drift(1000);
        List<ChildDrift> found = children(d, d.start(ORG, "app", null));
        assertThat(found).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(DriftClass.DIVERGED);
            assertThat(c.details()).containsExactly("schema version 5 is ahead of the schema database's 1");
        });
    }

    @Test
    void aBigFamilyRunsAsAWorkflowWhoseStepsMakeTheSameReport() throws Exception {
        family(5);
        migrate("ALTER TABLE users ADD COLUMN nick TEXT");
        exec("c03", "CREATE TABLE scratch(x)");
        DriftService d = drift(2);
        DriftReport started = d.start(ORG, "app", 3);
        assertThat(started.status()).isEqualTo(ScanStatus.RUNNING);
        assertThat(workflows.scans).containsExactly(started.scanId());
        assertThat(started.scanId()).startsWith("drift-");
        assertThatThrownBy(() -> d.start(ORG, "app", null)).isInstanceOfSatisfying(MultidbException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT));

        int batches = d.steps().prepare(ORG, "app", started.scanId());
        assertThat(batches).isEqualTo(1); // at least 100 children per batch
        d.steps().batch(ORG, "app", started.scanId(), 0);
        d.steps().batch(ORG, "app", started.scanId(), 0); // a retried batch counts once
        DriftReport done = d.steps().finish(ORG, "app", started.scanId(), null);
        assertThat(done.status()).isEqualTo(ScanStatus.COMPLETE);
        assertThat(done.counts()).isEqualTo(new DriftCounts(4, 0, 1, 0));
        assertThat(children(d, done)).singleElement().satisfies(c -> {
            assertThat(c.database()).isEqualTo("c03");
            assertThat(c.details()).containsExactly("extra table scratch");
        });
    }

    @Test
    void aScanThatAMigrationRanAlongsideSaysToRunItAgainRatherThanMixVersions() throws Exception {
        family(3);
        DriftService d = drift(2);
        DriftReport started = d.start(ORG, "app", null);
        d.steps().prepare(ORG, "app", started.scanId());
        MigrationJob during = migrate("ALTER TABLE users ADD COLUMN nick TEXT"); // the scan holds no lock
        d.steps().batch(ORG, "app", started.scanId(), 0);
        DriftReport done = d.steps().finish(ORG, "app", started.scanId(), null);
        assertThat(done.status()).isEqualTo(ScanStatus.FAILED);
        assertThat(done.error()).contains(during.id()).contains("run the scan again");
        // Once it has ended, a new scan is complete.
        assertThat(drift(1000).start(ORG, "app", null).status()).isEqualTo(ScanStatus.COMPLETE);
    }

    @Test
    void aFailedWorkflowMarksItsReportAndAGoneOneNoLongerBlocks() throws Exception {
        family(3);
        DriftService d = drift(1);
        DriftReport first = d.start(ORG, "app", null);
        assertThat(d.steps().finish(ORG, "app", first.scanId(), "TransientTaskFailure: boom").status())
                .isEqualTo(ScanStatus.FAILED);
        assertThat(d.latest(ORG, "app").error()).isEqualTo("TransientTaskFailure: boom");

        DriftReport second = d.start(ORG, "app", null);
        workflows.states.put(second.scanId(), WorkflowStarter.ExecutionState.ABORTED);
        DriftReport third = d.start(ORG, "app", null); // the second's workflow is gone: replaced
        assertThat(d.latest(ORG, "app").scanId()).isEqualTo(third.scanId());
        // The replaced scan's late steps leave the newer report alone.
        assertThat(d.steps().finish(ORG, "app", second.scanId(), null).scanId()).isEqualTo(third.scanId());
        assertThat(d.latest(ORG, "app").status()).isEqualTo(ScanStatus.RUNNING);
    }

    @Test
    void aFamilyBeingMigratedOrAChildOrNoReportAreRefusedWithWhatToDo() throws Exception {
        family(1);
        DriftService d = drift(1000);
        assertThatThrownBy(() -> d.latest(ORG, "app")).isInstanceOfSatisfying(MultidbException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
            assertThat(e.getMessage()).contains("POST .../databases/app/drift");
        });
        assertThatThrownBy(() -> d.start(ORG, "c00", null)).isInstanceOfSatisfying(MultidbException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        MigrationJob job = migrations.start(ORG, "app", "ALTER TABLE users ADD COLUMN nick TEXT", null);
        assertThatThrownBy(() -> d.start(ORG, "app", null)).isInstanceOfSatisfying(MultidbException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
            assertThat(e.getMessage()).contains(job.id());
        });
    }

    @Test
    void detailsArePagedAcrossBatchesWithACursor() throws Exception {
        family(4);
        for (int i = 0; i < 4; i++) {
            exec(String.format("c%02d", i), "CREATE TABLE extra" + i + "(x)");
        }
        DriftService d = drift(1000);
        DriftReport r = d.start(ORG, "app", null);
        DriftService.ChildrenPage one = d.children(r, null, 3);
        assertThat(one.children()).extracting(ChildDrift::database).containsExactly("c00", "c01", "c02");
        DriftService.ChildrenPage two = d.children(r, one.next(), 3);
        assertThat(two.children()).extracting(ChildDrift::database).containsExactly("c03");
        assertThat(two.next()).isNull();
        assertThatThrownBy(() -> d.children(r, "nonsense", 3)).isInstanceOf(MultidbException.class);
    }
}
