package io.multidb.sql;

import static io.multidb.sql.Harness.batch;
import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.ok;
import static io.multidb.sql.Harness.sequence;
import static io.multidb.sql.Harness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LimitsAndCleanupTest {
    private static final String COUNT_FOREVER =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";

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

    private static ExecutionPolicy limited(int statements, int rows, long bytes, Duration timeout) {
        return ExecutionPolicy.unrestricted(new SqlLimits(10, statements, rows, bytes, timeout));
    }

    // ---- limits ----

    @Test
    @Timeout(120) // if the progress handler did not stop it, this statement would run forever
    void aRunawayStatementIsInterruptedAndTheNextOneRuns() {
        ExecutionPolicy p = limited(100, 100, 100_000, Duration.ofMillis(200));
        ArrayNode r = h.pipeline(p, execute(COUNT_FOREVER), execute("SELECT 42"));
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(r.get(0).at("/error/message").asText()).contains("200 ms");
        assertThat(r.get(1).at("/response/result/rows/0/0/value").asText()).isEqualTo("42");
    }

    @Test
    @Timeout(120)
    void aRunawayWriteInsideATransactionIsInterruptedAndRolledBack() throws Exception {
        ExecutionPolicy p = limited(100, 100, 100_000, Duration.ofMillis(200));
        h.pipeline(p, execute("BEGIN"), execute("INSERT INTO t VALUES (1)"),
                execute("INSERT INTO t " + COUNT_FOREVER.replace("SELECT count(*) FROM c", "SELECT x + 1 FROM c")),
                execute("COMMIT"));
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        h.assertNoTransaction();
    }

    @Test
    void hugeValuesFailCleanlyAtTheLengthLimit() {
        for (String sql : List.of("SELECT zeroblob(2000000000)", "SELECT randomblob(2000000000)",
                "SELECT printf('%.*c', 2000000000, 'x')", "SELECT length(zeroblob(2000000000))")) {
            JsonNode e = h.error(sql);
            assertThat(e.get("code").asText()).as(sql).isEqualTo("SQLITE_TOOBIG");
            assertThat(e.get("message").asText()).isEqualTo("SQLite error: string or blob too big");
        }
    }

    @Test
    void resultRowsAreCountedOverTheWholePipeline() {
        ExecutionPolicy p = limited(100, 10, 1_000_000, Duration.ofSeconds(10));
        String sixRows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 6) SELECT x FROM c";
        ArrayNode r = h.pipeline(p, execute(sixRows), execute(sixRows), execute("SELECT 1"));
        assertThat(r.get(0).at("/response/result/rows")).hasSize(6);
        assertThat(r.get(1).at("/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(r.get(1).at("/error/message").asText()).contains("10 rows");
        // Rows not asked for are not returned, so they do not count.
        ObjectNode quiet = Harness.stmt(sixRows);
        quiet.put("want_rows", false);
        assertThat(h.pipeline(p, execute(quiet), execute(quiet)).get(1).get("type").asText()).isEqualTo("ok");
    }

    @Test
    void resultBytesAreBounded() {
        ExecutionPolicy p = limited(100, 1000, 10_000, Duration.ofSeconds(10));
        JsonNode e = h.error(p, "SELECT printf('%.*c', 20000, 'x')");
        assertThat(e.get("code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(h.result(p, "SELECT printf('%.*c', 2000, 'x')").get("rows")).hasSize(1);
    }

    @Test
    void statementsAreCountedPerRequestBeforeAnyOfABatchOrSequenceRuns() {
        ExecutionPolicy p = limited(3, 100, 100_000, Duration.ofSeconds(10));
        ArrayNode r = h.pipeline(p,
                batch(step(null, "INSERT INTO t VALUES (1)"), step(ok(0), "INSERT INTO t VALUES (2)"),
                        step(ok(1), "INSERT INTO t VALUES (3)"), step(ok(2), "INSERT INTO t VALUES (4)")),
                sequence("INSERT INTO t VALUES (5); INSERT INTO t VALUES (6); INSERT INTO t VALUES (7); INSERT INTO t VALUES (8);"),
                execute("INSERT INTO t VALUES (9)"), execute("INSERT INTO t VALUES (10)"),
                execute("INSERT INTO t VALUES (11)"), execute("INSERT INTO t VALUES (12)"));
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(r.get(1).at("/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(r.get(2).get("type").asText()).isEqualTo("ok");
        assertThat(r.get(4).get("type").asText()).isEqualTo("ok");
        assertThat(r.get(5).at("/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertThat(h.query("SELECT x FROM t ORDER BY x")).isEqualTo(List.of(List.of(9), List.of(10), List.of(11)));
    }

    @Test
    void tooManyRequestsIsAnInvalidRequest() {
        ExecutionPolicy p = limited(100, 100, 100_000, Duration.ofSeconds(10)); // 10 requests at most
        ObjectNode body = Harness.F.objectNode();
        ArrayNode list = body.putArray("requests");
        for (int i = 0; i < 11; i++) {
            list.add(execute("INSERT INTO t VALUES (" + i + ")"));
        }
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> h.run(p, body));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
        assertThat(e.getMessage()).contains("11 requests").contains("at most 10");
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
    }

    // ---- the connection goes back to the pool clean ----

    /** What client.transaction("write") then tx.execute(...) sends first: no close, a baton expected back. */
    private static final String CLIENT_TRANSACTION = """
            {"requests":[{"type":"store_sql","sql_id":0,"sql":"INSERT INTO t VALUES (?)"},\
            {"type":"batch","batch":{"steps":[\
            {"stmt":{"sql":"BEGIN IMMEDIATE","args":[],"named_args":[],"want_rows":false}},\
            {"condition":{"type":"ok","step":0},"stmt":{"sql_id":0,"args":[{"type":"float","value":3}],"named_args":[],"want_rows":true}}]}}]}""";

    @Test
    void anInteractiveTransactionGetsABatonAndLeavesTheConnectionClean() throws Exception {
        JsonNode out = h.run(Harness.open(), Harness.parse(CLIENT_TRANSACTION)).body();
        assertThat(out.get("baton").isTextual()).isTrue();
        assertThat(out.at("/results/1/response/result/step_results/1/affected_row_count").asInt()).isEqualTo(1);
        // The transaction lives in the stream store, not on the connection: nothing committed, no lock held.
        h.assertNoTransaction();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        assertAnotherConnectionCanWrite();
        h.result("INSERT INTO t VALUES (2)");
    }

    @Test
    void withoutStreamsAnInteractiveTransactionIsRolledBackAndRefused() throws Exception {
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> h.runWithoutStreams(Harness.open(), Harness.parse(CLIENT_TRANSACTION)));
        assertThat(e.kind()).isEqualTo(ErrorKind.STREAM_INVALID);
        assertThat(e.code()).isEqualTo("STREAM_NOT_SUPPORTED");
        assertThat(e.getMessage()).contains("rolled back").contains("batch()");
        h.assertNoTransaction();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        assertAnotherConnectionCanWrite();
        h.result("INSERT INTO t VALUES (2)");
    }

    @Test
    void aTransactionLeftOpenWithoutCloseBecomesAStreamAndHoldsNoLock() throws Exception {
        for (List<String> statements : List.of(List.of("BEGIN", "INSERT INTO t VALUES (1)"),
                List.of("SAVEPOINT a", "INSERT INTO t VALUES (1)", "SAVEPOINT b"),
                List.of("BEGIN TRANSACTION READONLY", "SELECT * FROM t"))) {
            ObjectNode body = Harness.F.objectNode();
            ArrayNode list = body.putArray("requests");
            statements.forEach(sql -> list.add(execute(sql)));
            JsonNode out = h.run(Harness.open(), body).body();
            assertThat(out.get("baton").isTextual()).as(statements.toString()).isTrue();
            h.assertNoTransaction();
            assertThat(h.pragma("query_only")).isZero();
            assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
            assertAnotherConnectionCanWrite();
            // Without streams the same pipeline is refused, and rolled back all the same.
            MultidbException e = catchThrowableOfType(MultidbException.class,
                    () -> h.runWithoutStreams(Harness.open(), body));
            assertThat(e.code()).as(statements.toString()).isEqualTo("STREAM_NOT_SUPPORTED");
            h.assertNoTransaction();
            assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        }
    }

    @Test
    void aPipelineWithoutCloseThatEndsItsTransactionIsAnsweredNormally() throws Exception {
        ObjectNode body = Harness.F.objectNode();
        body.putArray("requests").add(execute("BEGIN")).add(execute("INSERT INTO t VALUES (1)")).add(execute("COMMIT"))
                .add(execute("SAVEPOINT s")).add(execute("RELEASE s"));
        JsonNode out = h.run(Harness.open(), body).body();
        assertThat(out.get("results")).hasSize(5);
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(1)));
        h.assertNoTransaction();
    }

    @Test
    void closeEndsTheStreamAndItsTransaction() throws Exception {
        ArrayNode r = h.pipeline(execute("BEGIN"), execute("INSERT INTO t VALUES (1)"));
        assertThat(r.get(1).get("type").asText()).isEqualTo("ok");
        h.assertNoTransaction();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void aStoppedQueryReleasesItsReadLock() throws Exception {
        h.pipeline(sequence("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);"));
        ExecutionPolicy p = limited(100, 1, 100_000, Duration.ofSeconds(10));
        assertThat(h.error(p, "SELECT x FROM t").get("code").asText()).isEqualTo("LIMIT_EXCEEDED");
        assertAnotherConnectionCanWrite();
    }

    @Test
    void aMalformedPipelineRunsNothing() {
        ObjectNode body = Harness.F.objectNode();
        body.putArray("requests").add(execute("INSERT INTO t VALUES (1)"))
                .add(Harness.parse("{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT 1\",\"args\":[{\"type\":\"bogus\"}]}}"));
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> h.run(Harness.open(), body));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void theConnectionServesManyRequestsInARow() throws Exception {
        for (int i = 0; i < 50; i++) {
            ArrayNode r = h.pipeline(i % 2 == 0 ? Harness.readOnly() : Harness.child(),
                    batch(step(null, "BEGIN"), step(ok(0), "INSERT INTO t VALUES (" + i + ")"),
                            step(ok(1), "CREATE TABLE x" + i + "(a)"), step(null, "PRAGMA foreign_keys=off")));
            assertThat(r.get(0).at("/response/result/step_errors/1").isNull()).isEqualTo(i % 2 == 1);
        }
        h.assertNoTransaction();
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
        assertThat(h.pragma("query_only")).isZero();
        assertThat(h.query("SELECT count(*) FROM t")).isEqualTo(List.of(List.of(0)));
        assertThat(h.query("SELECT count(*) FROM sqlite_master")).isEqualTo(List.of(List.of(1)));
    }

    /** A second connection with a short busy timeout commits a write: nobody holds a lock on the file. */
    private void assertAnotherConnectionCanWrite() throws SQLException {
        StorageOptions quick = new StorageOptions(Duration.ofMillis(200), 1, 1, 1_000_000, 1_000_000, 4L << 30);
        try (SqliteStore other = new SqliteStore(dir, quick);
             var c = other.connect(h.file(), false); Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            s.execute("INSERT INTO t VALUES (1000)");
            s.execute("DELETE FROM t WHERE x = 1000");
            s.execute("COMMIT");
        }
    }
}
