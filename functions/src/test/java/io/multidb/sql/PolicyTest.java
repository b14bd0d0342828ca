package io.multidb.sql;

import static io.multidb.sql.Harness.batch;
import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.not;
import static io.multidb.sql.Harness.ok;
import static io.multidb.sql.Harness.sequence;
import static io.multidb.sql.Harness.step;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyTest {
    private static final String CHILD_MESSAGE = Harness.child().schemaChangeRefusal();

    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.pipeline(sequence("CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT); CREATE INDEX t_y ON t(y); "
                + "INSERT INTO t VALUES (1, 'a');"));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    // ---- writes refused ----

    @Test
    void aRefusedWriteIsAnErrorResultWithThePolicysCodeAndMessage() throws Exception {
        Map<String, String> before = h.tree();
        PipelineResult r = h.run(Harness.readOnly(), body(execute("INSERT INTO t VALUES (2, 'b')")));
        JsonNode error = r.body().at("/results/0/error");
        assertThat(error.get("code").asText()).isEqualTo("BLOCKED");
        assertThat(error.get("message").asText()).isEqualTo("Writes are blocked: this token is read-only.");
        assertThat(r.writeRefused()).isTrue();
        assertThat(h.tree()).isEqualTo(before);
        assertThat(h.pragma("query_only")).isZero();
        // The same connection writes again under an open policy.
        h.result("INSERT INTO t VALUES (3, 'c')");
    }

    @Test
    void readsRunAndReportNoRefusal() {
        PipelineResult r = h.run(Harness.readOnly(), body(execute("SELECT y FROM t")));
        assertThat(r.body().at("/results/0/response/result/rows/0/0/value").asText()).isEqualTo("a");
        assertThat(r.writeRefused()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPDATE t SET y = 'z'", "DELETE FROM t", "CREATE TABLE u(x)", "DROP TABLE t",
            "CREATE TEMP TABLE tt(x)", "PRAGMA user_version = 7", "VACUUM", "REPLACE INTO t VALUES (1, 'q')"})
    void everyKindOfWriteIsRefused(String sql) {
        String schema = h.schema();
        PipelineResult r = h.run(Harness.readOnly(), body(execute(sql)));
        assertThat(r.body().at("/results/0/error/code").asText()).as(r.body().toString()).isEqualTo("BLOCKED");
        assertThat(r.writeRefused()).isTrue();
        assertThat(h.schema()).isEqualTo(schema);
        assertThat(h.query("SELECT x, y FROM t")).isEqualTo(List.of(List.of(1, "a")));
    }

    @Test
    void theClientsWriteBatchOfReadsWorksWithWritesRefused() throws Exception {
        // BEGIN IMMEDIATE itself counts as a write for query_only; it runs as BEGIN DEFERRED instead.
        PipelineResult r = h.run(Harness.readOnly(), body(batch(step(null, "BEGIN IMMEDIATE"),
                step(ok(0), "SELECT count(*) FROM t"), step(ok(1), "COMMIT"), step(not(ok(2)), "ROLLBACK"))));
        JsonNode result = r.body().at("/results/0/response/result");
        assertThat(result.get("step_errors").toString()).isEqualTo("[null,null,null,null]");
        assertThat(result.at("/step_results/1/rows/0/0/value").asText()).isEqualTo("1");
        assertThat(r.writeRefused()).isFalse();
        h.assertNoTransaction();
    }

    @Test
    void aWriteInsideTheClientsWriteBatchIsRefusedAndRolledBack() throws Exception {
        PipelineResult r = h.run(Harness.readOnly(), body(batch(step(null, "BEGIN IMMEDIATE"),
                step(ok(0), "INSERT INTO t VALUES (5, 'e')"), step(ok(1), "COMMIT"), step(not(ok(2)), "ROLLBACK"))));
        JsonNode result = r.body().at("/results/0/response/result");
        assertThat(result.at("/step_errors/1/code").asText()).isEqualTo("BLOCKED");
        assertThat(result.at("/step_results/3").isObject()).isTrue();
        assertThat(r.writeRefused()).isTrue();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(1)));
        h.assertNoTransaction();
    }

    @Test
    void transactionControlWorksWithWritesRefused() throws Exception {
        PipelineResult r = h.run(Harness.readOnly(), body(sequence(
                "BEGIN; SAVEPOINT s; SELECT 1; RELEASE s; SAVEPOINT s2; ROLLBACK TO s2; COMMIT; BEGIN EXCLUSIVE; END;")));
        assertThat(r.body().at("/results/0/type").asText()).as(r.body().toString()).isEqualTo("ok");
        h.assertNoTransaction();
    }

    @Test
    void settingsThatTouchNoFileStillWorkWithWritesRefused() throws Exception {
        PipelineResult r = h.run(Harness.readOnly(), body(execute("PRAGMA foreign_keys=off"),
                execute("PRAGMA foreign_keys")));
        assertThat(r.body().at("/results/1/response/result/rows/0/0/value").asText()).isEqualTo("0");
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
    }

    // ---- schema changes refused (children) ----

    @ParameterizedTest
    @ValueSource(strings = {"CREATE TABLE u(x)", "CREATE INDEX t_x ON t(x, y)", "DROP TABLE t", "DROP INDEX t_y",
            "ALTER TABLE t ADD COLUMN z", "ALTER TABLE t RENAME TO t2", "CREATE VIEW v AS SELECT 1",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "CREATE TEMP TABLE tt(x)",
            "CREATE TEMP VIEW tv AS SELECT 1", "CREATE TABLE temp.tt2(x)", "CREATE VIRTUAL TABLE f USING fts5(a)",
            "PRAGMA user_version = 3"})
    void ddlOnAChildIsRefusedAndUndone(String sql) throws Exception {
        String schema = h.schema();
        long version = h.pragma("schema_version");
        JsonNode error = h.error(Harness.child(), sql);
        assertThat(error.get("code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        assertThat(error.get("message").asText()).isEqualTo(CHILD_MESSAGE);
        assertThat(h.schema()).isEqualTo(schema);
        assertThat(h.pragma("schema_version")).isEqualTo(version);
        assertThat(h.pragma("user_version")).isZero();
        assertThat(h.pragma("temp.schema_version")).isZero();
        h.assertNoTransaction();
    }

    @Test
    void dataChangesOnAChildRunNormally() {
        JsonNode r = h.result(Harness.child(), "INSERT INTO t VALUES (2, 'b')");
        assertThat(r.get("affected_row_count").asLong()).isEqualTo(1);
        h.result(Harness.child(), "PRAGMA foreign_keys=off");
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(2)));
    }

    @Test
    void ddlInsideAUsersTransactionIsUndoneAloneAndTheTransactionGoesOn() throws Exception {
        ArrayNode r = h.pipeline(Harness.child(), batch(
                step(null, "BEGIN"),
                step(ok(0), "INSERT INTO t VALUES (2, 'b')"),
                step(ok(1), "CREATE TABLE sneaky(x)"),
                step(null, "INSERT INTO t VALUES (3, 'c')"),
                step(null, "COMMIT")));
        JsonNode result = r.get(0).at("/response/result");
        assertThat(result.at("/step_errors/2/code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        assertThat(result.at("/step_errors/4").isNull()).isTrue();
        assertThat(h.query("SELECT x FROM t ORDER BY x")).isEqualTo(List.of(List.of(1), List.of(2), List.of(3)));
        assertThat(h.query("SELECT count(*) FROM sqlite_master WHERE name = 'sneaky'")).isEqualTo(List.of(List.of(0)));
        h.assertNoTransaction();
    }

    @Test
    void ddlInASequenceOnAChildStopsTheSequence() {
        ArrayNode r = h.pipeline(Harness.child(),
                sequence("INSERT INTO t VALUES (2, 'b'); DROP INDEX t_y; INSERT INTO t VALUES (3, 'c');"));
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        assertThat(h.query("SELECT x FROM t ORDER BY x")).isEqualTo(List.of(List.of(1), List.of(2)));
        assertThat(h.query("SELECT count(*) FROM sqlite_master WHERE name = 't_y'")).isEqualTo(List.of(List.of(1)));
    }

    @Test
    void theClientsMigrateOnAChildFailsAtItsFirstDdlAndLeavesNothing() throws Exception {
        ArrayNode r = h.pipeline(Harness.child(), batch(
                step(null, "PRAGMA foreign_keys=off"),
                step(null, "BEGIN DEFERRED"),
                step(ok(1), "CREATE TABLE x(a)"),
                step(ok(2), "INSERT INTO x VALUES (1)"),
                step(ok(3), "COMMIT"),
                step(not(ok(4)), "ROLLBACK"),
                step(null, "PRAGMA foreign_keys=on")));
        JsonNode result = r.get(0).at("/response/result");
        assertThat(result.at("/step_errors/2/code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        assertThat(result.at("/step_results/5").isObject()).isTrue();
        assertThat(h.query("SELECT count(*) FROM sqlite_master WHERE name = 'x'")).isEqualTo(List.of(List.of(0)));
        h.assertNoTransaction();
    }

    @Test
    void readingTheSchemaAndVacuumWorkOnAChild() {
        assertThat(h.result(Harness.child(), "PRAGMA table_info(t)").get("rows")).hasSize(2);
        h.result(Harness.child(), "VACUUM");
        // ANALYZE creates sqlite_stat1 the first time: a schema change; once it exists, ANALYZE only writes rows.
        assertThat(h.error(Harness.child(), "ANALYZE t").get("code").asText()).isEqualTo("SCHEMA_CHANGE_REFUSED");
        h.result("ANALYZE t");
        h.result(Harness.child(), "ANALYZE t");
    }

    @Test
    void bothPoliciesTogetherRefuseWritesFirst() {
        ExecutionPolicy both = new ExecutionPolicy("BLOCKED", "read-only", CHILD_MESSAGE, SqlLimits.defaults());
        PipelineResult r = h.run(both, body(execute("CREATE TABLE u(x)"), execute("SELECT count(*) FROM t")));
        assertThat(r.body().at("/results/0/error/code").asText()).isEqualTo("BLOCKED");
        assertThat(r.body().at("/results/1/type").asText()).isEqualTo("ok");
    }

    @Test
    void ddlIsAllowedWhenThePolicyAllowsIt() {
        h.result("ALTER TABLE t ADD COLUMN z");
        assertThat(h.result("SELECT z FROM t").get("cols").get(0).get("name").asText()).isEqualTo("z");
    }

    private static JsonNode body(JsonNode... requests) {
        var body = Harness.F.objectNode();
        var list = body.putArray("requests");
        for (JsonNode r : requests) {
            list.add(r);
        }
        list.add(Harness.closeReq());
        return body;
    }
}
