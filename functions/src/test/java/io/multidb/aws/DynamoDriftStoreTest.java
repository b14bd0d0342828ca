package io.multidb.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.multidb.drift.ChildDrift;
import io.multidb.drift.DriftClass;
import io.multidb.drift.DriftCounts;
import io.multidb.drift.DriftReport;
import io.multidb.drift.DriftResult;
import io.multidb.drift.DriftStore;
import io.multidb.drift.DriftStoreContract;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The DynamoDB drift store on a real dynalite: the shared contract, then where its items are and their size. */
class DynamoDriftStoreTest extends DriftStoreContract {
    private static LocalDynamo dynamo;
    private static DynamoDriftStore store;

    @BeforeAll
    static void start() {
        dynamo = LocalDynamo.start();
        store = new DynamoDriftStore(dynamo.client, LocalDynamo.TABLE);
    }

    @AfterAll
    static void stop() {
        if (dynamo != null) {
            dynamo.close();
        }
    }

    @Override
    protected DriftStore store() {
        return store;
    }

    @Test
    void theItemsAreWhereTheTableDocumentSaysTheyAre() {
        DriftReport r = DriftReport.running(scanId(), org, "app", 1, Instant.parse("2025-03-01T10:00:00Z"), 10, false);
        store.startReport(r, null);
        store.putBatchNames(r.scanId(), List.of(List.of("a")));
        store.putResult(new DriftResult(r.scanId(), 0, DriftCounts.ZERO, List.of()));
        Map<String, AttributeValue> header = DynamoCatalogTestSupport.query(dynamo, "ORG#" + org + "#DRIFT#app").getFirst();
        assertThat(header.get("sk").s()).isEqualTo("REPORT");
        assertThat(header.get("type").s()).isEqualTo("drift_report");
        assertThat(header.get("status").s()).isEqualTo("running");
        assertThat(DynamoCatalogTestSupport.query(dynamo, "DRIFT#" + r.scanId())).extracting(i -> i.get("sk").s())
                .containsExactly("NAMES#0000000", "RESULT#0000000");
    }

    @Test
    void aBatchOfTheWorstChildrenStaysWellUnderTheItemLimit() {
        String detail = "column t.x differs: " + "é".repeat(400);
        List<ChildDrift> kids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            kids.add(new ChildDrift(String.format("child-%05d", i), DriftClass.DIVERGED, 1,
                    java.util.Collections.nCopies(50, detail)));
        }
        DriftResult capped = DriftResult.capped(scanId(), 0, new DriftCounts(0, 0, 200, 0), kids);
        store.putResult(capped); // dynalite refuses items over 400 KB, as DynamoDB does
        long bytes = DriftItems.resultItem(capped).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(bytes).isLessThan(300 * 1024);
        assertThat(store.results(capped.scanId(), null, 1).items().getFirst().children()).hasSize(200);
    }
}
