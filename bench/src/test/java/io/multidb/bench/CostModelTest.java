package io.multidb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class CostModelTest {
    /** Per-child figures of the order the migration scenarios measure for an ADD COLUMN. */
    private static final CostModel.Measured SMALL = new CostModel.Measured(30, 32_768, 0.8, 2.5, 0.3, 0.1, 0.02, 0.03,
            0.05, 40_000, 20_000, 12, 1);
    private static final CostModel.Measured BIG = new CostModel.Measured(30, 26_000_000, 0.9, 2.7, 0.3, 0.1, 0.02, 0.03,
            0.05, 60_000, 25_000, 12, 1);

    @Test
    void theAslsBatchingAndTransitionsAt100kChildren() {
        CostModel.Result r = CostModel.compute(SMALL, CostModel.baseline(100_000));
        assertThat(r.batchSize()).isEqualTo(200);
        assertThat(r.batches()).isEqualTo(500);
        assertThat(r.transitions()).isEqualTo(8 + 2 * 500);
        assertThat(r.lambdaRequests()).isEqualTo(2 * 500 + 5);
        assertThat(r.sfnCost()).isCloseTo(1008 * 0.025 / 1000, within(1e-9));
        assertThat(r.ddbCost()).isCloseTo(100_000 * (0.02 * 0.625 + 0.03 * 0.125) / 1e6, within(1e-9));
        // Small families: batches of at least 100.
        assertThat(CostModel.compute(SMALL, new CostModel.Knobs("n", 1000, 10, 4, 1769, true)).batches()).isEqualTo(10);
    }

    @Test
    void moreConcurrencyShortensTheMapsNotTheBill() {
        CostModel.Result base = CostModel.compute(SMALL, CostModel.baseline(100_000));
        CostModel.Result wide = CostModel.compute(SMALL, new CostModel.Knobs("40", 100_000, 40, 4, 1769, true));
        assertThat(wide.applyS()).isCloseTo(base.applyS() / 4, within(base.applyS() * 0.05));
        assertThat(wide.dryRunS()).isCloseTo(base.dryRunS() / 4, within(base.dryRunS() * 0.05));
        assertThat(wide.lambdaGbS()).isCloseTo(base.lambdaGbS(), within(1e-6));
        assertThat(wide.totalCost()).isCloseTo(base.totalCost(), within(1e-9));
    }

    @Test
    void theEfsChargeFollowsTheOperationsNotTheTenantsSize() {
        CostModel.Result small = CostModel.compute(SMALL, CostModel.baseline(100_000));
        CostModel.Result big = CostModel.compute(BIG, CostModel.baseline(100_000));
        // 800 times the data, the same operations: the EFS charge moves by the measured bytes only.
        assertThat(big.efsCost()).isCloseTo(small.efsCost(), within(small.efsCost() * 0.2));
        assertThat(big.efsCost()).isPositive();
    }

    @Test
    void burstingThroughputRemovesTheEfsIoChargeAndTheDocumentNamesItsSources() {
        List<CostModel.Result> all = CostModel.scenarios(SMALL, 100_000);
        assertThat(all).hasSize(6);
        assertThat(all.get(0).efsCost()).isPositive();
        assertThat(all.stream().filter(r -> !r.knobs().elasticThroughput()).findFirst().orElseThrow().efsCost()).isZero();
        String md = CostModel.markdown(List.of(new CostModel.Case("small", SMALL, all),
                new CostModel.Case("big", BIG, CostModel.scenarios(BIG, 100_000))), "test");
        assertThat(md).contains("## Formula").contains("## Inputs").contains("https://aws.amazon.com/step-functions/pricing/")
                .contains("Which knob moves it most").contains("| small |").contains("| big |");
    }
}
