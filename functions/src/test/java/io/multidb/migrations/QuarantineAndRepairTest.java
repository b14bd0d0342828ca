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

/** The quarantine policy and the repair that brings behind children forward, on real SQLite files. */
class QuarantineAndRepairTest extends MigrationFamilyFixture {
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
}
