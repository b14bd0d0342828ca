package io.multidb.databases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseServiceTest {
    private static final String ORG = "acme";
    @TempDir
    Path root;
    private InMemoryCatalog catalog;
    private SqliteStore store;
    private DatabaseService service;

    @BeforeEach
    void setUp() {
        catalog = new InMemoryCatalog();
        store = new SqliteStore(root, StorageOptions.defaults());
        service = new DatabaseService(catalog, store, Clock.systemUTC());
        service.createGroup(ORG, "g1", "eu-west-1");
        service.createGroup(ORG, "g2", "us-east-1");
    }

    private void sql(String db, String... statements) throws Exception {
        try (SqliteStore.Lease l = store.open(db).orElseThrow(); Statement s = l.connection().createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        }
    }

    private long count(String db, String table) throws Exception {
        try (SqliteStore.Lease l = store.open(db).orElseThrow(); Statement s = l.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            return rs.getLong(1);
        }
    }

    @Test
    void childStartsAsACopyOfItsParentsSchemaAndSeedRows() throws Exception {
        service.createDatabase(ORG, new CreateDatabase("tpl", "g1", true, null));
        sql("tpl", "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE)", "INSERT INTO users(email) VALUES ('seed@x')");
        Database child = service.createDatabase(ORG, new CreateDatabase("tenant-1", "g1", false, "tpl"));

        assertThat(child.kind()).isEqualTo(DatabaseKind.CHILD);
        assertThat(child.parent()).isEqualTo("tpl");
        assertThat(count("tenant-1", "users")).isEqualTo(1);
        assertThat(service.listDatabases(ORG, new DatabaseFilter(null, "tpl", false))).extracting(Database::name)
                .containsExactly("tenant-1");
        assertThat(service.listDatabases(ORG, new DatabaseFilter(null, null, true))).extracting(Database::name)
                .containsExactly("tpl");
        // Nothing half-made stays in the temporary folder.
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void parentRulesAreEnforced() {
        service.createDatabase(ORG, new CreateDatabase("plain", "g1", false, null));
        service.createDatabase(ORG, new CreateDatabase("tpl", "g1", true, null));

        assertThatThrownBy(() -> service.createDatabase(ORG, new CreateDatabase("c1", "g1", false, "plain")))
                .isInstanceOf(MultidbException.class).hasMessageContaining("not a schema database");
        assertThatThrownBy(() -> service.createDatabase(ORG, new CreateDatabase("c1", "g2", false, "tpl")))
                .isInstanceOf(MultidbException.class).hasMessageContaining("group 'g1'");
        assertThatThrownBy(() -> service.createDatabase(ORG, new CreateDatabase("c1", "g1", false, "nope")))
                .satisfies(e -> assertThat(((MultidbException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND));
        assertThatThrownBy(() -> new CreateDatabase("c1", "g1", true, "tpl"))
                .hasMessageContaining("cannot both be given");
        assertThatThrownBy(() -> service.createDatabase(ORG, new CreateDatabase("c1", "nogroup", false, null)))
                .hasMessageContaining("group 'nogroup' does not exist");
        // None of the refusals left a file or a database behind.
        assertThat(store.exists("c1")).isFalse();
        assertThat(catalog.getDatabase(ORG, "c1")).isEmpty();
    }

    @Test
    void deletingASchemaDatabaseWithChildrenIsRefusedWithTheCount() {
        service.createDatabase(ORG, new CreateDatabase("tpl", "g1", true, null));
        service.createDatabase(ORG, new CreateDatabase("c1", "g1", false, "tpl"));
        service.createDatabase(ORG, new CreateDatabase("c2", "g1", false, "tpl"));

        assertThatThrownBy(() -> service.deleteDatabase(ORG, "tpl"))
                .isInstanceOf(MultidbException.class).hasMessageContaining("2 children");
        assertThat(store.exists("tpl")).isTrue();

        service.deleteDatabase(ORG, "c1");
        service.deleteDatabase(ORG, "c2");
        service.deleteDatabase(ORG, "tpl");
        assertThat(store.exists("tpl")).isFalse();
        assertThat(store.exists("c1")).isFalse();
        assertThat(service.listDatabases(ORG, DatabaseFilter.NONE)).isEmpty();
    }

    @Test
    void aLeftoverFileUnderAClaimedNameIsReplacedNotServed() throws Exception {
        // A crashed create moved its file into place but never confirmed it: the catalog knows nothing of it.
        Files.writeString(store.fileOf("ghost"), "not a database");
        Files.writeString(root.resolve("databases/ghost.db-journal"), "hot journal of something else");

        service.createDatabase(ORG, new CreateDatabase("ghost", "g1", false, null));
        sql("ghost", "CREATE TABLE t(x)", "INSERT INTO t VALUES (1)");
        assertThat(count("ghost", "t")).isEqualTo(1);
    }

    @Test
    void duplicateNamesConflict() {
        service.createDatabase(ORG, new CreateDatabase("one", "g1", false, null));
        assertThatThrownBy(() -> service.createDatabase(ORG, new CreateDatabase("one", "g2", false, null)))
                .satisfies(e -> assertThat(((MultidbException) e).kind()).isEqualTo(ErrorKind.CONFLICT));
        assertThatThrownBy(() -> service.createGroup(ORG, "g1", "x"))
                .satisfies(e -> assertThat(((MultidbException) e).kind()).isEqualTo(ErrorKind.CONFLICT));
    }

    @Test
    void groupDeleteIsRefusedWhileItHoldsDatabases() {
        service.createDatabase(ORG, new CreateDatabase("one", "g1", false, null));
        assertThatThrownBy(() -> service.deleteGroup(ORG, "g1")).hasMessageContaining("1 databases");
        service.deleteDatabase(ORG, "one");
        assertThat(service.deleteGroup(ORG, "g1").name()).isEqualTo("g1");
    }

    @Test
    void invalidNamesAreRefusedWithTheRule() {
        for (String bad : new String[] {"", "Upper", "-lead", "a_b", "a.b", "../x", "a/b", "x".repeat(64), "é", "a\u0000"}) {
            assertThatThrownBy(() -> new CreateDatabase(bad, "g1", false, null))
                    .as(bad).hasMessageContaining("lowercase letters, digits and dashes");
        }
        assertThat(new CreateDatabase("x".repeat(63), "g1", false, null).name()).hasSize(63);
    }

    @Test
    void aDeletedDatabaseIsNotServedFromACachedConnection() throws Exception {
        service.createDatabase(ORG, new CreateDatabase("cached", "g1", false, null));
        sql("cached", "CREATE TABLE t(x)", "INSERT INTO t VALUES (1)");
        try (Connection ignored = null) {
            service.deleteDatabase(ORG, "cached");
        }
        service.createDatabase(ORG, new CreateDatabase("cached", "g1", false, null));
        try (SqliteStore.Lease l = store.open("cached").orElseThrow(); Statement s = l.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
            assertThat(rs.getLong(1)).isZero();
        }
    }
}
