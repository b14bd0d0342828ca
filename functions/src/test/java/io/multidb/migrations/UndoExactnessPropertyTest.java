package io.multidb.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.databases.CreateDatabase;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import io.multidb.storage.UndoJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The undo is exact, whatever the change and wherever the job stops: random families, random migrations (ADD /
 * DROP / RENAME COLUMN, CREATE / DROP INDEX, VIEW, TRIGGER and TABLE, seed INSERT / UPDATE / DELETE), and the job
 * stopped at every step boundary, either through the workflow's rollback branch or by its process dying (the next
 * unlock ends it). Afterwards every database's full SQL dump (schema and every row) equals what it was before, and
 * its file is byte for byte the same; or, when the parent had been changed, every database is at the new version.
 * {@code -Dmultidb.property.cases=N} runs more cases (default 6; each case runs every stop point).
 */
class UndoExactnessPropertyTest {
    private static final String ORG = "acme";
    private static final MigrationOptions OPTIONS =
            new MigrationOptions(2, 500, 2, 10, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(2));

    @TempDir
    Path tmp;

    static List<Long> seeds() {
        int cases = Integer.getInteger("multidb.property.cases", 6);
        long base = Long.getLong("multidb.property.seed", 20261206L);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            out.add(base + i);
        }
        return out;
    }

    /** How the runs ended, printed at the end: the cases must reach every outcome, not only "nothing changed". */
    private static final Map<String, Integer> OUTCOMES = new java.util.concurrent.ConcurrentSkipListMap<>();

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("undo exactness: outcomes over all runs " + OUTCOMES);
        assertThat(OUTCOMES).containsKeys("SUCCEEDED", "ROLLED_BACK", "SUCCEEDED_WITH_QUARANTINE");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void anyMigrationStoppedAtAnyStepLeavesEveryDatabaseExactlyAsItWasOrAllMigrated(long seed) throws Exception {
        Random random = new Random(seed);
        Family family = Family.random(random);
        String sql = family.randomMigration(random);
        // 3 children in batches of 2: prepare, dry-run parent, 2 dry-run batches, 2 apply batches, apply parent.
        int steps = 7;
        for (int stopAt = 1; stopAt <= steps; stopAt++) {
            for (boolean processDies : new boolean[] {false, true}) {
                run(family, sql, stopAt, processDies, seed, JobPlan.DEFAULT, UnaryOperator.identity());
            }
        }
    }

    /**
     * The same under the rollout controls: quarantine (with or without a canary of one child and a verify query).
     * Every database ends exactly as it was, or migrated; a child left behind is byte for byte what it was and
     * marked so, and no other is.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void underQuarantineEveryChildEndsExactlyAsItWasOrMigrated(long seed) throws Exception {
        Random random = new Random(seed ^ 0x5eed);
        Family family = Family.random(random);
        String sql = family.randomMigration(random);
        JobPlan plan = random.nextBoolean()
                ? new JobPlan(null, null, false, JobPlan.FailurePolicy.QUARANTINE, null)
                : new JobPlan(JobPlan.Canary.first(1), random.nextBoolean() ? "SELECT 1" : "SELECT 0", false,
                JobPlan.FailurePolicy.QUARANTINE, null);
        // One child's apply fails (as its own SQL error would) in most cases: that is what quarantine is for.
        int failing = random.nextInt(4);
        UnaryOperator<DatabaseMigrator> faults = failing == 3 ? UnaryOperator.identity()
                : FaultyMigrator.failApplyOf("k" + failing);
        for (int stopAt = 1; stopAt <= 7; stopAt++) {
            for (boolean processDies : new boolean[] {false, true}) {
                run(family, sql, stopAt, processDies, seed, plan, faults);
            }
        }
    }

    private void run(Family family, String sql, int stopAt, boolean processDies, long seed, JobPlan jobPlan,
                     UnaryOperator<DatabaseMigrator> faults) throws Exception {
        String what = "seed " + seed + ", stop after step " + stopAt + (processDies ? " (process dies)" : " (rollback branch)")
                + ", plan " + jobPlan + ", migration: " + sql;
        Path root = Files.createTempDirectory(tmp, "case");
        InMemoryCatalog catalog = new InMemoryCatalog();
        InMemoryMigrationStore store = new InMemoryMigrationStore(catalog);
        MigrationServiceTest.FakeWorkflows workflows = new MigrationServiceTest.FakeWorkflows();
        try (SqliteStore sqlite = new SqliteStore(root, StorageOptions.defaults())) {
            DatabaseService databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
            List<String> names = family.create(databases, sqlite);
            Map<String, String> dumps = new HashMap<>();
            Map<String, byte[]> bytes = new HashMap<>();
            for (String db : names) {
                dumps.put(db, dump(sqlite.fileOf(db)));
                bytes.put(db, Files.readAllBytes(sqlite.fileOf(db)));
            }
            MigrationService m = new MigrationService(catalog, store, sqlite,
                    faults.apply(new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC())), workflows, OPTIONS,
                    Clock.systemUTC(), d -> { });
            MigrationJob job = m.start(ORG, "app", sql, null, jobPlan);
            String id = job.id();
            List<Runnable> plan = List.of(
                    () -> m.prepare(ORG, id),
                    () -> m.dryRunParent(ORG, id),
                    () -> m.dryRunBatch(ORG, id, 0),
                    () -> m.dryRunBatch(ORG, id, 1),
                    () -> m.applyBatch(ORG, id, 0),
                    () -> m.applyBatch(ORG, id, 1),
                    () -> m.applyParent(ORG, id));
            boolean failedEarly = false;
            for (int i = 0; i < stopAt && !failedEarly; i++) {
                try {
                    plan.get(i).run();
                } catch (MigrationStepFailed e) {
                    failedEarly = true; // the random migration failed on some data: that is a stop too
                }
            }
            MigrationJob done;
            if (processDies) {
                workflows.states.put(id, WorkflowStarter.ExecutionState.FAILED);
                done = m.releaseStaleLock(ORG, "app").orElseThrow();
            } else if (stopAt == plan.size() && !failedEarly) {
                done = m.finish(ORG, id, true, null);
            } else {
                if (stopAt >= 5) {
                    m.restoreBatch(ORG, id, 0);
                    m.restoreBatch(ORG, id, 1);
                }
                done = m.finish(ORG, id, false, "stopped");
            }

            assertThat(done.status().isFinal()).as(what).isTrue();
            OUTCOMES.merge(done.status() + (done.status() == JobStatus.ROLLED_BACK && stopAt < 5 ? "?" : ""), 1, Integer::sum);
            assertThat(store.lockHolder(ORG, "app")).as(what).isEmpty();
            if (done.status().succeeded()) {
                assertThat(stopAt).as(what).isEqualTo(plan.size());
                assertThat(done.status() == JobStatus.SUCCEEDED_WITH_QUARANTINE).as(what)
                        .isEqualTo(!done.failedChildren().isEmpty());
                for (String db : names) {
                    Database d = catalog.getDatabase(ORG, db).orElseThrow();
                    boolean behind = done.failedChildren().stream().anyMatch(f -> f.database().equals(db));
                    assertThat(d.behind() != null).as(what + ": behind mark of " + db).isEqualTo(behind);
                    assertThat(m.withVersion(ORG, d).schemaVersion()).as(what + ": " + db).isEqualTo(behind ? 0 : 1);
                    if (behind) {
                        assertThat(dump(sqlite.fileOf(db))).as(what + ": dump of " + db).isEqualTo(dumps.get(db));
                        assertThat(Files.readAllBytes(sqlite.fileOf(db))).as(what + ": bytes of " + db)
                                .isEqualTo(bytes.get(db));
                    }
                }
            } else {
                for (String db : names) {
                    assertThat(dump(sqlite.fileOf(db))).as(what + ": dump of " + db).isEqualTo(dumps.get(db));
                    assertThat(Files.readAllBytes(sqlite.fileOf(db))).as(what + ": bytes of " + db).isEqualTo(bytes.get(db));
                    assertThat(m.withVersion(ORG, catalog.getDatabase(ORG, db).orElseThrow()).schemaVersion())
                            .as(what + ": version of " + db).isZero();
                }
            }
            assertThat(UndoLeftovers.in(root)).as(what).isEmpty();
        }
    }

    /** The full SQL dump: every schema object's SQL, then every table's rows in rowid order. */
    static String dump(Path file) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")) {
                while (r.next()) {
                    b.append(r.getString(1)).append('|').append(r.getString(2)).append('|').append(r.getString(4)).append('\n');
                    if (r.getString(1).equals("table") && !r.getString(2).startsWith("sqlite_")) {
                        tables.add(r.getString(2));
                    }
                }
            }
            for (String t : tables) {
                try (ResultSet r = s.executeQuery("SELECT * FROM \"" + t + "\" ORDER BY rowid")) {
                    ResultSetMetaData md = r.getMetaData();
                    while (r.next()) {
                        b.append(t).append(':');
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            b.append(r.getString(i)).append(',');
                        }
                        b.append('\n');
                    }
                }
            }
        }
        return b.toString();
    }

    /** A random family: the parent's schema (a model of it, to generate valid changes) and each child's rows. */
    record Family(Map<String, List<String>> tables, List<String> extras, Map<String, List<String>> rows) {
        static Family random(Random r) {
            Map<String, List<String>> tables = new LinkedHashMap<>();
            int n = 1 + r.nextInt(3);
            for (int t = 0; t < n; t++) {
                List<String> cols = new ArrayList<>();
                int c = 2 + r.nextInt(3);
                for (int i = 0; i < c; i++) {
                    cols.add("c" + i);
                }
                tables.put("t" + t, cols);
            }
            List<String> extras = new ArrayList<>();
            if (r.nextBoolean()) {
                extras.add("CREATE INDEX ix_t0_c1 ON t0(c1)");
            }
            if (r.nextBoolean()) {
                extras.add("CREATE VIEW v0 AS SELECT id, c0 FROM t0");
            }
            if (r.nextBoolean()) {
                extras.add("CREATE TABLE log(note TEXT)");
                extras.add("CREATE TRIGGER tr0 AFTER INSERT ON t0 BEGIN INSERT INTO log(note) VALUES "
                        + "(CASE WHEN new.c0 IS NULL THEN 'null' ELSE 'x' END); END");
            }
            Map<String, List<String>> rows = new LinkedHashMap<>();
            for (String db : List.of("app", "k0", "k1", "k2")) {
                List<String> inserts = new ArrayList<>();
                int count = r.nextInt(60);
                for (int i = 0; i < count; i++) {
                    String t = "t" + r.nextInt(n);
                    List<String> cols = tables.get(t);
                    List<String> values = new ArrayList<>();
                    for (int c = 0; c < cols.size(); c++) {
                        values.add(r.nextInt(5) == 0 ? "NULL" : r.nextBoolean() ? Integer.toString(r.nextInt(1000))
                                : "'" + db + "-" + Long.toHexString(r.nextLong()).repeat(1 + r.nextInt(20)) + "'");
                    }
                    inserts.add("INSERT INTO " + t + "(" + String.join(", ", cols) + ") VALUES (" + String.join(", ", values) + ")");
                }
                rows.put(db, inserts);
            }
            return new Family(tables, extras, rows);
        }

        List<String> create(DatabaseService databases, SqliteStore sqlite) throws SQLException {
            databases.createGroup(ORG, "default", "local");
            databases.createDatabase(ORG, new CreateDatabase("app", "default", true, null));
            List<String> schema = new ArrayList<>();
            tables.forEach((t, cols) -> schema.add("CREATE TABLE " + t + "(id INTEGER PRIMARY KEY, "
                    + String.join(", ", cols.stream().map(c -> c + " TEXT").toList()) + ")"));
            schema.addAll(extras);
            exec(sqlite.fileOf("app"), schema);
            exec(sqlite.fileOf("app"), rows.get("app"));
            List<String> names = new ArrayList<>(List.of("app"));
            for (String k : List.of("k0", "k1", "k2")) {
                databases.createDatabase(ORG, new CreateDatabase(k, "default", false, "app"));
                exec(sqlite.fileOf(k), rows.get(k));
                names.add(k);
            }
            return names;
        }

        /** One to three valid statements on the schema above. */
        String randomMigration(Random r) {
            List<String> out = new ArrayList<>();
            int k = 1 + r.nextInt(3);
            for (int i = 0; i < k; i++) {
                String t = "t" + r.nextInt(tables.size());
                String last = tables.get(t).get(tables.get(t).size() - 1);
                out.add(switch (r.nextInt(13)) {
                    case 0 -> "ALTER TABLE " + t + " ADD COLUMN n" + i + " INTEGER NOT NULL DEFAULT " + r.nextInt(9);
                    case 1 -> "ALTER TABLE " + t + " DROP COLUMN " + last;
                    case 2 -> "ALTER TABLE " + t + " RENAME COLUMN c0 TO r" + i;
                    case 3 -> "CREATE INDEX ix" + i + " ON " + t + "(c0, id)";
                    case 4 -> extras.stream().anyMatch(e -> e.contains("ix_t0_c1")) ? "DROP INDEX ix_t0_c1" : "CREATE UNIQUE INDEX u" + i + " ON " + t + "(id)";
                    case 5 -> "CREATE VIEW w" + i + " AS SELECT count(*) AS n FROM " + t;
                    case 6 -> extras.stream().anyMatch(e -> e.contains("VIEW v0")) ? "DROP VIEW v0" : "CREATE VIEW w" + i + "b AS SELECT 1";
                    case 7 -> "CREATE TRIGGER g" + i + " AFTER DELETE ON " + t + " BEGIN SELECT CASE WHEN old.id > 0 THEN 1 ELSE 0 END; END";
                    case 8 -> "CREATE TABLE n" + i + "(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO n" + i + "(v) VALUES ('seed')";
                    case 9 -> "DROP TABLE " + t;
                    case 10 -> "INSERT INTO " + t + "(c0) VALUES ('seeded " + i + "')";
                    case 11 -> "UPDATE " + t + " SET c0 = upper(coalesce(c0, 'x')) WHERE id % 2 = 0";
                    default -> "DELETE FROM " + t + " WHERE id % 3 = 0";
                });
                if (out.getLast().startsWith("DROP TABLE")) {
                    break; // later statements would name a table that is gone
                }
            }
            return String.join(";\n", out);
        }

        private static void exec(Path file, List<String> statements) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
                s.execute("BEGIN");
                for (String sql : statements) {
                    s.execute(sql);
                }
                s.execute("COMMIT");
            }
        }
    }
}
