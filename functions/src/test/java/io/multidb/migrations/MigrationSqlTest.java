package io.multidb.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.MultidbException;
import org.junit.jupiter.api.Test;

class MigrationSqlTest {

    @Test
    void anOrmsTransactionWrappingIsOneMigration() {
        MigrationSql m = MigrationSql.parse("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE a(x);\n"
                + "INSERT INTO a VALUES ('semi;colon');\nCOMMIT;\nPRAGMA foreign_keys=ON;");
        assertThat(m.statements()).containsExactly("CREATE TABLE a(x)", "INSERT INTO a VALUES ('semi;colon')");
        assertThat(m.foreignKeysOff()).isTrue();
    }

    @Test
    void triggerBodiesQuotesAndCommentsStayInTheirStatement() {
        MigrationSql m = MigrationSql.parse("CREATE TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); "
                + "UPDATE c SET y = 'x;y'; END; -- a comment; with a semicolon\nCREATE TABLE \"we;ird\"(x) /* ; */");
        assertThat(m.statements()).hasSize(2);
        assertThat(m.statements().get(0)).startsWith("CREATE TRIGGER").endsWith("END");
        assertThat(m.statements().get(1)).startsWith("CREATE TABLE \"we;ird\"");
        assertThat(m.foreignKeysOff()).isFalse();
    }

    @Test
    void theVersionTableIsMultidbsAndNoMigrationTouchesIt() {
        assertThatThrownBy(() -> MigrationSql.parse("DELETE FROM _multidb_schema")).isInstanceOf(MultidbException.class)
                .hasMessageContaining("_multidb_schema");
        assertThatThrownBy(() -> MigrationSql.parse("CREATE TABLE a(x); DROP TABLE \"_MULTIDB_SCHEMA\""))
                .isInstanceOf(MultidbException.class);
        // A name that merely contains it is somebody else's table.
        assertThat(MigrationSql.parse("CREATE TABLE my_multidb_schema_notes(x)").statements()).hasSize(1);
    }

    @Test
    void statementsThatWouldEndOurTransactionAreRefused() {
        assertThatThrownBy(() -> MigrationSql.parse("CREATE TABLE a(x); ROLLBACK")).isInstanceOf(MultidbException.class)
                .hasMessageContaining("ROLLBACK");
        assertThatThrownBy(() -> MigrationSql.parse("CREATE TABLE a(x); BEGIN; CREATE TABLE b(x); COMMIT"))
                .isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> MigrationSql.parse("PRAGMA journal_mode=WAL")).isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> MigrationSql.parse("BEGIN; COMMIT;")).isInstanceOf(MultidbException.class)
                .hasMessageContaining("no statements");
    }

    @Test
    void aTriggerWhoseBodyHoldsCaseEndIsOneStatement() {
        // Split by the same sqlite3_complete port as the data plane: the END of a CASE inside the body does not end
        // the trigger (it did with the old splitter: "COMMIT without BEGIN").
        String trigger = "CREATE TRIGGER tr2 AFTER UPDATE ON t BEGIN UPDATE t SET b = CASE WHEN new.a > 0 THEN 'pos' "
                + "ELSE 'neg' END; INSERT INTO u(note) VALUES ('x'); END";
        MigrationSql m = MigrationSql.parse("BEGIN;\n" + trigger + ";\nCOMMIT;");
        assertThat(m.statements()).containsExactly(trigger);
    }

    @Test
    void semicolonsInStringsIdentifiersAndCommentsAndATrailingStatementWithoutSemicolon() {
        MigrationSql m = MigrationSql.parse("INSERT INTO a VALUES ('a;b', \"c;d\", `e;f`, [g;h]); -- x; y\n"
                + "/* ; */ CREATE INDEX i ON a(x)");
        assertThat(m.statements()).containsExactly("INSERT INTO a VALUES ('a;b', \"c;d\", `e;f`, [g;h])",
                "CREATE INDEX i ON a(x)");
    }
}
