package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.SqlStatement.Parameters;
import io.multidb.sql.SqlTokenizer.Token;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tokenizer, the statement splitter and the classification, without running anything. */
class SqlTextTest {

    private static List<String> split(String sql) {
        return SqlStatement.split(sql).stream().map(SqlStatement::sql).toList();
    }

    @Test
    void semicolonsInsideLiteralsNamesAndCommentsDoNotEndAStatement() {
        assertThat(split("SELECT 'a;b', \"c;d\", `e;f`, [g;h], x'3b3B' -- x;y\n; /* ; */ SELECT 2;"))
                .containsExactly("SELECT 'a;b', \"c;d\", `e;f`, [g;h], x'3b3B'", "SELECT 2");
        assertThat(split("SELECT 'it''s;' ; SELECT \"q\"\"; \"")).containsExactly("SELECT 'it''s;'", "SELECT \"q\"\"; \"");
        assertThat(split("SELECT $a(b;c) ; SELECT :x::y")).containsExactly("SELECT $a(b;c)", "SELECT :x::y");
    }

    @Test
    void emptyStatementsAreSkippedAndTheLastNeedsNoSemicolon() {
        assertThat(split(";; SELECT 1;;; SELECT 2 ")).containsExactly("SELECT 1", "SELECT 2");
        assertThat(split(" -- only a comment")).isEmpty();
        assertThat(split("/* unterminated comment; SELECT 2")).isEmpty();
    }

    @Test
    void aTriggerBodyStaysWhole() {
        String trigger = "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1); "
                + "UPDATE u SET v = CASE WHEN 1 THEN 2 ELSE 3 END; END";
        assertThat(split(trigger + "; SELECT 1;")).containsExactly(trigger, "SELECT 1");
        String explained = "EXPLAIN CREATE TRIGGER tr BEFORE DELETE ON t BEGIN SELECT 1; END";
        assertThat(split(explained + ";SELECT 2")).containsExactly(explained, "SELECT 2");
        // A table named "trigger" is not a trigger.
        assertThat(split("CREATE TABLE \"trigger\"(end); SELECT 1")).containsExactly("CREATE TABLE \"trigger\"(end)", "SELECT 1");
    }

    @Test
    void sqliteStopsAtNulAndSoDoesTheSplitter() {
        assertThat(split("SELECT 1\0; ATTACH 'x' AS y")).containsExactly("SELECT 1");
    }

    @Test
    void anUnterminatedStringSwallowsTheRestAsSqliteDoes() {
        // 'abc; ATTACH ' is a string, then x' starts a blob that never ends: one statement SQLite refuses.
        assertThat(split("SELECT 'abc; ATTACH 'x' AS y")).hasSize(1);
        List<Token> tokens = SqlTokenizer.tokenize("SELECT 'abc; DROP TABLE t");
        assertThat(tokens.get(tokens.size() - 1).kind()).isEqualTo(SqlTokenizer.Kind.ILLEGAL);
        assertThat(split("SELECT 'abc; DROP TABLE t")).hasSize(1);
    }

    @Test
    void tokensKeepTheirKindAndText() {
        List<Token> t = SqlTokenizer.tokenize("select \"A\"\"b\", 'c''d', [e f], x'00', 1.5e3, 0x1F, ?7, @p, -> ->> 12abc");
        assertThat(t.stream().map(Token::kind).toList()).containsExactly(
                SqlTokenizer.Kind.WORD, SqlTokenizer.Kind.QUOTED_ID, SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.STRING,
                SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.QUOTED_ID, SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.BLOB,
                SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.NUMBER, SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.NUMBER,
                SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.VARIABLE, SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.VARIABLE,
                SqlTokenizer.Kind.COMMA, SqlTokenizer.Kind.OPERATOR, SqlTokenizer.Kind.OPERATOR, SqlTokenizer.Kind.ILLEGAL);
        assertThat(t.get(0).text()).isEqualTo("SELECT");
        assertThat(t.get(1).text()).isEqualTo("A\"b");
        assertThat(t.get(3).text()).isEqualTo("c'd");
        assertThat(t.get(5).text()).isEqualTo("e f");
        assertThat(t.get(13).text()).isEqualTo("?7");
    }

    @Test
    void statementsAreClassified() {
        assertThat(kind("select 1")).isEqualTo(Kind.QUERY);
        assertThat(kind("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a")).isEqualTo(Kind.QUERY);
        assertThat(kind("insert into t values (1)")).isEqualTo(Kind.DML);
        assertThat(kind("BEGIN IMMEDIATE")).isEqualTo(Kind.BEGIN);
        assertThat(analysis("BEGIN IMMEDIATE").beginTakesWriteLock()).isTrue();
        assertThat(analysis("BEGIN TRANSACTION READONLY").readonlyBegin()).isTrue();
        assertThat(analysis("BEGIN DEFERRED").readonlyBegin()).isFalse();
        assertThat(kind("END TRANSACTION")).isEqualTo(Kind.COMMIT);
        assertThat(kind("ROLLBACK")).isEqualTo(Kind.ROLLBACK);
        assertThat(kind("ROLLBACK TRANSACTION TO SAVEPOINT a")).isEqualTo(Kind.ROLLBACK_TO);
        assertThat(kind("create index i on t(x)")).isEqualTo(Kind.DDL);
        assertThat(analysis("create temp table x(a)").createsObjects()).isTrue();
        assertThat(kind("PRAGMA foreign_keys = off")).isEqualTo(Kind.PRAGMA_WRITE);
        assertThat(analysis("PRAGMA foreign_keys = off").setting()).isEqualTo("foreign_keys");
        assertThat(analysis("PRAGMA user_version = 3").writesUserVersion()).isTrue();
        assertThat(analysis("PRAGMA user_version = 3").setting()).isNull();
        assertThat(kind("PRAGMA foreign_keys")).isEqualTo(Kind.PRAGMA_READ);
        assertThat(kind("PRAGMA optimize")).isEqualTo(Kind.MAINTENANCE);
        assertThat(kind("EXPLAIN QUERY PLAN DELETE FROM t")).isEqualTo(Kind.EXPLAIN);
        assertThat(analysis("EXPLAIN ATTACH 'x' AS y").refusal()).isNotNull();
        assertThat(kind("VACUUM")).isEqualTo(Kind.VACUUM);
        assertThat(kind("frobnicate")).isEqualTo(Kind.OTHER);
    }

    @Test
    void caseIsFoldedForAsciiLettersOnlyAsSqliteDoes() {
        // Java upper-cases U+017F to 'S'; SQLite sees an identifier, not SELECT.
        assertThat(kind("\u017Felect 1")).isEqualTo(Kind.OTHER);
        assertThat(kind("sElEcT 1")).isEqualTo(Kind.QUERY);
    }

    private static SqlStatement.Analysis analysis(String sql) {
        return SqlStatement.split(sql).get(0).analysis();
    }

    private static Kind kind(String sql) {
        return analysis(sql).kind();
    }

    @TempDir
    Path dir;

    /**
     * Parameter numbers as SQLite assigns them: each parameter is bound to its own number, the statement selects
     * every occurrence, and each occurrence must come back with the number this class gave it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"SELECT ?, ?5, :a, ?, :a, @a, $a, ?2, :b, ?", "SELECT :x, ?1, :x, ?", "SELECT ?3, ?, ?1",
            "SELECT $v::w(q), $v::w(q), @v", "SELECT ?, ?, ?"})
    void parametersAreNumberedAsSqliteNumbersThem(String sql) throws Exception {
        SqlStatement st = SqlStatement.split(sql).get(0);
        Parameters p = st.analysis().parameters();
        // The j-th bare ? has the j-th anonymous number; ?NNN has NNN; a name has the number that bears it.
        List<Integer> anonymous = new ArrayList<>();
        for (int i = 1; i <= p.count(); i++) {
            if (p.anonymous()[i]) {
                anonymous.add(i);
            }
        }
        List<Integer> expected = new ArrayList<>();
        int bare = 0;
        for (Token t : st.tokens()) {
            if (t.kind() != SqlTokenizer.Kind.VARIABLE) {
                continue;
            }
            if (t.text().equals("?")) {
                expected.add(anonymous.get(bare++));
            } else if (t.text().startsWith("?")) {
                expected.add(Integer.parseInt(t.text().substring(1)));
            } else {
                expected.add(java.util.Arrays.asList(p.names()).indexOf(t.text()));
            }
        }
        try (Harness h = new Harness(dir); PreparedStatement ps = h.connection.prepareStatement(sql)) {
            assertThat(ps.getParameterMetaData().getParameterCount()).isEqualTo(p.count());
            for (int i = 1; i <= p.count(); i++) {
                ps.setInt(i, i);
            }
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                for (int k = 0; k < expected.size(); k++) {
                    assertThat(rs.getInt(k + 1)).as("occurrence " + k + " of " + sql).isEqualTo(expected.get(k));
                }
            }
        }
    }
}
