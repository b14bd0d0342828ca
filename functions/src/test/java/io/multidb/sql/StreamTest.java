package io.multidb.sql;

import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.integer;
import static io.multidb.sql.Harness.rows;
import static io.multidb.sql.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interactive transactions on one executor: what a stream rebuilds, what ends it, how batons are checked. */
class StreamTest {
    @TempDir
    Path dir;
    Harness h;
    Function<JsonNode, JsonNode> open;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.pipeline(Harness.sequence("CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT UNIQUE);"
                + "CREATE TABLE acct(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
                + "INSERT INTO acct VALUES (1, 100), (2, 50);"));
        open = body -> h.run(Harness.open(), body).body();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private List<List<Object>> t() {
        return h.query("SELECT x, y FROM t ORDER BY x");
    }

    private MultidbException refused(StreamClient c, JsonNode... requests) {
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> c.send(open, requests));
        assertThat(e).isNotNull();
        return e;
    }

    /** Writes through another connection, as another instance or client would. */
    private void otherWriter(String sql) throws SQLException {
        try (var c = h.store.connect(h.file(), false); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    // ---- the life of a stream ----

    @Test
    void aWriteTransactionReadsItsOwnWritesAcrossRequestsAndCommitsAtOnce() throws Exception {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        JsonNode r = tx.execute(open, "INSERT INTO t(y) VALUES (?)", text("a"));
        assertThat(r.get("last_insert_rowid").asText()).isEqualTo("1");
        String first = tx.baton;
        assertThat(first).isNotNull();
        tx.execute(open, "INSERT INTO t(y) VALUES (?)", text("b"));
        assertThat(tx.baton).isNotNull().isNotEqualTo(first);
        assertThat(rows(tx.execute(open, "SELECT y FROM t ORDER BY x")))
                .isEqualTo("[[{\"type\":\"text\",\"value\":\"a\"}],[{\"type\":\"text\",\"value\":\"b\"}]]");
        // Between requests nothing is written and nothing is locked.
        assertThat(t()).isEmpty();
        h.assertNoTransaction();
        otherWriter("INSERT INTO acct VALUES (3, 0)"); // a write elsewhere in the file, which nothing read
        JsonNode commit = tx.commit(open);
        assertThat(commit.get("type").asText()).isEqualTo("ok");
        assertThat(t()).isEqualTo(List.of(List.of(1, "a"), List.of(2, "b")));
        assertThat(h.streamStore.size()).isZero();
        h.assertNoTransaction();
    }

    @Test
    void rollbackAndCloseDiscardTheTransaction() throws Exception {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        String last = tx.baton;
        assertThat(tx.rollback(open).get("type").asText()).isEqualTo("ok");
        assertThat(t()).isEmpty();
        assertThat(h.streamStore.size()).isZero();
        tx.baton = last;
        assertThat(refused(tx, execute("SELECT 1")).code()).isEqualTo("BATON_STREAM_CLOSED");

        // tx.close() without commit sends close alone.
        StreamClient tx2 = new StreamClient("BEGIN IMMEDIATE");
        tx2.execute(open, "INSERT INTO t(y) VALUES ('b')");
        tx2.send(open, Harness.closeReq());
        assertThat(tx2.baton).isNull();
        assertThat(t()).isEmpty();
        assertThat(h.streamStore.size()).isZero();
    }

    @Test
    void expiryDiscardsTheTransaction() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        h.clock.advance(Duration.ofSeconds(29));
        tx.execute(open, "INSERT INTO t(y) VALUES ('b')"); // each request restarts the idle time
        h.clock.advance(Duration.ofSeconds(30));
        MultidbException e = refused(tx, execute("COMMIT"), Harness.closeReq());
        assertThat(e.kind()).isEqualTo(ErrorKind.STREAM_INVALID);
        assertThat(e.code()).isEqualTo("STREAM_EXPIRED");
        assertThat(e.getMessage()).contains("idle for more than 30 s");
        assertThat(t()).isEmpty();
        assertThat(h.streamStore.size()).isZero();
    }

    @Test
    void drizzleNestedTransactionsUseSavepoints() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('outer')");
        tx.execute(open, "savepoint sp0");
        tx.execute(open, "INSERT INTO t(y) VALUES ('kept')");
        tx.execute(open, "release savepoint sp0");
        tx.execute(open, "savepoint sp1");
        tx.execute(open, "INSERT INTO t(y) VALUES ('undone')");
        tx.execute(open, "rollback to savepoint sp1");
        assertThat(rows(tx.execute(open, "SELECT count(*) FROM t"))).isEqualTo("[[{\"type\":\"integer\",\"value\":\"2\"}]]");
        assertThat(t()).isEmpty();
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(t()).isEqualTo(List.of(List.of(1, "outer"), List.of(2, "kept")));
    }

    @Test
    void aTransactionOpenedBySavepointCommitsAtItsRelease() throws Exception {
        StreamClient s = new StreamClient(null);
        s.send(open, execute("SAVEPOINT outer_sp"), execute("INSERT INTO t(y) VALUES ('a')"));
        assertThat(s.baton).isNotNull();
        s.send(open, execute("SAVEPOINT inner_sp"), execute("INSERT INTO t(y) VALUES ('b')"),
                execute("RELEASE inner_sp"));
        assertThat(t()).isEmpty();
        // Releasing the outermost savepoint commits; the stream stays open (no close) with no transaction.
        s.send(open, execute("RELEASE outer_sp"));
        assertThat(t()).hasSize(2);
        assertThat(s.baton).isNotNull();
        h.assertNoTransaction();
        // Outside a transaction the stream runs in autocommit, like any connection.
        s.send(open, execute("INSERT INTO t(y) VALUES ('c')"));
        assertThat(t()).hasSize(3);
        s.send(open, Harness.closeReq());
        assertThat(s.baton).isNull();
        assertThat(h.streamStore.size()).isZero();
    }

    @Test
    void aReadonlyTransactionRefusesWritesAndReadsOneSnapshot() throws Exception {
        StreamClient tx = new StreamClient("BEGIN TRANSACTION READONLY");
        assertThat(rows(tx.execute(open, "SELECT balance FROM acct WHERE id = 1"))).contains("\"100\"");
        JsonNode refused = tx.execute(open, "UPDATE acct SET balance = 0");
        assertThat(refused.at("/error/code").asText()).isEqualTo("SQLITE_READONLY");
        assertThat(rows(tx.execute(open, "SELECT balance FROM acct WHERE id = 1"))).contains("\"100\"");
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(h.query("SELECT balance FROM acct WHERE id = 1")).isEqualTo(List.of(List.of(100)));
        assertThat(h.pragma("query_only")).isZero();
    }

    @Test
    void aDeferredTransactionCanReadFirstAndWriteLater() {
        StreamClient tx = new StreamClient("BEGIN DEFERRED");
        assertThat(rows(tx.execute(open, "SELECT count(*) FROM t"))).contains("\"0\"");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        tx.execute(open, "UPDATE acct SET balance = balance - 10 WHERE id = 1");
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(t()).hasSize(1);
        assertThat(h.query("SELECT balance FROM acct WHERE id = 1")).isEqualTo(List.of(List.of(90)));
    }

    @Test
    void storedSqlAndTemporaryTablesInsideTheTransactionLiveAsLongAsTheStream() {
        StreamClient s = new StreamClient(null);
        s.send(open, Harness.storeSql(7, "INSERT INTO t(y) VALUES (?)"), execute("BEGIN"),
                execute("CREATE TEMP TABLE scratch(v)"), execute("INSERT INTO scratch VALUES (42)"));
        JsonNode out = s.send(open, execute(Harness.F.objectNode().put("sql_id", 7).set("args",
                        Harness.F.arrayNode().add(text("from stored sql")))),
                execute("SELECT v FROM scratch"), Harness.closeSql(7), execute(Harness.F.objectNode().put("sql_id", 7)));
        assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
        assertThat(rows(out.at("/results/1/response/result"))).contains("\"42\"");
        assertThat(out.at("/results/3/error/code").asText()).isEqualTo("SQL_NOT_FOUND");
        JsonNode end = s.send(open, execute("COMMIT"), Harness.closeReq());
        assertThat(end.at("/results/0/type").asText()).isEqualTo("ok");
        assertThat(t()).isEqualTo(List.of(List.of(1, "from stored sql")));
        // Temporary objects never outlive the request on the pooled connection.
        assertThat(h.query("SELECT count(*) FROM temp.sqlite_master")).isEqualTo(List.of(List.of(0)));
    }

    @Test
    void aFailedCommitKeepsTheTransactionOpenWithDeferredForeignKeys() {
        h.pipeline(Harness.sequence("CREATE TABLE child(id INTEGER PRIMARY KEY, t_x INTEGER REFERENCES t(x));"));
        StreamClient s = new StreamClient(null);
        s.send(open, execute("BEGIN"), execute("PRAGMA defer_foreign_keys=ON"),
                execute("INSERT INTO child VALUES (1, 5)"));
        JsonNode out = s.send(open, execute("COMMIT"));
        assertThat(out.at("/results/0/error/code").asText()).isEqualTo("SQLITE_CONSTRAINT");
        assertThat(s.baton).isNotNull(); // the transaction is still open, and so is the stream
        out = s.send(open, execute("INSERT INTO t(x, y) VALUES (5, 'parent')"), execute("COMMIT"), Harness.closeReq());
        assertThat(out.at("/results/1/type").asText()).isEqualTo("ok");
        assertThat(h.query("SELECT t_x FROM child")).isEqualTo(List.of(List.of(5)));
    }

    @Test
    void aFailureThatRollsTheTransactionBackLeavesTheStreamInAutocommit() {
        h.pipeline(Harness.sequence("CREATE TRIGGER no_z BEFORE INSERT ON t WHEN NEW.y = 'z' "
                + "BEGIN SELECT RAISE(ROLLBACK, 'no z'); END;"));
        StreamClient s = new StreamClient(null);
        s.send(open, execute("BEGIN"), execute("INSERT INTO t(y) VALUES ('a')"));
        JsonNode out = s.send(open, execute("INSERT INTO t(y) VALUES ('z')"), execute("INSERT INTO t(y) VALUES ('b')"));
        assertThat(out.at("/results/0/error/message").asText()).contains("no z");
        // The RAISE(ROLLBACK) ended the transaction ('a' is gone); 'b' then ran in autocommit.
        assertThat(t()).isEqualTo(List.of(List.of(1, "b")));
        s.send(open, Harness.closeReq());
        assertThat(h.streamStore.size()).isZero();
    }

    @Test
    void aConstraintErrorTheClientSawIsPartOfWhatTheTransactionRead() throws Exception {
        h.result("INSERT INTO t(x, y) VALUES (10, 'taken')");
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        assertThat(tx.execute(open, "INSERT INTO t(y) VALUES ('taken')").at("/error/code").asText())
                .isEqualTo("SQLITE_CONSTRAINT");
        tx.execute(open, "INSERT INTO t(y) VALUES ('fallback')");
        // Replayed, the insert fails again, as the client saw: the transaction goes on.
        tx.execute(open, "SELECT 1");
        otherWriter("DELETE FROM t WHERE x = 10");
        // Now the insert the client saw fail would work: what it read no longer holds.
        MultidbException e = refused(tx, execute("COMMIT"), Harness.closeReq());
        assertThat(e.code()).isEqualTo("STREAM_CONFLICT");
        assertThat(t()).isEmpty();
    }

    @Test
    void settingsChangedBeforeTheTransactionHoldForTheWholeStream() throws Exception {
        h.pipeline(Harness.sequence("CREATE TABLE child(id INTEGER PRIMARY KEY, t_x INTEGER REFERENCES t(x));"));
        StreamClient s = new StreamClient(null);
        s.send(open, execute("PRAGMA foreign_keys=OFF"), execute("BEGIN"), execute("INSERT INTO child VALUES (1, 99)"));
        assertThat(h.pragma("foreign_keys")).isEqualTo(1); // the pooled connection got its setting back
        JsonNode out = s.send(open, execute("INSERT INTO child VALUES (2, 98)"), execute("COMMIT"), Harness.closeReq());
        assertThat(out.at("/results/0/type").asText()).as(out.toString()).isEqualTo("ok");
        assertThat(out.at("/results/1/type").asText()).isEqualTo("ok");
        assertThat(h.query("SELECT count(*) FROM child")).isEqualTo(List.of(List.of(2)));
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
    }

    @Test
    void aReadCutOffByTheRowLimitIsReplayedWithoutItsRows() {
        ExecutionPolicy twoRows = new ExecutionPolicy(null, null, null,
                new SqlLimits(1_000, 10_000, 2, 4L * 1024 * 1024, Duration.ofSeconds(10)));
        Function<JsonNode, JsonNode> limited = body -> h.run(twoRows, body).body();
        StreamClient s = new StreamClient(null);
        JsonNode out = s.send(limited, execute("BEGIN"), execute("INSERT INTO t(y) VALUES ('a'), ('b'), ('c')"),
                execute("SELECT y FROM t"));
        assertThat(out.at("/results/2/error/code").asText()).isEqualTo("LIMIT_EXCEEDED");
        out = s.send(limited, execute("SELECT count(*) FROM t"), execute("COMMIT"), Harness.closeReq());
        assertThat(rows(out.at("/results/0/response/result"))).contains("\"3\"");
        assertThat(t()).hasSize(3);
    }

    @Test
    void executeMultipleInsideATransactionIsPartOfIt() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        JsonNode out = tx.send(open, Harness.sequence("INSERT INTO t(y) VALUES ('b'); INSERT INTO t(y) VALUES ('c');"));
        assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
        assertThat(rows(tx.execute(open, "SELECT count(*) FROM t"))).contains("\"3\"");
        assertThat(t()).isEmpty();
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(t()).hasSize(3);
    }

    // ---- conflicts ----

    @Test
    void aConcurrentWriterBetweenTwoStepsMakesTheCommitFailAndNothingOfTheTransactionIsWritten() throws Exception {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        assertThat(rows(tx.execute(open, "SELECT balance FROM acct WHERE id = 1"))).contains("\"100\"");
        tx.execute(open, "UPDATE acct SET balance = ? WHERE id = 1", integer("90"));
        tx.execute(open, "INSERT INTO t(y) VALUES ('audit: 100 -> 90')");
        otherWriter("UPDATE acct SET balance = 70 WHERE id = 1");
        MultidbException e = refused(tx, execute("COMMIT"), Harness.closeReq());
        assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
        assertThat(e.code()).isEqualTo("STREAM_CONFLICT");
        assertThat(e.getMessage()).contains("statement 2 (SELECT balance FROM acct WHERE id = 1)")
                .contains("Nothing of the transaction was written");
        assertThat(h.query("SELECT balance FROM acct WHERE id = 1")).isEqualTo(List.of(List.of(70)));
        assertThat(t()).isEmpty();
        h.assertNoTransaction();
        // The stream is over: what the client sends next (its close) is refused, harmlessly.
        assertThat(refused(tx, Harness.closeReq()).code()).isEqualTo("BATON_STREAM_CLOSED");
    }

    @Test
    void aConflictIsReportedAtTheFirstRequestAfterTheChange() throws Exception {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "SELECT balance FROM acct WHERE id = 2");
        otherWriter("UPDATE acct SET balance = 51 WHERE id = 2");
        assertThat(refused(tx, execute("SELECT 1")).code()).isEqualTo("STREAM_CONFLICT");
    }

    @Test
    void aNonDeterministicResultTheClientSawCannotBeRebuilt() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "SELECT random()");
        assertThat(refused(tx, execute("SELECT 1")).getMessage()).contains("non-deterministic");
    }

    // ---- batons ----

    @Test
    void aReusedBatonIsRefusedAndRunsNothing() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        String used = tx.baton;
        tx.execute(open, "INSERT INTO t(y) VALUES ('b')");
        String current = tx.baton;
        tx.baton = used;
        MultidbException e = refused(tx, execute("INSERT INTO t(y) VALUES ('replayed')"), execute("COMMIT"),
                Harness.closeReq());
        assertThat(e.kind()).isEqualTo(ErrorKind.STREAM_INVALID);
        assertThat(e.code()).isEqualTo("BATON_REUSED");
        assertThat(t()).isEmpty();
        // The stream itself is intact under its current baton.
        tx.baton = current;
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(h.query("SELECT y FROM t ORDER BY x")).isEqualTo(List.of(List.of("a"), List.of("b")));
    }

    @Test
    void aForgedOrAlteredBatonIsRefused() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        String good = tx.baton;
        char last = good.charAt(good.length() - 2);
        String altered = good.substring(0, good.length() - 2) + (last == 'A' ? 'B' : 'A') + good.charAt(good.length() - 1);
        for (String forged : List.of(altered, good.substring(1), "", "x".repeat(500), "not base64 at all!")) {
            tx.baton = forged;
            MultidbException e = refused(tx, execute("COMMIT"), Harness.closeReq());
            assertThat(e.code()).as(forged).isEqualTo("BATON_INVALID");
        }
        // Signed with another key (another deployment, or a retired key).
        Streams other = new Streams(h.streamStore, BatonKeys.of("another key of thirty-two bytes!".getBytes()),
                StreamOptions.defaults(), h.clock);
        StreamScope scope = h.scope;
        h.scope = new StreamScope(other, scope.org(), scope.database(), scope.databaseId(), null);
        tx.baton = good;
        assertThat(refused(tx, execute("COMMIT")).code()).isEqualTo("BATON_INVALID");
        h.scope = scope;
        assertThat(t()).isEmpty();
        tx.baton = good;
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok"); // the real stream was never touched
    }

    @Test
    void aBatonForAnotherDatabaseOrOrganizationIsRefused() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        StreamScope scope = h.scope;
        for (StreamScope elsewhere : List.of(
                new StreamScope(h.streams, scope.org(), "db2", "db2-id", null),
                new StreamScope(h.streams, "org2", scope.database(), scope.databaseId(), null))) {
            h.scope = elsewhere;
            MultidbException e = refused(tx, execute("SELECT * FROM t"));
            assertThat(e.code()).isEqualTo("BATON_INVALID");
            assertThat(e.getMessage()).doesNotContain("'a'");
        }
        // The same name, another incarnation: the database was deleted and created again.
        h.scope = new StreamScope(h.streams, scope.org(), scope.database(), "db1-id-2", null);
        assertThat(refused(tx, execute("SELECT * FROM t")).getMessage()).contains("deleted and created again");
        h.scope = scope;
        assertThat(tx.commit(open).get("type").asText()).isEqualTo("ok");
    }

    // ---- limits and policies ----

    @Test
    void aTransactionOverTheStreamLimitsIsRolledBackAndEnded() {
        h.streamOptions(new StreamOptions(Duration.ofSeconds(30), 3, 1024 * 1024));
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        tx.execute(open, "INSERT INTO t(y) VALUES ('b')");
        MultidbException e = refused(tx, execute("INSERT INTO t(y) VALUES ('c')"));
        assertThat(e.kind()).isEqualTo(ErrorKind.LIMIT_EXCEEDED);
        assertThat(e.getMessage()).contains("at most 3");
        assertThat(h.streamStore.size()).isZero();
        // One batch in one request is not a stream: no such limit.
        h.pipeline(Harness.batch(Harness.step(null, "BEGIN"), Harness.step(null, "INSERT INTO t(y) VALUES ('1')"),
                Harness.step(null, "INSERT INTO t(y) VALUES ('2')"), Harness.step(null, "INSERT INTO t(y) VALUES ('3')"),
                Harness.step(null, "COMMIT")));
        assertThat(t()).hasSize(3);

        h.streamOptions(new StreamOptions(Duration.ofSeconds(30), 1000, 2000));
        StreamClient big = new StreamClient("BEGIN IMMEDIATE");
        big.execute(open, "INSERT INTO t(y) VALUES (?)", text("x".repeat(1000)));
        assertThat(refused(big, execute("INSERT INTO t(y) VALUES ('" + "y".repeat(1000) + "')")).getMessage())
                .contains("at most 2000");
        assertThat(t()).hasSize(3);
    }

    @Test
    void aStreamThatMayNotWriteCanStillRead() {
        StreamScope scope = h.scope;
        h.scope = new StreamScope(h.streams, scope.org(), scope.database(), scope.databaseId(),
                "'db1' is a schema database with 1 child: no writes in interactive transactions.");
        StreamClient writer = new StreamClient("BEGIN IMMEDIATE");
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> writer.execute(open, "INSERT INTO t(y) VALUES ('a')"));
        assertThat(e.kind()).isEqualTo(ErrorKind.WRITES_BLOCKED);
        assertThat(e.code()).isEqualTo("BLOCKED");
        assertThat(e.getMessage()).contains("schema database");
        assertThat(t()).isEmpty();

        StreamClient reader = new StreamClient("BEGIN IMMEDIATE");
        assertThat(rows(reader.execute(open, "SELECT count(*) FROM acct"))).contains("\"2\"");
        JsonNode refused = reader.execute(open, "DELETE FROM acct");
        assertThat(refused.at("/error/code").asText()).isEqualTo("BLOCKED");
        assertThat(reader.commit(open).get("type").asText()).isEqualTo("ok");
        assertThat(h.query("SELECT count(*) FROM acct")).isEqualTo(List.of(List.of(2)));
    }

    @Test
    void writesRefusedSinceTheStreamBeganEndItWithTheRefusal() throws Exception {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(open, "INSERT INTO t(y) VALUES ('a')");
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> tx.send(body -> h.run(Harness.readOnly(), body).body(), execute("COMMIT"), Harness.closeReq()));
        assertThat(e.kind()).isEqualTo(ErrorKind.WRITES_BLOCKED);
        assertThat(e.getMessage()).isEqualTo("Writes are blocked: this token is read-only.");
        assertThat(t()).isEmpty();
        assertThat(h.pragma("query_only")).isZero();
    }
}
