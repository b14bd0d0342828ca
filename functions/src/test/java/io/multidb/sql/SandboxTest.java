package io.multidb.sql;

import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.sequence;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SandboxTest {
    @TempDir
    Path dir;
    @TempDir
    Path outside;
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

    @ParameterizedTest
    @ValueSource(strings = {
            "ATTACH DATABASE '%s/evil.db' AS evil",
            "attach '%s/evil.db' as evil",
            "/* hidden */ ATTACH '%s/evil.db' AS evil",
            "-- hidden\nATTACH '%s/evil.db' AS evil",
            "DETACH evil",
            "VACUUM INTO '%s/copy.db'",
            "vacuum main into '%s/copy.db'",
            "EXPLAIN VACUUM INTO '%s/copy.db'",
            "SELECT load_extension('%s/evil.so')",
            "SELECT \"load_extension\"('%s/evil.so')",
            "select LOAD_EXTENSION ( '%s/evil.so' )",
            "SELECT load_extension /* spaced */ ('%s/evil.so', 'init')",
            "CREATE VIEW v AS SELECT load_extension('%s/evil.so')",
            "SELECT fts3_tokenizer('simple')",
            "PRAGMA journal_mode = WAL",
            "PRAGMA journal_mode",
            "PRAGMA main.journal_mode = MEMORY",
            "PRAGMA \"journal_mode\" = 'wal'",
            "PRAGMA 'writable_schema' = 1",
            "PRAGMA writable_schema = ON",
            "PRAGMA temp_store_directory = '%s'",
            "EXPLAIN PRAGMA temp_store_directory = '%s'",
            "PRAGMA data_store_directory = '%s'",
            "PRAGMA locking_mode = EXCLUSIVE",
            "PRAGMA synchronous = OFF",
            "PRAGMA mmap_size = 1000000",
            "PRAGMA cache_size = -1000000",
            "PRAGMA query_only = OFF",
            "PRAGMA trusted_schema = ON",
            "PRAGMA cell_size_check = ON",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA max_page_count = 1",
            "PRAGMA soft_heap_limit = 1",
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA threads = 8",
            "PRAGMA busy_timeout = 0",
            "PRAGMA key = 'secret'",
            "PRAGMA rekey = 'secret'",
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "PRAGMA wal_autocheckpoint = 1",
            "PRAGMA schema_version = 99",
            "PRAGMA page_size = 512",
            "PRAGMA application_id = 5",
            "PRAGMA encoding = 'UTF-16'",
            "PRAGMA database_list",
            "PRAGMA no_such_pragma",
            "PRAGMA ignore_check_constraints = ON",
            "SELECT * FROM pragma_journal_mode",
            "SELECT * FROM main.pragma_journal_mode()",
            "SELECT * FROM pragma_database_list",
            "SELECT * FROM \"pragma_database_list\"",
            "SELECT * FROM 'pragma_database_list'",
            "SELECT * FROM [PRAGMA_DATABASE_LIST]",
            "SELECT file FROM t, pragma_database_list",
            "CREATE VIEW leak AS SELECT * FROM pragma_database_list",
    })
    void theSandboxRefusesAndNothingChanges(String template) throws Exception {
        String sql = template.replace("%s", outside.toString());
        String schema = h.schema();
        Map<String, String> tree = h.tree();
        JsonNode error = h.error(sql);
        assertThat(error.get("code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        assertThat(error.get("message").asText()).endsWith(".").doesNotContain("SQLite error");
        assertThat(h.schema()).isEqualTo(schema);
        assertThat(h.tree()).isEqualTo(tree);
        try (var files = Files.list(outside)) {
            assertThat(files.toList()).isEmpty();
        }
        // The connection is untouched: still rollback journal, foreign keys on, writable.
        try (var st = h.connection.createStatement(); var rs = st.executeQuery("PRAGMA journal_mode")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("delete");
        }
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
        assertThat(h.pragma("query_only")).isZero();
        h.assertNoTransaction();
    }

    @Test
    void theSandboxAppliesToEveryPolicy() {
        for (ExecutionPolicy p : List.of(Harness.open(), Harness.readOnly(), Harness.child())) {
            assertThat(h.error(p, "PRAGMA writable_schema = ON").get("code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        }
    }

    @Test
    void aRefusedStatementStopsASequence() {
        ArrayNode r = h.pipeline(sequence("INSERT INTO t VALUES (2, 'b'); ATTACH 'x.db' AS x; INSERT INTO t VALUES (3, 'c');"));
        assertThat(r.get(0).at("/error/code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        assertThat(h.query("SELECT x FROM t ORDER BY x")).isEqualTo(List.of(List.of(1), List.of(2)));
    }

    @Test
    void wordsInStringsCommentsAndNamesAreNotStatements() {
        JsonNode r = h.result("SELECT 'ATTACH DATABASE x; VACUUM INTO y', 'load_extension(1)' /* PRAGMA journal_mode=wal */");
        assertThat(r.get("rows")).hasSize(1);
        h.result("CREATE TABLE pragma_notes(load_extension TEXT, attach TEXT)");
        h.result("INSERT INTO pragma_notes VALUES ('load_extension', 'pragma_notes')");
        assertThat(h.result("SELECT load_extension FROM pragma_notes").get("rows")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRAGMA table_info(t)", "PRAGMA table_info = t", "PRAGMA main.table_xinfo('t')",
            "PRAGMA index_list(t)", "PRAGMA index_info(t_y)", "PRAGMA index_xinfo(t_y)", "PRAGMA foreign_key_list(t)",
            "PRAGMA foreign_key_check", "PRAGMA foreign_key_check(t)", "PRAGMA integrity_check",
            "PRAGMA integrity_check(10)", "PRAGMA quick_check", "PRAGMA table_list", "PRAGMA schema_version",
            "PRAGMA user_version", "PRAGMA user_version = 4", "PRAGMA foreign_keys", "PRAGMA foreign_keys = OFF",
            "PRAGMA defer_foreign_keys = ON", "PRAGMA recursive_triggers = OFF", "PRAGMA legacy_alter_table = ON",
            "PRAGMA collation_list", "PRAGMA function_list", "PRAGMA module_list", "PRAGMA pragma_list",
            "PRAGMA compile_options", "PRAGMA encoding", "PRAGMA page_count", "PRAGMA page_size",
            "PRAGMA freelist_count", "PRAGMA data_version", "PRAGMA application_id", "PRAGMA optimize",
            "PRAGMA analysis_limit = 400", "SELECT name FROM pragma_table_info('t')",
            "SELECT * FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p",
            "SELECT count(*) FROM pragma_function_list", "SELECT * FROM \"pragma_index_list\"('t')",
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE y = 'a'", "EXPLAIN SELECT 1", "VACUUM"})
    void introspectionAndAllowedSettingsRun(String sql) {
        h.result(sql);
    }

    @Test
    void connectionSettingsAreRestoredWhenTheRequestEnds() throws Exception {
        long recursive = h.pragma("recursive_triggers");
        ArrayNode r = h.pipeline(execute("PRAGMA foreign_keys = OFF"), execute("PRAGMA foreign_keys"),
                execute("PRAGMA recursive_triggers = " + (recursive == 1 ? "OFF" : "ON")),
                execute("PRAGMA legacy_alter_table = ON"), execute("PRAGMA analysis_limit = 100"),
                execute("EXPLAIN PRAGMA defer_foreign_keys = ON"));
        assertThat(r.get(1).at("/response/result/rows/0/0/value").asText()).isEqualTo("0");
        assertThat(h.pragma("foreign_keys")).isEqualTo(1);
        assertThat(h.pragma("recursive_triggers")).isEqualTo(recursive);
        assertThat(h.pragma("legacy_alter_table")).isZero();
        assertThat(h.pragma("analysis_limit")).isZero();
        assertThat(h.pragma("defer_foreign_keys")).isZero();
    }

    @Test
    void userVersionIsPersistentNotASetting() throws Exception {
        h.result("PRAGMA user_version = 12");
        assertThat(h.query("PRAGMA user_version")).isEqualTo(List.of(List.of(12)));
    }

    @Test
    void plainVacuumRunsDespiteTheAttachLimitWhichStaysInPlace() throws Exception {
        h.result("VACUUM");
        JsonNode e = h.error("VACUUM INTO 'x.db'");
        assertThat(e.get("code").asText()).isEqualTo("STATEMENT_NOT_ALLOWED");
        // A sneaky ATTACH that got past the sandbox would still meet SQLite's limit of 0 attached databases.
        assertThat(h.connection.getDatabase().limit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_ATTACHED.getId(), -1)).isZero();
    }

    @Test
    void temporaryObjectsDoNotOutliveTheRequest() {
        ArrayNode r = h.pipeline(execute("CREATE TEMP TABLE scratch(x)"), execute("INSERT INTO scratch VALUES (1)"),
                execute("CREATE TEMP VIEW sv AS SELECT * FROM scratch"),
                execute("CREATE TEMP TRIGGER st AFTER INSERT ON t BEGIN INSERT INTO scratch VALUES (new.x); END"),
                execute("SELECT count(*) FROM sv"));
        assertThat(r.get(4).at("/response/result/rows/0/0/value").asText()).isEqualTo("1");
        assertThat(h.result("SELECT count(*) FROM temp.sqlite_master").at("/rows/0/0/value").asText()).isEqualTo("0");
        h.result("INSERT INTO t VALUES (9, 'z')"); // the temporary trigger is gone with its table
    }
}
