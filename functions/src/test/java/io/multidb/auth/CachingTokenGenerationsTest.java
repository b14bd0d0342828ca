package io.multidb.auth;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CachingTokenGenerationsTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private final MutableClock clock = new MutableClock();
    private final InMemoryTokenGenerations store = new InMemoryTokenGenerations();
    private final CachingTokenGenerations cache = new CachingTokenGenerations(store, TTL, clock);
    /** Another function instance: bumps there reach this cache only through the store. */
    private final CachingTokenGenerations elsewhere = new CachingTokenGenerations(store, TTL, clock);

    @Test
    void withinTheTimeToLiveTheStoreIsNotRead() {
        assertThat(cache.current("o", Scope.DATABASE, "a")).isZero();
        assertThat(store.reads()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofMillis(499));
            assertThat(cache.current("o", Scope.DATABASE, "a")).isZero();
        }
        assertThat(store.reads()).isEqualTo(1);
        clock.advance(Duration.ofMillis(10));   // 5.0 s after the read began
        cache.current("o", Scope.DATABASE, "a");
        assertThat(store.reads()).isEqualTo(2);
    }

    @Test
    void aBumpElsewhereIsSeenExactlyAtTheBound() {
        cache.current("o", Scope.GROUP, "g");
        elsewhere.bump("o", Scope.GROUP, "g");
        clock.advance(TTL.minusMillis(1));
        assertThat(cache.current("o", Scope.GROUP, "g")).isZero();   // stale, as allowed
        clock.advance(Duration.ofMillis(1));
        assertThat(cache.current("o", Scope.GROUP, "g")).isEqualTo(1);
    }

    @Test
    void aBumpHereIsSeenHereAtOnce() {
        cache.current("o", Scope.DATABASE, "a");
        assertThat(cache.bump("o", Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(cache.current("o", Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(store.reads()).isEqualTo(1);
    }

    @Test
    void freshAlwaysReadsAndRefreshes() {
        cache.current("o", Scope.DATABASE, "a");
        elsewhere.bump("o", Scope.DATABASE, "a");
        assertThat(cache.fresh("o", Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(cache.current("o", Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(store.reads()).isEqualTo(2);
    }

    @Test
    void namesScopesAndOrganizationsAreCachedApart() {
        elsewhere.bump("o", Scope.DATABASE, "a");
        assertThat(cache.current("o", Scope.DATABASE, "a")).isEqualTo(1);
        assertThat(cache.current("o", Scope.GROUP, "a")).isZero();
        assertThat(cache.current("p", Scope.DATABASE, "a")).isZero();
        assertThat(cache.current("o", Scope.DATABASE, "b")).isZero();
        assertThat(store.reads()).isEqualTo(4);
    }

    @Test
    void aClockThatStepsBackMakesEntriesStale() {
        cache.current("o", Scope.DATABASE, "a");
        elsewhere.bump("o", Scope.DATABASE, "a");
        clock.advance(Duration.ofSeconds(-1));
        assertThat(cache.current("o", Scope.DATABASE, "a")).isEqualTo(1);
    }

    @Test
    void aFailingStoreIsNotPaperedOverWithAStaleValue() {
        cache.current("o", Scope.DATABASE, "a");
        store.down(true);
        clock.advance(TTL);
        assertThatThrownBy(() -> cache.current("o", Scope.DATABASE, "a"))
                .isInstanceOfSatisfying(MultidbException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE));
    }

    @Test
    void aZeroTimeToLiveReadsEveryTime() {
        CachingTokenGenerations none = new CachingTokenGenerations(store, Duration.ZERO, clock);
        none.current("o", Scope.DATABASE, "a");
        none.current("o", Scope.DATABASE, "a");
        assertThat(store.reads()).isEqualTo(2);
    }

    @Test
    void memoryIsBoundedWhateverNamesArrive() {
        for (int i = 0; i < CachingTokenGenerations.MAX_ENTRIES + 10; i++) {
            cache.current("o", Scope.DATABASE, "db" + i);
        }
        int reads = store.reads();
        cache.current("o", Scope.DATABASE, "db0");   // emptied on the way: read again
        assertThat(store.reads()).isEqualTo(reads + 1);
    }
}
