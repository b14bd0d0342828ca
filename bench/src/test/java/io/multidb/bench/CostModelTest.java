package io.multidb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class CostModelTest {
    /** Per-child figures of the order scenario 1 measures. */
    private static final CostModel.Measured M = new CostModel.Measured(1000, 49152, 1.2, 5.5, 0.3, 0.1, 5.0, 1.3, 2.4,
            107_000, 88, 40);

    @Test
    void theAslsBatchingAndTransitionsAt100kChildren() {
        CostModel.Result r = CostModel.compute(M, CostModel.baseline(100_000));
        assertThat(r.batchSize()).isEqualTo(200);
        assertThat(r.batches()).isEqualTo(500);
        assertThat(r.transitions()).isEqualTo(8 + 2 * 500);
        assertThat(r.lambdaRequests()).isEqualTo(2 * 500 + 5);
        assertThat(r.sfnCost()).isCloseTo(1008 * 0.025 / 1000, within(1e-9));
        assertThat(r.ddbCost()).isCloseTo(100_000 * (5.0 * 0.625 + 1.3 * 0.125) / 1e6, within(1e-9));
        // The formula agrees with what the local history counted: 8 + 2B for the 40 batches of 1,000 children.
        assertThat(CostModel.compute(M, new CostModel.Knobs("n", 1000, 10, 4, 1769, true, 1)).transitions())
                .isEqualTo(M.transitions());
    }

    @Test
    void moreConcurrencyShortensTheMapsNotTheBill() {
        CostModel.Result base = CostModel.compute(M, CostModel.baseline(100_000));
        CostModel.Result wide = CostModel.compute(M, new CostModel.Knobs("40", 100_000, 40, 4, 1769, true, 16));
        assertThat(wide.applyS()).isCloseTo(base.applyS() / 4, within(base.applyS() * 0.05));
        assertThat(wide.dryRunS()).isCloseTo(base.dryRunS() / 4, within(base.dryRunS() * 0.05));
        assertThat(wide.lambdaGbS()).isCloseTo(base.lambdaGbS(), within(1e-6));
        assertThat(wide.totalCost()).isCloseTo(base.totalCost(), within(1e-9));
    }

    @Test
    void burstingThroughputRemovesTheEfsIoChargeAndTheScenariosAreTheDocumentedOnes() {
        List<CostModel.Result> all = CostModel.scenarios(M, 100_000);
        assertThat(all).hasSize(7);
        assertThat(all.get(0).efsCost()).isPositive();
        assertThat(all.stream().filter(r -> !r.knobs().elasticThroughput()).findFirst().orElseThrow().efsCost()).isZero();
        String md = CostModel.markdown(M, all, "test");
        assertThat(md).contains("## Formula").contains("## Inputs").contains("https://aws.amazon.com/step-functions/pricing/")
                .contains("Which knob moves it most");
    }
}
