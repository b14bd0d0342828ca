package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The describe request of Hrana 2: a statement prepared and described, never run. */
class DescribeTest {
    @TempDir
    Path dir;
    Harness h;

    @BeforeEach
    void setUp() {
        h = new Harness(dir);
        h.result("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private JsonNode describe(String sql) {
        return describe(Harness.open(), sql);
    }

    private JsonNode describe(ExecutionPolicy policy, String sql) {
        var d = Harness.F.objectNode().put("type", "describe").put("sql", sql);
        return h.pipeline(policy, d).get(0);
    }

    @Test
    void aSelectGivesItsParametersColumnsAndIsReadOnly() {
        JsonNode r = describe("SELECT id, name AS n, score * 2 FROM t WHERE id = ? AND name = :name");
        assertThat(r.at("/type").asText()).isEqualTo("ok");
        JsonNode d = r.at("/response/result");
        assertThat(d.get("params").toString()).isEqualTo("[{\"name\":null},{\"name\":\":name\"}]");
        assertThat(d.get("cols").toString()).isEqualTo("[{\"name\":\"id\",\"decltype\":\"INTEGER\"},"
                + "{\"name\":\"n\",\"decltype\":\"TEXT\"},{\"name\":\"score * 2\",\"decltype\":null}]");
        assertThat(d.get("is_explain").asBoolean()).isFalse();
        assertThat(d.get("is_readonly").asBoolean()).isTrue();
    }

    @Test
    void numberedParametersAreNamedAsSqliteNamesThem() {
        JsonNode d = describe("SELECT ?3, @a, $b").at("/response/result/params");
        assertThat(d.toString()).isEqualTo("[{\"name\":null},{\"name\":null},{\"name\":\"?3\"},{\"name\":\"@a\"},"
                + "{\"name\":\"$b\"}]");
    }

    @Test
    void writesAndSchemaChangesAreNotReadOnlyAndNothingRuns() {
        JsonNode insert = describe("INSERT INTO t(name) VALUES (?) RETURNING id").at("/response/result");
        assertThat(insert.get("is_readonly").asBoolean()).isFalse();
        assertThat(insert.at("/cols/0/name").asText()).isEqualTo("id");
        assertThat(describe("CREATE TABLE u(x)").at("/response/result/is_readonly").asBoolean()).isFalse();
        assertThat(describe("DELETE FROM t").at("/response/result/is_readonly").asBoolean()).isFalse();
        assertThat(describe("VACUUM").at("/response/result/is_readonly").asBoolean()).isFalse();
        // Transaction control writes nothing itself (sqlite3_stmt_readonly); BEGIN IMMEDIATE takes the write lock.
        assertThat(describe("BEGIN").at("/response/result/is_readonly").asBoolean()).isTrue();
        assertThat(describe("COMMIT").at("/response/result/is_readonly").asBoolean()).isTrue();
        assertThat(describe("BEGIN IMMEDIATE").at("/response/result/is_readonly").asBoolean()).isFalse();
        assertThat(h.result("SELECT count(*) FROM t").at("/rows/0/0/value").asText()).isEqualTo("0");
        assertThat(h.result("SELECT count(*) FROM sqlite_master WHERE name = 'u'").at("/rows/0/0/value").asText())
                .isEqualTo("0");
    }

    @Test
    void explainIsToldAndDescribedByWhatItExplains() {
        JsonNode plan = describe("EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = 1").at("/response/result");
        assertThat(plan.get("is_explain").asBoolean()).isTrue();
        assertThat(plan.get("is_readonly").asBoolean()).isTrue();
        assertThat(plan.at("/cols/3/name").asText()).isEqualTo("detail");
        JsonNode explain = describe("explain INSERT INTO t(name) VALUES ('x')").at("/response/result");
        assertThat(explain.get("is_explain").asBoolean()).isTrue();
        assertThat(explain.get("is_readonly").asBoolean()).isFalse();
    }

    @Test
    void theSandboxAndTheParserStillDecide() {
        assertThat(describe("ATTACH 'x.db' AS x").at("/error/code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        assertThat(describe("PRAGMA writable_schema=ON").at("/error/code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        assertThat(describe("SELEC 1").at("/error/code").asText()).isEqualTo("SQL_PARSE_ERROR");
        assertThat(describe("SELECT * FROM missing").at("/error/code").asText()).isEqualTo("SQLITE_ERROR");
        assertThat(describe("SELECT 1; SELECT 2").at("/error/code").asText()).isEqualTo("SQL_MANY_STATEMENTS");
        assertThat(describe("  ").at("/error/code").asText()).isEqualTo("SQL_NO_STATEMENT");
    }

    @Test
    void storedSqlCanBeDescribedAndReadOnlyTokensMayDescribeWrites() {
        ArrayNode r = h.pipeline(Harness.readOnly(),
                Harness.F.objectNode().put("type", "store_sql").put("sql_id", 7).put("sql", "UPDATE t SET name = ?"),
                Harness.F.objectNode().put("type", "describe").put("sql_id", 7));
        assertThat(r.get(1).at("/response/result/is_readonly").asBoolean()).isFalse();
        assertThat(r.get(1).at("/response/result/params/0/name").isNull()).isTrue();
    }
}
