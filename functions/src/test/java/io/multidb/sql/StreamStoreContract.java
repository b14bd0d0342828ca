package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.sql.StreamStore.StoredStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every StreamStore must do; the in-memory fake and the DynamoDB adapter both run it. */
public abstract class StreamStoreContract {

    protected abstract StreamStore store();

    /** A fresh organization per test, so tests sharing one store never see each other's items. */
    protected final String org = "org-" + UUID.randomUUID().toString().substring(0, 8);

    private StoredStream stream(String id, long seq, byte[] payload) {
        return new StoredStream(org, id, seq, "db1", "id-1", 1_000_000L + seq, payload);
    }

    @Test
    void aCreatedStreamIsReadBackAsWritten() {
        byte[] payload = {1, 2, 3, 0, -1};
        assertThat(store().create(stream("s1", 1, payload))).isTrue();
        StoredStream got = store().get(org, "s1").orElseThrow();
        assertThat(got.seq()).isEqualTo(1);
        assertThat(got.database()).isEqualTo("db1");
        assertThat(got.databaseId()).isEqualTo("id-1");
        assertThat(got.expiresAtMillis()).isEqualTo(1_000_001L);
        assertThat(got.payload()).containsExactly(payload);
        assertThat(store().get(org, "other")).isEmpty();
        assertThat(store().get("another-org", "s1")).isEmpty();
    }

    @Test
    void createRefusesAnExistingId() {
        assertThat(store().create(stream("s2", 1, new byte[] {1}))).isTrue();
        assertThat(store().create(stream("s2", 1, new byte[] {2}))).isFalse();
        assertThat(store().get(org, "s2").orElseThrow().payload()).containsExactly(1);
    }

    @Test
    void replaceMovesOnOnlyFromTheExpectedSequenceNumber() {
        store().create(stream("s3", 1, new byte[] {1}));
        assertThat(store().replace(stream("s3", 2, new byte[] {2}), 1)).isTrue();
        assertThat(store().replace(stream("s3", 2, new byte[] {3}), 1)).isFalse(); // the same baton again
        assertThat(store().get(org, "s3").orElseThrow().payload()).containsExactly(2);
        assertThat(store().replace(stream("missing", 2, new byte[] {2}), 1)).isFalse();
        assertThat(store().get(org, "missing")).isEmpty(); // replace never creates
    }

    @Test
    void deleteHappensOnlyAtTheExpectedSequenceNumber() {
        store().create(stream("s4", 1, new byte[] {1}));
        assertThat(store().delete(org, "s4", 2)).isFalse();
        assertThat(store().get(org, "s4")).isPresent();
        assertThat(store().delete(org, "s4", 1)).isTrue();
        assertThat(store().get(org, "s4")).isEmpty();
        assertThat(store().delete(org, "s4", 1)).isFalse();
    }

    @Test
    void ofManyRequestsWithTheSameBatonExactlyOneMovesTheStreamOn() throws Exception {
        store().create(stream("s5", 1, new byte[] {0}));
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> outcomes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte mark = (byte) (i + 1);
                boolean delete = i % 2 == 0;
                Callable<Boolean> task = () -> {
                    start.await();
                    return delete ? store().delete(org, "s5", 1) : store().replace(stream("s5", 2, new byte[] {mark}), 1);
                };
                outcomes.add(pool.submit(task));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> f : outcomes) {
                won += f.get() ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
