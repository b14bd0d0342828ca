package io.multidb.sql;

import static io.multidb.sql.Harness.batch;
import static io.multidb.sql.Harness.closeSql;
import static io.multidb.sql.Harness.err;
import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.not;
import static io.multidb.sql.Harness.ok;
import static io.multidb.sql.Harness.parse;
import static io.multidb.sql.Harness.sequence;
import static io.multidb.sql.Harness.step;
import static io.multidb.sql.Harness.storeSql;
import static io.multidb.sql.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSequenceTest {
    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.result("CREATE TABLE t(x INTEGER PRIMARY KEY)");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** client.batch(["INSERT INTO t VALUES (1)", {sql: "INSERT INTO t VALUES (?)", args: [2]}], "write"). */
    private static final String CLIENT_WRITE_BATCH = """
            {"requests":[{"type":"store_sql","sql_id":0,"sql":"INSERT INTO t VALUES (1)"},\
            {"type":"store_sql","sql_id":1,"sql":"INSERT INTO t VALUES (?)"},\
            {"type":"batch","batch":{"steps":[\
            {"stmt":{"sql":"BEGIN IMMEDIATE","args":[],"named_args":[],"want_rows":false}},\
            {"condition":{"type":"ok","step":0},"stmt":{"sql_id":0,"args":[],"named_args":[],"want_rows":true}},\
            {"condition":{"type":"ok","step":1},"stmt":{"sql_id":1,"args":[{"type":"float","value":%s}],"named_args":[],"want_rows":true}},\
            {"condition":{"type":"ok","step":2},"stmt":{"sql":"COMMIT","args":[],"named_args":[],"want_rows":false}},\
            {"condition":{"type":"not","cond":{"type":"ok","step":3}},"stmt":{"sql":"ROLLBACK","args":[],"named_args":[],"want_rows":false}}]}},\
            {"type":"close"}]}""";

    @Test
    void theClientsWriteBatchCommitsEveryStatement() {
        JsonNode out = h.run(Harness.open(), parse(CLIENT_WRITE_BATCH.formatted("2"))).body();
        JsonNode results = out.get("results");
        assertThat(results).hasSize(4);
        assertThat(results.get(0).toString()).isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"store_sql\"}}");
        assertThat(results.get(1).toString()).isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"store_sql\"}}");
        JsonNode batch = results.get(2).at("/response");
        assertThat(batch.get("type").asText()).isEqualTo("batch");
        JsonNode stepResults = batch.at("/result/step_results");
        JsonNode stepErrors = batch.at("/result/step_errors");
        assertThat(stepResults).hasSize(5);
        assertThat(stepErrors).hasSize(5);
        for (int i = 0; i < 4; i++) {
            assertThat(stepResults.get(i).isObject()).as("step " + i).isTrue();
            assertThat(stepErrors.get(i).isNull()).as("step " + i).isTrue();
        }
        assertThat(stepResults.get(2).get("last_insert_rowid").asText()).isEqualTo("2");
        // ROLLBACK is skipped: not ok(COMMIT) is false.
        assertThat(stepResults.get(4).isNull()).isTrue();
        assertThat(stepErrors.get(4).isNull()).isTrue();
        assertThat(h.query("SELECT x FROM t ORDER BY x")).isEqualTo(List.of(List.of(1), List.of(2)));
    }

    @Test
    void aFailingStepOfTheClientsWriteBatchRollsEverythingBack() throws Exception {
        // The second insert repeats the first key: it fails, COMMIT is skipped, ROLLBACK runs.
        JsonNode out = h.run(Harness.open(), parse(CLIENT_WRITE_BATCH.formatted("1"))).body();
        JsonNode batch = out.at("/results/2/response/result");
        assertThat(batch.at("/step_errors/2/code").asText()).isEqualTo("SQLITE_CONSTRAINT");
        assertThat(batch.at("/step_results/3").isNull()).isTrue();
        assertThat(batch.at("/step_errors/3").isNull()).isTrue();
        assertThat(batch.at("/step_results/4").isObject()).isTrue();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        h.assertNoTransaction();
    }

    @Test
    void theClientsReadBatchRunsInAReadOnlyTransaction() throws Exception {
        h.result("INSERT INTO t VALUES (1)");
        JsonNode out = h.run(Harness.open(), parse("""
                {"requests":[{"type":"store_sql","sql_id":0,"sql":"SELECT x FROM t"},\
                {"type":"store_sql","sql_id":1,"sql":"INSERT INTO t VALUES (5)"},\
                {"type":"batch","batch":{"steps":[\
                {"stmt":{"sql":"BEGIN TRANSACTION READONLY","args":[],"named_args":[],"want_rows":false}},\
                {"condition":{"type":"ok","step":0},"stmt":{"sql_id":0,"args":[],"named_args":[],"want_rows":true}},\
                {"condition":{"type":"ok","step":1},"stmt":{"sql_id":1,"args":[],"named_args":[],"want_rows":true}},\
                {"condition":{"type":"ok","step":2},"stmt":{"sql":"COMMIT","args":[],"named_args":[],"want_rows":false}},\
                {"condition":{"type":"not","cond":{"type":"ok","step":3}},"stmt":{"sql":"ROLLBACK","args":[],"named_args":[],"want_rows":false}}]}},\
                {"type":"close"}]}""")).body();
        JsonNode batch = out.at("/results/2/response/result");
        assertThat(batch.at("/step_results/1/rows").toString()).isEqualTo("[[{\"type\":\"integer\",\"value\":\"1\"}]]");
        assertThat(batch.at("/step_errors/2/code").asText()).isEqualTo("SQLITE_READONLY");
        assertThat(batch.at("/step_results/4").isObject()).isTrue();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(1)));
        // The READONLY transaction ended: the connection writes again.
        assertThat(h.pragma("query_only")).isZero();
        h.result("INSERT INTO t VALUES (6)");
    }

    @Test
    void theClientsMigrateBatchTurnsForeignKeysOffAndOnAroundATransaction() throws Exception {
        JsonNode out = h.run(Harness.open(), parse("""
                {"requests":[{"type":"batch","batch":{"steps":[\
                {"stmt":{"sql":"PRAGMA foreign_keys=off","args":[],"named_args":[],"want_rows":false}},\
                {"stmt":{"sql":"BEGIN DEFERRED","args":[],"named_args":[],"want_rows":false}},\
                {"condition":{"type":"ok","step":1},"stmt":{"sql":"CREATE TABLE x(a)","args":[],"named_args":[],"want_rows":true}},\
                {"condition":{"type":"ok","step":2},"stmt":{"sql":"INSERT INTO x VALUES (1)","args":[],"named_args":[],"want_rows":true}},\
                {"condition":{"type":"ok","step":3},"stmt":{"sql":"COMMIT","args":[],"named_args":[],"want_rows":false}},\
                {"condition":{"type":"not","cond":{"type":"ok","step":4}},"stmt":{"sql":"ROLLBACK","args":[],"named_args":[],"want_rows":false}},\
                {"stmt":{"sql":"PRAGMA foreign_keys=on","args":[],"named_args":[],"want_rows":false}}]}},\
                {"type":"close"}]}""")).body();
        JsonNode batch = out.at("/results/0/response/result");
        for (int i : new int[] {0, 1, 2, 3, 4, 6}) {
            assertThat(batch.get("step_errors").get(i).isNull()).as(batch.toString()).isTrue();
            assertThat(batch.get("step_results").get(i).isObject()).isTrue();
        }
        assertThat(batch.at("/step_results/5").isNull()).isTrue();
        assertThat(h.query("SELECT a FROM x")).isEqualTo(List.of(List.of(1)));
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
    }

    @Test
    void aMigrateWhoseLastStepNeverComesStillLeavesForeignKeysOn() throws Exception {
        h.pipeline(batch(step(null, "PRAGMA foreign_keys=off"), step(null, "BEGIN DEFERRED"),
                step(ok(1), "CREATE TABLE x(a)")));
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
        h.assertNoTransaction();
        // The transaction was not committed: the table is gone with it.
        assertThat(h.query("SELECT count(*) FROM sqlite_master WHERE name = 'x'")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void conditionsCombineOkErrorNotAndOr() {
        ArrayNode r = h.pipeline(batch(
                step(null, "SELECT 1"),
                step(null, "SELECT nope"),
                step(ok(0), "SELECT 'ok0'"),
                step(err(1), "SELECT 'err1'"),
                step(ok(1), "SELECT 'ok1'"),
                step(parse("{\"type\":\"and\",\"conds\":[{\"type\":\"ok\",\"step\":0},{\"type\":\"error\",\"step\":1}]}"), "SELECT 'and'"),
                step(parse("{\"type\":\"or\",\"conds\":[{\"type\":\"ok\",\"step\":1},{\"type\":\"ok\",\"step\":4}]}"), "SELECT 'or'"),
                step(not(ok(4)), "SELECT 'not ok of skipped'"),
                step(parse("{\"type\":\"and\",\"conds\":[]}"), "SELECT 'empty and'"),
                step(parse("{\"type\":\"or\",\"conds\":[]}"), "SELECT 'empty or'"),
                step(not(err(4)), "SELECT 'not error of skipped'")));
        JsonNode results = r.get(0).at("/response/result/step_results");
        JsonNode errors = r.get(0).at("/response/result/step_errors");
        boolean[] ran = {true, false, true, true, false, true, false, true, true, false, true};
        for (int i = 0; i < ran.length; i++) {
            assertThat(results.get(i).isObject()).as("step " + i + " ran").isEqualTo(ran[i]);
        }
        assertThat(errors.get(1).get("code").asText()).isEqualTo("SQLITE_ERROR");
    }

    @Test
    void aStepMayReferOnlyToAnEarlierStep() {
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(io.multidb.common.MultidbException.class,
                () -> h.pipeline(batch(step(ok(0), "SELECT 1"))));
        assertThat(e.kind()).isEqualTo(io.multidb.common.ErrorKind.INVALID_REQUEST);
        assertThat(e.getMessage()).contains("requests[0].batch.steps[0].condition").contains("earlier step");
    }

    @Test
    void isAutocommitIsAnErrorResultOnVersionTwo() {
        ArrayNode r = h.pipeline(batch(step(null, "SELECT 1"),
                step(parse("{\"type\":\"is_autocommit\"}"), "INSERT INTO t VALUES (1)")));
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("NOT_SUPPORTED");
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void theClientsExecuteMultipleRunsEveryStatement() {
        JsonNode out = h.run(Harness.open(), parse("""
                {"requests":[{"type":"sequence","sql":"CREATE TABLE a(x); INSERT INTO a VALUES (1);"},{"type":"close"}]}\
                """)).body();
        assertThat(out.at("/results/0").toString()).isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"sequence\"}}");
        assertThat(h.query("SELECT x FROM a")).isEqualTo(List.of(List.of(1)));
    }

    @Test
    void aSequenceStopsAtTheFirstError() {
        ArrayNode r = h.pipeline(sequence("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); INSERT INTO t VALUES (3);"));
        assertThat(r.get(0).get("type").asText()).isEqualTo("error");
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("SQLITE_CONSTRAINT");
        // Statements of a sequence run in autocommit mode, one by one, as with the libSQL server.
        assertThat(h.query("SELECT x FROM t")).isEqualTo(List.of(List.of(1)));
    }

    @Test
    void aSequenceKeepsATriggerBodyInOneStatement() {
        h.pipeline(sequence("""
                CREATE TABLE log(msg TEXT);
                CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
                  INSERT INTO log VALUES ('a;b' || new.x);
                  INSERT INTO log SELECT CASE WHEN new.x > 1 THEN 'big' ELSE 'small' END;
                END;
                /* a comment; with a semicolon */ INSERT INTO t VALUES (2); -- done;
                """));
        assertThat(h.query("SELECT msg FROM log ORDER BY rowid")).isEqualTo(List.of(List.of("a;b2"), List.of("big")));
    }

    @Test
    void aSequenceWithoutStatementsIsOk() {
        assertThat(h.pipeline(sequence(" ;; -- nothing")).get(0).get("type").asText()).isEqualTo("ok");
    }

    @Test
    void storedSqlServesExecuteBatchAndSequenceUntilClosed() {
        ArrayNode r = h.pipeline(
                storeSql(0, "INSERT INTO t VALUES (?)"),
                storeSql(1, "INSERT INTO t VALUES (100); INSERT INTO t VALUES (101)"),
                execute(stmtById(0, "1")),
                batchById(0, "2"),
                sequenceById(1),
                closeSql(0),
                execute(stmtById(0, "3")),
                storeSql(1, "SELECT 1"),
                execute(stmtById(7, "4")));
        assertThat(r.get(2).get("type").asText()).isEqualTo("ok");
        assertThat(r.get(3).at("/response/result/step_errors/0").isNull()).isTrue();
        assertThat(r.get(4).get("type").asText()).isEqualTo("ok");
        assertThat(r.get(5).toString()).isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"close_sql\"}}");
        assertThat(r.get(6).at("/error/code").asText()).isEqualTo("SQL_NOT_FOUND");
        assertThat(r.get(7).at("/error/code").asText()).isEqualTo("SQL_EXISTS");
        assertThat(r.get(8).at("/error/code").asText()).isEqualTo("SQL_NOT_FOUND");
        assertThat(h.query("SELECT x FROM t ORDER BY x"))
                .isEqualTo(List.of(List.of(1), List.of(2), List.of(100), List.of(101)));
    }

    @Test
    void storedSqlDoesNotOutliveTheHttpRequest() {
        h.pipeline(storeSql(0, "SELECT 1"));
        assertThat(h.pipeline(execute(stmtById(0, null))).get(0).at("/error/code").asText()).isEqualTo("SQL_NOT_FOUND");
    }

    @Test
    void anUnknownSqlIdInABatchStepIsThatStepsError() {
        ArrayNode r = h.pipeline(batchById(3, "1"));
        assertThat(r.get(0).at("/response/result/step_errors/0/code").asText()).isEqualTo("SQL_NOT_FOUND");
    }

    @Test
    void getAutocommitIsAnErrorResultAndDescribeIsAnswered() {
        ArrayNode r = h.pipeline(parse("{\"type\":\"describe\",\"sql\":\"SELECT 1\"}"), parse("{\"type\":\"get_autocommit\"}"));
        assertThat(r.get(0).at("/response/type").asText()).isEqualTo("describe");
        assertThat(r.get(1).at("/error/code").asText()).isEqualTo("NOT_SUPPORTED");
    }

    @Test
    void aBatchStepWithTwoStatementsFailsAlone() {
        ArrayNode r = h.pipeline(batch(step(null, "SELECT 1; SELECT 2"), step(null, "SELECT ?", text("x"))));
        assertThat(r.get(0).at("/response/result/step_errors/0/code").asText()).isEqualTo("SQL_MANY_STATEMENTS");
        assertThat(r.get(0).at("/response/result/step_results/1/rows/0/0/value").asText()).isEqualTo("x");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode stmtById(int id, String arg) {
        var s = Harness.F.objectNode();
        s.put("sql_id", id);
        var args = s.putArray("args");
        if (arg != null) {
            args.add(Harness.integer(arg));
        }
        s.putArray("named_args");
        s.put("want_rows", true);
        return s;
    }

    private static JsonNode batchById(int id, String arg) {
        var b = batch();
        var st = Harness.F.objectNode();
        st.set("stmt", stmtById(id, arg));
        ((ArrayNode) b.at("/batch/steps")).add(st);
        return b;
    }

    private static JsonNode sequenceById(int id) {
        var r = Harness.F.objectNode();
        r.put("type", "sequence");
        r.put("sql_id", id);
        return r;
    }
}
