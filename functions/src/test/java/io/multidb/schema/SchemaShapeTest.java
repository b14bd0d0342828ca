package io.multidb.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shapes read from real SQLite files, and the sentences their differences make. */
class SchemaShapeTest {
    private static final String BASE = """
            CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT DEFAULT 'x');
            CREATE UNIQUE INDEX idx_users_email ON users(email);
            CREATE VIEW v_users AS SELECT id, email FROM users;
            CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 1; END;
            CREATE TABLE _multidb_schema(version INTEGER NOT NULL, job_id TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL);
            """;

    @TempDir
    Path dir;

    private SchemaShape shape(String name, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(name + ".db"));
                Statement s = c.createStatement()) {
            for (String stmt : sql) {
                for (String part : stmt.split(";\n")) {
                    if (!part.isBlank()) {
                        s.execute(part);
                    }
                }
            }
            return SchemaShape.read(c);
        }
    }

    @Test
    void equalSchemasHaveEqualShapesWhateverTheWhitespace() throws SQLException {
        SchemaShape a = shape("a", BASE);
        SchemaShape b = shape("b", BASE.replace("CREATE TABLE users(id", "CREATE   TABLE users(\n  id"));
        assertThat(a.differences(b)).isEmpty();
        assertThat(a.objects()).hasSize(4); // _multidb_schema and sqlite_autoindex_* are left out
        assertThat(a.columns().get("users")).extracting(SchemaShape.Column::name).containsExactly("id", "email", "name");
    }

    @Test
    void differencesAreNamedInAFixedOrder() throws SQLException {
        SchemaShape parent = shape("p", BASE);
        SchemaShape child = shape("c", BASE
                .replace("email TEXT NOT NULL", "email TEXT")
                .replace("CREATE UNIQUE INDEX idx_users_email ON users(email);\n", "")
                .replace("SELECT 1; END", "SELECT 2; END"),
                "ALTER TABLE users ADD COLUMN nick TEXT", "CREATE TABLE scratch(x)");
        assertThat(parent.differences(child)).containsExactly(
                "extra table scratch",
                "column users.email differs: TEXT NOT NULL vs TEXT",
                "extra column users.nick",
                "missing index idx_users_email on users",
                "trigger t differs: CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 1; END vs "
                        + "CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 2; END");
        assertThat(child.differences(parent)).contains("missing table scratch", "missing column users.nick",
                "extra index idx_users_email on users");
    }

    @Test
    void constraintsOnlyInTheTableTextAndColumnOrderAreDifferencesToo() throws SQLException {
        SchemaShape a = shape("a", "CREATE TABLE t(a INT, b INT)", "CREATE TABLE u(x INT)");
        SchemaShape b = shape("b", "CREATE TABLE t(b INT, a INT)", "CREATE TABLE u(x INT, CHECK(x > 0))");
        assertThat(a.differences(b)).containsExactly(
                "columns of t are in another order: a, b vs b, a",
                "table u differs: CREATE TABLE u(x INT) vs CREATE TABLE u(x INT, CHECK(x > 0))");
    }

    @Test
    void anEmptyDatabaseHasAnEmptyShape() throws SQLException {
        SchemaShape empty = shape("e");
        assertThat(empty.objects()).isEmpty();
        assertThat(shape("f", "CREATE TABLE t(a)").differences(empty)).containsExactly("missing table t");
    }
}
