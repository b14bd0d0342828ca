package io.multidb.sql;

import static io.multidb.sql.Harness.blob;
import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.flt;
import static io.multidb.sql.Harness.integer;
import static io.multidb.sql.Harness.nul;
import static io.multidb.sql.Harness.parse;
import static io.multidb.sql.Harness.rows;
import static io.multidb.sql.Harness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecuteAndValuesTest {
    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.result("CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n NUMERIC, any_)");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void theClientsExactExecuteBodyGetsTheExactResponseShape() {
        // As @libsql/client 0.18 sends execute({sql, args: [1, "a"]}): every JS number is a float.
        JsonNode body = parse("""
                {"requests":[{"type":"execute","stmt":{"sql":"SELECT ?, ?","args":[{"type":"float","value":1},\
                {"type":"text","value":"a"}],"named_args":[],"want_rows":true}},{"type":"close"}]}""");
        JsonNode out = h.run(Harness.open(), body).body();
        JsonNode result = out.at("/results/0/response/result");
        assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
        assertThat(out.at("/results/0/response/type").asText()).isEqualTo("execute");
        assertThat(result.get("cols").toString())
                .isEqualTo("[{\"name\":\"?\",\"decltype\":null},{\"name\":\"?\",\"decltype\":null}]");
        assertThat(rows(result)).isEqualTo("[[{\"type\":\"float\",\"value\":1.0},{\"type\":\"text\",\"value\":\"a\"}]]");
        assertThat(result.get("affected_row_count").asLong()).isZero();
        assertThat(result.get("last_insert_rowid").isNull()).isTrue();
        assertThat(result.get("rows_read").asLong()).isEqualTo(1);
        assertThat(result.get("rows_written").asLong()).isZero();
        assertThat(result.get("query_duration_ms").isNumber()).isTrue();
        assertThat(out.at("/results/1").toString()).isEqualTo("{\"type\":\"ok\",\"response\":{\"type\":\"close\"}}");
    }

    @Test
    void integersRoundTripAsStringsOverTheWhole64BitRange() {
        for (String v : new String[] {"0", "-1", "9223372036854775807", "-9223372036854775808", "9007199254740993"}) {
            JsonNode r = h.result("SELECT ?, typeof(?1)", integer(v));
            assertThat(rows(r)).isEqualTo("[[{\"type\":\"integer\",\"value\":\"" + v
                    + "\"},{\"type\":\"text\",\"value\":\"integer\"}]]");
        }
    }

    @Test
    void everyValueTypeIsStoredAndReadBackByItsStorageClass() {
        JsonNode insert = h.result("INSERT INTO t(i, r, s, b, n, any_) VALUES (?, ?, ?, ?, ?, ?)",
                integer("-42"), flt(2.5), text("héllo wörld ✓ 😀"), blob("AAECAwT/"), flt(3), flt(1.25));
        assertThat(insert.get("affected_row_count").asLong()).isEqualTo(1);
        assertThat(insert.get("rows_written").asLong()).isEqualTo(1);
        assertThat(insert.get("last_insert_rowid").asText()).isEqualTo("1");
        assertThat(insert.get("rows").size()).isZero();
        h.result("INSERT INTO t(i, r, s, b, n, any_) VALUES (NULL, NULL, NULL, NULL, NULL, NULL)");
        JsonNode r = h.result("SELECT i, r, s, b, n, any_, typeof(n) FROM t ORDER BY id");
        assertThat(r.get("cols").toString()).isEqualTo("[{\"name\":\"i\",\"decltype\":\"INTEGER\"},"
                + "{\"name\":\"r\",\"decltype\":\"REAL\"},{\"name\":\"s\",\"decltype\":\"TEXT\"},"
                + "{\"name\":\"b\",\"decltype\":\"BLOB\"},{\"name\":\"n\",\"decltype\":\"NUMERIC\"},"
                + "{\"name\":\"any_\",\"decltype\":null},{\"name\":\"typeof(n)\",\"decltype\":null}]");
        // The float 3 sent by a JS client lands as integer 3 in a NUMERIC column: the column's affinity decides.
        assertThat(rows(r)).isEqualTo("[[{\"type\":\"integer\",\"value\":\"-42\"},{\"type\":\"float\",\"value\":2.5},"
                + "{\"type\":\"text\",\"value\":\"héllo wörld ✓ 😀\"},{\"type\":\"blob\",\"base64\":\"AAECAwT/\"},"
                + "{\"type\":\"integer\",\"value\":\"3\"},{\"type\":\"float\",\"value\":1.25},"
                + "{\"type\":\"text\",\"value\":\"integer\"}],"
                + "[{\"type\":\"null\"},{\"type\":\"null\"},{\"type\":\"null\"},{\"type\":\"null\"},{\"type\":\"null\"},"
                + "{\"type\":\"null\"},{\"type\":\"text\",\"value\":\"null\"}]]");
        assertThat(r.get("rows_read").asLong()).isEqualTo(2);
    }

    @Test
    void aValueOfAnotherClassThanItsColumnIsReportedByWhatItIs() {
        h.result("INSERT INTO t(i) VALUES ('not a number')");
        assertThat(rows(h.result("SELECT i FROM t"))).isEqualTo("[[{\"type\":\"text\",\"value\":\"not a number\"}]]");
    }

    @Test
    void blobsAcceptPaddedAndUnpaddedBase64AndAnswerPadded() {
        assertThat(rows(h.result("SELECT ?, ?, ?, length(?4)", blob("AQI="), blob("AQI"), blob(""), blob(""))))
                .isEqualTo("[[{\"type\":\"blob\",\"base64\":\"AQI=\"},{\"type\":\"blob\",\"base64\":\"AQI=\"},"
                        + "{\"type\":\"blob\",\"base64\":\"\"},{\"type\":\"integer\",\"value\":\"0\"}]]");
        assertThat(rows(h.result("SELECT typeof(?)", blob("")))).contains("blob");
    }

    @Test
    void emptyTextAndNullStayDistinct() {
        assertThat(rows(h.result("SELECT ?, ?, typeof(?1)", text(""), nul())))
                .isEqualTo("[[{\"type\":\"text\",\"value\":\"\"},{\"type\":\"null\"},{\"type\":\"text\",\"value\":\"text\"}]]");
    }

    @Test
    void infinitiesGoOutAsNumbersJavaScriptReadsAsInfinity() {
        JsonNode r = h.result("SELECT 1e308 * 10, -1e308 * 10");
        assertThat(rows(r)).isEqualTo("[[{\"type\":\"float\",\"value\":1e999},{\"type\":\"float\",\"value\":-1e999}]]");
    }

    @Test
    void wantRowsFalseStillRunsTheStatementAndAnswersAnEmptyRowsArray() {
        h.result("INSERT INTO t(i) VALUES (1), (2), (3)");
        var stmt = Harness.stmt("SELECT i FROM t");
        stmt.put("want_rows", false);
        JsonNode r = h.pipeline(execute(stmt)).get(0).at("/response/result");
        assertThat(r.get("rows").isArray()).isTrue();
        assertThat(r.get("rows")).isEmpty();
        assertThat(r.get("cols")).hasSize(1);
        assertThat(r.get("rows_read").asLong()).isEqualTo(3);
    }

    @Test
    void affectedRowsAndLastInsertRowidDescribeTheStatementItself() {
        JsonNode ins = h.result("INSERT INTO t(id, i) VALUES (7, 1), (8, 2), (9, 3)");
        assertThat(ins.get("affected_row_count").asLong()).isEqualTo(3);
        assertThat(ins.get("last_insert_rowid").asText()).isEqualTo("9");
        JsonNode upd = h.result("UPDATE t SET i = i + 1 WHERE id >= 8");
        assertThat(upd.get("affected_row_count").asLong()).isEqualTo(2);
        JsonNode none = h.result("UPDATE t SET i = 0 WHERE id = 1000");
        assertThat(none.get("affected_row_count").asLong()).isZero();
        assertThat(none.get("last_insert_rowid").isNull()).isTrue();
        JsonNode read = h.result("SELECT count(*) FROM t");
        assertThat(read.get("affected_row_count").asLong()).isZero();
        assertThat(read.get("last_insert_rowid").isNull()).isTrue();
        JsonNode del = h.result("DELETE FROM t");
        assertThat(del.get("affected_row_count").asLong()).isEqualTo(3);
        assertThat(del.get("rows_written").asLong()).isEqualTo(3);
    }

    @Test
    void returningRowsComeBackWithTheWrite() {
        JsonNode r = h.result("INSERT INTO t(i) VALUES (5), (6) RETURNING id, i * 2 AS twice");
        assertThat(rows(r)).isEqualTo("[[{\"type\":\"integer\",\"value\":\"1\"},{\"type\":\"integer\",\"value\":\"10\"}],"
                + "[{\"type\":\"integer\",\"value\":\"2\"},{\"type\":\"integer\",\"value\":\"12\"}]]");
        assertThat(r.get("cols").toString())
                .isEqualTo("[{\"name\":\"id\",\"decltype\":\"INTEGER\"},{\"name\":\"twice\",\"decltype\":null}]");
        assertThat(r.get("affected_row_count").asLong()).isEqualTo(2);
    }

    @Test
    void namedArgumentsMatchWithAndWithoutTheirPrefix() {
        var stmt = Harness.stmt("SELECT :a, @b, $c, :a, ?5");
        stmt.set("named_args", parse("""
                [{"name":"a","value":{"type":"integer","value":"1"}},
                 {"name":"@b","value":{"type":"text","value":"two"}},
                 {"name":"$c","value":{"type":"float","value":3.5}},
                 {"name":"?5","value":{"type":"null"}},
                 {"name":"unused","value":{"type":"null"}}]"""));
        JsonNode r = h.pipeline(execute(stmt)).get(0);
        assertThat(rows(r.at("/response/result"))).isEqualTo("[[{\"type\":\"integer\",\"value\":\"1\"},"
                + "{\"type\":\"text\",\"value\":\"two\"},{\"type\":\"float\",\"value\":3.5},"
                + "{\"type\":\"integer\",\"value\":\"1\"},{\"type\":\"null\"}]]");
    }

    @Test
    void theClientsNamedArgumentBodyWorks() {
        JsonNode body = parse("""
                {"requests":[{"type":"execute","stmt":{"sql":"SELECT :a","args":[],"named_args":[{"name":"a",\
                "value":{"type":"integer","value":"1"}}],"want_rows":true}},{"type":"close"}]}""");
        assertThat(rows(h.run(Harness.open(), body).body().at("/results/0/response/result")))
                .isEqualTo("[[{\"type\":\"integer\",\"value\":\"1\"}]]");
    }

    @Test
    void argumentMistakesAreErrorResults() {
        var both = Harness.stmt("SELECT ?, :a", integer("1"));
        both.set("named_args", parse("[{\"name\":\"a\",\"value\":{\"type\":\"null\"}}]"));
        JsonNode e = h.pipeline(execute(both)).get(0);
        assertThat(e.at("/error/code").asText()).isEqualTo("ARGS_BOTH_POSITIONAL_AND_NAMED");

        assertThat(h.error("SELECT ?, ?", integer("1")).get("code").asText()).isEqualTo("ARGS_INVALID");
        assertThat(h.error("SELECT 1", integer("1")).get("code").asText()).isEqualTo("ARGS_INVALID");
        assertThat(h.error("SELECT ?").get("message").asText())
                .isEqualTo("Arguments do not match SQL parameters: the statement has 1 parameter(s) but 0 argument(s) were given");

        var missing = Harness.stmt("SELECT :a, :b");
        missing.set("named_args", parse("[{\"name\":\"a\",\"value\":{\"type\":\"null\"}}]"));
        JsonNode m = h.pipeline(execute(missing)).get(0);
        assertThat(m.at("/error/code").asText()).isEqualTo("ARGS_INVALID");
        assertThat(m.at("/error/message").asText()).contains(":b");

        var anonymous = Harness.stmt("SELECT ?");
        anonymous.set("named_args", parse("[{\"name\":\"a\",\"value\":{\"type\":\"null\"}}]"));
        assertThat(h.pipeline(execute(anonymous)).get(0).at("/error/code").asText()).isEqualTo("ARGS_INVALID");
    }

    @Test
    void anExecuteHoldsExactlyOneStatement() {
        assertThat(h.error("SELECT 1; SELECT 2").get("code").asText()).isEqualTo("SQL_MANY_STATEMENTS");
        assertThat(h.error("  -- nothing\n ; ").get("code").asText()).isEqualTo("SQL_NO_STATEMENT");
        // A trailing semicolon and comment are not a second statement.
        assertThat(rows(h.result("SELECT 1; -- done"))).isEqualTo("[[{\"type\":\"integer\",\"value\":\"1\"}]]");
    }

    @Test
    void sqliteErrorsCarryTheirPrimaryCodeAndMessage() {
        h.result("CREATE TABLE u(x TEXT UNIQUE NOT NULL)");
        h.result("INSERT INTO u VALUES ('a')");
        JsonNode unique = h.error("INSERT INTO u VALUES ('a')");
        assertThat(unique.get("code").asText()).isEqualTo("SQLITE_CONSTRAINT");
        assertThat(unique.get("message").asText()).isEqualTo("SQLite error: UNIQUE constraint failed: u.x");
        assertThat(h.error("INSERT INTO u VALUES (NULL)").get("code").asText()).isEqualTo("SQLITE_CONSTRAINT");

        JsonNode parse = h.error("SELEC 1");
        assertThat(parse.get("code").asText()).isEqualTo("SQL_PARSE_ERROR");
        assertThat(parse.get("message").asText()).isEqualTo("SQL string could not be parsed: near \"SELEC\": syntax error");
        assertThat(h.error("SELECT 'unterminated").get("code").asText()).isEqualTo("SQL_PARSE_ERROR");
        assertThat(h.error("SELECT (1").get("code").asText()).isEqualTo("SQL_PARSE_ERROR");

        JsonNode missing = h.error("SELECT * FROM nope");
        assertThat(missing.get("code").asText()).isEqualTo("SQLITE_ERROR");
        assertThat(missing.get("message").asText()).isEqualTo("SQLite error: no such table: nope");
    }

    @Test
    void aForeignKeyViolationIsAConstraintErrorBecauseForeignKeysAreOn() {
        h.result("CREATE TABLE p(id INTEGER PRIMARY KEY)");
        h.result("CREATE TABLE c(p INTEGER REFERENCES p(id))");
        assertThat(h.error("INSERT INTO c VALUES (1)").get("code").asText()).isEqualTo("SQLITE_CONSTRAINT");
    }
}
