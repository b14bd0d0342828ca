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
    void statementsThatWouldEndOurTransactionAreRefused() {
        assertThatThrownBy(() -> MigrationSql.parse("CREATE TABLE a(x); ROLLBACK")).isInstanceOf(MultidbException.class)
                .hasMessageContaining("ROLLBACK");
        assertThatThrownBy(() -> MigrationSql.parse("CREATE TABLE a(x); BEGIN; CREATE TABLE b(x); COMMIT"))
                .isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> MigrationSql.parse("PRAGMA journal_mode=WAL")).isInstanceOf(MultidbException.class);
        assertThatThrownBy(() -> MigrationSql.parse("BEGIN; COMMIT;")).isInstanceOf(MultidbException.class)
                .hasMessageContaining("no statements");
    }
}
