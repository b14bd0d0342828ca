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
 * A family on real SQLite files and the migration use cases over in-memory stores, driven in the order the state
 * machine runs them (the real ASL run is the local module's): what the migration service's tests share.
 */
abstract class MigrationFamilyFixture {
    protected static final String ORG = "acme";

    @TempDir
    Path root;

    protected final InMemoryCatalog catalog = new InMemoryCatalog();
    protected final InMemoryMigrationStore store = new InMemoryMigrationStore(catalog);
    protected final FakeWorkflows workflows = new FakeWorkflows();
    protected SqliteStore sqlite;
    protected DatabaseService databases;

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

    protected static final MigrationOptions OPTIONS =
            new MigrationOptions(5, 500, 3, 10, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(2));
    protected MigrationService current;

    protected MigrationService service(UnaryOperator<DatabaseMigrator> faults) {
        sqlite = new SqliteStore(root, StorageOptions.defaults());
        databases = new DatabaseService(catalog, sqlite, Clock.systemUTC());
        current = new MigrationService(catalog, store, sqlite, migrator(faults), workflows, OPTIONS, Clock.systemUTC(),
                d -> { });
        return current;
    }

    protected DatabaseMigrator migrator(UnaryOperator<DatabaseMigrator> faults) {
        return faults.apply(new SqliteMigrator(sqlite, new UndoJournals(), Clock.systemUTC()));
    }

    protected static final UnaryOperator<DatabaseMigrator> NO_FAULTS = UnaryOperator.identity();

    @AfterEach
    void close() {
        if (sqlite != null) {
            sqlite.close();
        }
    }

    /** A parent with table t(id, name, email) and {@code children} children; child i holds i+1 rows of its own. */
    protected List<String> family(int children) throws Exception {
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

    protected void exec(String db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    protected List<String> rows(String db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, name, email FROM t ORDER BY id")) {
            while (r.next()) {
                out.add(r.getLong(1) + "|" + r.getString(2) + "|" + r.getString(3));
            }
        }
        return out;
    }

    protected String schema(String db) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.fileOf(db)); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT type, name, sql FROM sqlite_schema ORDER BY name")) {
            while (r.next()) {
                b.append(r.getString(1)).append(' ').append(r.getString(2)).append(": ").append(r.getString(3)).append('\n');
            }
        }
        return b.toString();
    }

    protected int versionRows(String db, String jobId) throws SQLException {
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
    protected long catalogVersion(String db) {
        return current.withVersion(ORG, catalog.getDatabase(ORG, db).orElseThrow()).schemaVersion();
    }

    /**
     * Runs the job's steps in the state machine's order: Retry on TRANSIENT (as the ASL's Retry does), every other
     * failure before the apply goes to Release, during or after it to Restore then Release.
     */
    protected MigrationJob drive(MigrationService m, MigrationJob job) {
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

    interface Step {
        int run();
    }

    protected static int retrying(Step step) {
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

    protected void assertFamilyAt(List<String> children, long version) {
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

    protected long fileVersion(String db) throws RuntimeException {
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
}
