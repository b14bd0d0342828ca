package io.multidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void percentilesAreNearestRank() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 100 .. 1, unsorted on purpose
        }
        assertThat(Stats.percentile(v, 50)).isEqualTo(50);
        assertThat(Stats.percentile(v, 99)).isEqualTo(99);
        assertThat(Stats.percentile(v, 100)).isEqualTo(100);
        assertThat(Stats.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(Stats.percentile(new long[0], 50)).isNaN();
        assertThat(v[0]).isEqualTo(100); // the input is not reordered
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(Stats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Stats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(Stats.round(2.345678, 2)).isEqualTo(2.35);
    }
}
