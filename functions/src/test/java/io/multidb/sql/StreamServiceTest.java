package io.multidb.sql;

import io.multidb.testing.MutableClock;
import static io.multidb.sql.Harness.execute;
import static io.multidb.sql.Harness.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseService;
import io.multidb.databases.InMemoryCatalog;
import io.multidb.auth.FileSigningKey;
import io.multidb.migrations.InMemoryMigrationStore;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationOptions;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.tasks.TaskWiring;
import io.multidb.storage.SqliteStore;
import io.multidb.storage.StorageOptions;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interactive transactions through the data plane's use case, on two instances that share nothing in memory:
 * each has its own SqliteStore (connection pool), its own Streams and key file reader, over the same data
 * directory, the same catalog and the same stream store, as two Lambda instances over EFS and DynamoDB.
 */
class StreamServiceTest {
    private static final String ORG = "acme";

    @TempDir
    Path root;
    final InMemoryCatalog catalog = new InMemoryCatalog();
    final InMemoryStreamStore streamStore = new InMemoryStreamStore();
    final MutableClock clock = new MutableClock();
    SqliteStore storeA;
    SqliteStore storeB;
    SqlService a;
    SqlService b;
    DatabaseService databases;

    @BeforeEach
    void setUp() {
        storeA = new SqliteStore(root, StorageOptions.defaults());
        storeB = new SqliteStore(root, StorageOptions.defaults());
        a = service(storeA, streamStore);
        b = service(storeB, streamStore);
        databases = new DatabaseService(catalog, storeA, clock);
        databases.createGroup(ORG, "default", "eu-west-1");
        databases.createDatabase(ORG, new CreateDatabase("app", "default", false, null));
        run(a, "app", execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)"),
                execute("INSERT INTO acct VALUES (1, 100), (2, 50)"), Harness.closeReq());
    }

    private SqlService service(SqliteStore store, StreamStore streams) {
        // Each instance reads the signing key file itself, as Wiring does: they agree on the baton key only
        // through the shared data root.
        BatonKeys keys = BatonKeys.derivedFrom(FileSigningKey.open(root).current().secret());
        MigrationService migrations = TaskWiring.build(catalog, store, root, new InMemoryMigrationStore(catalog),
                NO_WORKFLOWS, MigrationOptions.defaults(), java.util.function.UnaryOperator.identity());
        return new SqlService(catalog, store, SqlLimits.defaults(), migrations, Duration.ofSeconds(5),
                new Streams(streams, keys, StreamOptions.defaults(), clock));
    }

    /** No stream may ever become a migration job: a start fails the test. */
    private static final WorkflowStarter NO_WORKFLOWS = new WorkflowStarter() {
        @Override
        public void start(MigrationJob job) {
            throw new AssertionError("a migration was started: " + job);
        }

        @Override
        public ExecutionState describe(String jobId) {
            return ExecutionState.NOT_FOUND;
        }
    };

    @AfterEach
    void tearDown() {
        storeA.close();
        storeB.close();
    }

    private static JsonNode run(SqlService s, String db, JsonNode... requests) {
        StreamClient c = new StreamClient(null);
        return c.send(to(s, db), requests);
    }

    private static Function<JsonNode, JsonNode> to(SqlService s, String db) {
        return body -> s.execute(ORG, db, body, SqlService.Caller.FULL_ACCESS).body();
    }

    /** Alternates between the two instances, request by request. */
    private static Function<JsonNode, JsonNode> alternating(SqlService first, SqlService second, String db) {
        AtomicInteger n = new AtomicInteger();
        return body -> (n.getAndIncrement() % 2 == 0 ? first : second)
                .execute(ORG, db, body, SqlService.Caller.FULL_ACCESS).body();
    }

    private List<Long> balances(String db) throws Exception {
        try (var c = storeA.connect(storeA.fileOf(db), true); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT balance FROM acct ORDER BY id")) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
            return out;
        }
    }

    @Test
    void aWriteTransactionAlternatingBetweenTwoInstancesReadsItsOwnWritesAndCommits() throws Exception {
        Function<JsonNode, JsonNode> both = alternating(a, b, "app");
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        assertThat(rows(tx.execute(both, "SELECT balance FROM acct WHERE id = ?", Harness.integer("1")))).contains("\"100\"");
        tx.execute(both, "UPDATE acct SET balance = balance - 30 WHERE id = 1");
        tx.execute(both, "UPDATE acct SET balance = balance + 30 WHERE id = 2");
        assertThat(rows(tx.execute(both, "SELECT balance FROM acct ORDER BY id")))
                .isEqualTo("[[{\"type\":\"integer\",\"value\":\"70\"}],[{\"type\":\"integer\",\"value\":\"80\"}]]");
        assertThat(balances("app")).containsExactly(100L, 50L);
        assertThat(tx.commit(both).get("type").asText()).isEqualTo("ok");
        assertThat(balances("app")).containsExactly(70L, 80L);
        assertThat(streamStore.size()).isZero();
    }

    @Test
    void aConcurrentWriterOnTheOtherInstanceMakesTheCommitFail() throws Exception {
        Function<JsonNode, JsonNode> onA = to(a, "app");
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(onA, "SELECT balance FROM acct WHERE id = 1");
        tx.execute(to(b, "app"), "UPDATE acct SET balance = 0 WHERE id = 1");
        run(b, "app", execute("UPDATE acct SET balance = balance + 1 WHERE id = 1"), Harness.closeReq());
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> tx.commit(onA));
        assertThat(e.kind()).isEqualTo(ErrorKind.CONFLICT);
        assertThat(e.code()).isEqualTo("STREAM_CONFLICT");
        assertThat(balances("app")).containsExactly(101L, 50L);
    }

    @Test
    void twoCommitsWithOneBatonOnTwoInstancesWriteOnce() throws Exception {
        // Both requests read the stream before either goes on, as two instances racing with a retried request.
        CyclicBarrier bothLoaded = new CyclicBarrier(2);
        AtomicInteger gets = new AtomicInteger();
        StreamStore racing = new StreamStore() {
            @Override
            public Optional<StoredStream> get(String org, String id) {
                Optional<StoredStream> s = streamStore.get(org, id);
                if (gets.incrementAndGet() <= 2) {
                    try {
                        bothLoaded.await(20, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return s;
            }

            @Override
            public boolean create(StoredStream s) {
                return streamStore.create(s);
            }

            @Override
            public boolean replace(StoredStream next, long expectedSeq) {
                return streamStore.replace(next, expectedSeq);
            }

            @Override
            public boolean delete(String org, String id, long expectedSeq) {
                return streamStore.delete(org, id, expectedSeq);
            }
        };
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        // Replayed after the other commit, this statement gives the same result (1 row changed): only the
        // single-use baton stops a second decrement.
        tx.execute(to(a, "app"), "UPDATE acct SET balance = balance - 10 WHERE id = 1");
        gets.set(0);
        SqlService racingA = service(storeA, racing);
        SqlService racingB = service(storeB, racing);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<JsonNode>> commits = new ArrayList<>();
            for (SqlService s : List.of(racingA, racingB)) {
                StreamClient copy = new StreamClient(null);
                copy.baton = tx.baton;
                commits.add(pool.submit(() -> copy.send(to(s, "app"), execute("COMMIT"), Harness.closeReq())));
            }
            int committed = 0;
            List<String> refusals = new ArrayList<>();
            for (Future<JsonNode> f : commits) {
                try {
                    JsonNode out = f.get(60, TimeUnit.SECONDS);
                    assertThat(out.at("/results/0/type").asText()).isEqualTo("ok");
                    committed++;
                } catch (java.util.concurrent.ExecutionException e) {
                    refusals.add(((MultidbException) e.getCause()).code());
                }
            }
            assertThat(committed).isEqualTo(1);
            assertThat(refusals).containsExactly("BATON_REUSED");
        } finally {
            pool.shutdownNow();
        }
        assertThat(balances("app")).containsExactly(90L, 50L);
    }

    @Test
    void aBatonOfOneDatabaseIsRefusedOnAnotherAndInAnotherOrganization() throws Exception {
        databases.createDatabase(ORG, new CreateDatabase("other", "default", false, null));
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(to(a, "app"), "UPDATE acct SET balance = 1 WHERE id = 1");
        String baton = tx.baton;
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> tx.send(to(b, "other"), execute("COMMIT"), Harness.closeReq()));
        assertThat(e.code()).isEqualTo("BATON_INVALID");
        // The same database name in another organization (registered straight in the catalog).
        Database app = catalog.getDatabase(ORG, "app").orElseThrow();
        catalog.createGroup("rival", new io.multidb.databases.Group("default", "eu-west-1", clock.instant()));
        catalog.finishCreate("rival", catalog.beginCreate("rival", app));
        tx.baton = baton;
        e = catchThrowableOfType(MultidbException.class,
                () -> tx.send(body -> b.execute("rival", "app", body, SqlService.Caller.FULL_ACCESS).body(),
                        execute("COMMIT"), Harness.closeReq()));
        assertThat(e.code()).isEqualTo("BATON_INVALID");
        assertThat(balances("app")).containsExactly(100L, 50L);
        tx.baton = baton;
        assertThat(tx.commit(to(b, "app")).get("type").asText()).isEqualTo("ok");
        assertThat(balances("app")).containsExactly(1L, 50L);
    }

    @Test
    void aStreamDiesWithItsDatabase() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(to(a, "app"), "UPDATE acct SET balance = 1 WHERE id = 1");
        databases.deleteDatabase(ORG, "app");
        databases.createDatabase(ORG, new CreateDatabase("app", "default", false, null));
        MultidbException e = catchThrowableOfType(MultidbException.class,
                () -> tx.send(to(b, "app"), execute("COMMIT"), Harness.closeReq()));
        assertThat(e.code()).isEqualTo("BATON_INVALID");
        assertThat(e.getMessage()).contains("deleted and created again");
    }

    @Test
    void onASchemaDatabaseAStreamWritesOnlyWhileItHasNoChildren() throws Exception {
        databases.createDatabase(ORG, new CreateDatabase("tpl", "default", true, null));
        run(a, "tpl", execute("CREATE TABLE acct(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)"),
                execute("INSERT INTO acct VALUES (1, 100)"), Harness.closeReq());
        // No children: a transaction applies directly (the family lock is held by each request).
        StreamClient seed = new StreamClient("BEGIN IMMEDIATE");
        seed.execute(to(a, "tpl"), "INSERT INTO acct VALUES (2, 0)");
        assertThat(seed.commit(to(b, "tpl")).get("type").asText()).isEqualTo("ok");

        // A child appears while a transaction is open: the transaction cannot write any more.
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(to(a, "tpl"), "UPDATE acct SET balance = 5 WHERE id = 1");
        databases.createDatabase(ORG, new CreateDatabase("tenant1", "default", false, "tpl"));
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> tx.commit(to(b, "tpl")));
        assertThat(e.kind()).isEqualTo(ErrorKind.WRITES_BLOCKED);
        assertThat(e.getMessage()).contains("schema database with 1 child");
        assertThat(balances("tpl")).containsExactly(100L, 0L);
        assertThat(balances("tenant1")).containsExactly(100L, 0L);

        // With children, a transaction that writes is refused at once, and does not become a migration job (the
        // workflow stub fails the test if one starts); one that reads works.
        StreamClient writer = new StreamClient("BEGIN IMMEDIATE");
        e = catchThrowableOfType(MultidbException.class,
                () -> writer.execute(to(a, "tpl"), "INSERT INTO acct VALUES (3, 0)"));
        assertThat(e.kind()).isEqualTo(ErrorKind.WRITES_BLOCKED);
        assertThat(e.getMessage()).contains("may read it but not write it");
        assertThat(balances("tpl")).containsExactly(100L, 0L);
        // A write sent as one request becomes a migration, as before (here: the stub refuses to start it).
        assertThat(catchThrowableOfType(AssertionError.class, () -> run(a, "tpl",
                execute("INSERT INTO acct VALUES (3, 0)"), Harness.closeReq()))).hasMessageContaining("migration");
        StreamClient reader = new StreamClient("BEGIN IMMEDIATE");
        assertThat(rows(reader.execute(to(a, "tpl"), "SELECT count(*) FROM acct"))).contains("\"2\"");
        assertThat(reader.execute(to(b, "tpl"), "DELETE FROM acct").at("/error/code").asText()).isEqualTo("BLOCKED");
        assertThat(reader.commit(to(a, "tpl")).get("type").asText()).isEqualTo("ok");
        assertThat(balances("tpl")).containsExactly(100L, 0L);
    }

    @Test
    void expiryIsMeasuredFromTheLastRequestWhicheverInstanceServedIt() {
        StreamClient tx = new StreamClient("BEGIN IMMEDIATE");
        tx.execute(to(a, "app"), "UPDATE acct SET balance = 1 WHERE id = 1");
        clock.advance(Duration.ofSeconds(31));
        MultidbException e = catchThrowableOfType(MultidbException.class, () -> tx.commit(to(b, "app")));
        assertThat(e.code()).isEqualTo("STREAM_EXPIRED");
        assertThat(streamStore.size()).isZero();
    }

    @Test
    void plainRequestsStillNeedNoStreamStore() {
        JsonNode out = run(a, "app", execute("SELECT count(*) FROM acct"), Harness.closeReq());
        assertThat(out.get("baton").isNull()).isTrue();
        assertThat(streamStore.writes.get()).isZero();
        // A request without close that leaves no transaction open is answered without a baton, as before.
        out = run(b, "app", execute("INSERT INTO acct VALUES (3, 3)"));
        assertThat(out.get("baton").isNull()).isTrue();
        assertThat(streamStore.writes.get()).isZero();
    }
}
