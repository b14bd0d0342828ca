package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScriptTest {

    @Test
    void completeAtAStatementEndingSemicolonOnly() {
        assertThat(SqlScript.isComplete("")).isFalse();
        assertThat(SqlScript.isComplete("SELECT 1")).isFalse();
        assertThat(SqlScript.isComplete("SELECT 1;")).isTrue();
        assertThat(SqlScript.isComplete("SELECT 1; -- done\n")).isTrue();
        // An unterminated comment runs to the end of the text, as SQLite's tokenizer reads it.
        assertThat(SqlScript.isComplete("SELECT 1; /* open")).isTrue();
        assertThat(SqlScript.isComplete("SELECT 'a;")).isFalse();
        assertThat(SqlScript.isComplete("SELECT 'a;';")).isTrue();
        assertThat(SqlScript.isComplete("SELECT 1;\nSELECT")).isFalse();
    }

    @Test
    void aTriggerBodyEndsOnlyAtEndSemicolon() {
        String head = "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN\n  INSERT INTO y VALUES (1);\n";
        assertThat(SqlScript.isComplete(head)).isFalse();
        assertThat(SqlScript.isComplete(head + "END")).isFalse();
        assertThat(SqlScript.isComplete(head + "END;")).isTrue();
        assertThat(SqlScript.statements(head + "END; SELECT 2;")).hasSize(2);
    }

    @Test
    void statementsAreCutWithoutTheirSemicolons() {
        assertThat(SqlScript.statements("SELECT 1;; SELECT 'x;y' ; -- c\n")).containsExactly("SELECT 1", "SELECT 'x;y'");
    }
}
