package io.multidb.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.migrations.Page;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DriftStore} promises, run against the in-memory fake and the DynamoDB adapter alike. */
public abstract class DriftStoreContract {
    private static final AtomicInteger ORGS = new AtomicInteger();
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123Z");

    protected String org;

    protected abstract DriftStore store();

    @BeforeEach
    void newOrganization() {
        org = "drift-" + ORGS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected static String scanId() {
        return "drift-" + UUID.randomUUID();
    }

    private DriftReport running(String parent) {
        return DriftReport.running(scanId(), org, parent, 3, T0, 10, false);
    }

    @Test
    void noReportUntilAScanStarts() {
        assertThat(store().latest(org, "app")).isEmpty();
    }

    @Test
    void theLatestHeaderRoundTrips() {
        DriftReport r = running("app");
        assertThat(store().startReport(r, null)).isTrue();
        assertThat(store().latest(org, "app")).contains(r);
        DriftReport done = r.withBatchCount(2).complete(new DriftCounts(5, 1, 2, 1), 2, T0.plusSeconds(3));
        assertThat(store().updateReport(done)).isTrue();
        assertThat(store().latest(org, "app")).contains(done);
        assertThat(done.childrenScanned()).isEqualTo(9);
        assertThat(store().latest(org, "other")).isEmpty();
    }

    @Test
    void aRunningScanKeepsOthersOutUnlessItIsReplaced() {
        DriftReport first = running("app");
        assertThat(store().startReport(first, null)).isTrue();
        DriftReport second = running("app");
        assertThat(store().startReport(second, null)).isFalse();
        assertThat(store().startReport(second, "drift-" + UUID.randomUUID())).isFalse();
        assertThat(store().startReport(second, first.scanId())).isTrue();
        assertThat(store().latest(org, "app").orElseThrow().scanId()).isEqualTo(second.scanId());
        // The replaced scan can no longer write its header.
        assertThat(store().updateReport(first.failed("late", T0))).isFalse();
        assertThat(store().updateReport(second.failed("boom", T0))).isTrue();
        assertThat(store().latest(org, "app").orElseThrow().error()).isEqualTo("boom");
        // Once ended, neither can be updated, and a new scan may start.
        assertThat(store().updateReport(second.complete(DriftCounts.ZERO, 0, T0))).isFalse();
        assertThat(store().startReport(running("app"), null)).isTrue();
    }

    @Test
    void batchNamesAndResultsRoundTripInBatchOrder() {
        String scan = scanId();
        store().putBatchNames(scan, List.of(List.of("a", "b"), List.of("c")));
        assertThat(store().batchNames(scan, 0)).contains(List.of("a", "b"));
        assertThat(store().batchNames(scan, 1)).contains(List.of("c"));
        assertThat(store().batchNames(scan, 2)).isEmpty();
        for (int b = 0; b < 5; b++) {
            List<ChildDrift> kids = b % 2 == 0 ? List.of() : List.of(new ChildDrift("c" + b, DriftClass.DIVERGED, 2,
                    List.of("extra index i on t", "missing column t.x")), new ChildDrift("d" + b, DriftClass.UNREADABLE, -1,
                    List.of("file is not a database")));
            store().putResult(new DriftResult(scan, 4 - b, new DriftCounts(1, 0, kids.isEmpty() ? 0 : 1,
                    kids.isEmpty() ? 0 : 1), kids));
        }
        Page<DriftResult> first = store().results(scan, null, 2);
        assertThat(first.items()).extracting(DriftResult::batch).containsExactly(0, 1);
        assertThat(first.next()).isEqualTo("1");
        assertThat(first.items().get(1).children()).extracting(ChildDrift::database).containsExactly("c3", "d3");
        assertThat(first.items().get(1).children().get(0).details()).containsExactly("extra index i on t", "missing column t.x");
        Page<DriftResult> rest = store().results(scan, 1, 10);
        assertThat(rest.items()).extracting(DriftResult::batch).containsExactly(2, 3, 4);
        assertThat(rest.next()).isNull();
        // A retried batch replaces its result.
        store().putResult(new DriftResult(scan, 0, new DriftCounts(2, 0, 0, 0), List.of()));
        assertThat(store().results(scan, null, 1).items().get(0).counts().inSync()).isEqualTo(2);
    }
}
