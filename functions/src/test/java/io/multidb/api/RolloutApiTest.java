package io.multidb.api;

import static io.multidb.api.TestApi.ADMIN;
import static io.multidb.api.TestApi.ORG;
import static io.multidb.api.TestApi.body;
import static io.multidb.api.TestApi.v1;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.MigrationSteps;
import io.multidb.migrations.PauseClock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout options over HTTP: what a client may send, what it is told when it is wrong, and the job's JSON through
 * a canary and a pause (the workflow's steps run here as its task function would; the real ASL runs in the local
 * module's RolloutThroughRuntimeTest).
 */
class RolloutApiTest {
    @TempDir
    Path root;
    private TestApi api;

    @BeforeEach
    void setUp() {
        api = TestApi.create(root);
        api.group("g");
        api.schemaDatabase("shop", "g");
        api.run("shop", ADMIN, "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT)");
        for (String c : List.of("acme", "beta", "cargo", "delta")) {
            api.child(c, "g", "shop");
        }
        api.database("ledger", "g");
    }

    private APIGatewayV2HTTPResponse start(String json) {
        return api.send(ApiEvents.post(v1("databases/shop/migrations")).bearer(ADMIN).json(json));
    }

    private void refused(String json, String says) {
        APIGatewayV2HTTPResponse r = start(json);
        assertThat(r.getStatusCode()).as(json + " -> " + r.getBody()).isEqualTo(400);
        assertThat(body(r).get("error").asText()).contains(says);
    }

    @Test
    void aBadRolloutOptionIsA400ThatSaysWhatToSend() {
        String sql = "\"sql\":\"ALTER TABLE orders ADD note TEXT\"";
        refused("{" + sql + ",\"canary\":0}", "'canary'");
        refused("{" + sql + ",\"canary\":\"acme\"}", "'canary'");
        refused("{" + sql + ",\"canary\":[\"acme\",\"nope\"]}", "'nope' is not a child of 'shop'");
        refused("{" + sql + ",\"canary\":[\"ledger\"]}", "not a child");
        refused("{" + sql + ",\"verify\":\"SELECT 1\"}", "give 'canary' too");
        refused("{" + sql + ",\"canary\":1,\"verify\":\"DELETE FROM orders\"}", "read-only");
        refused("{" + sql + ",\"canary\":1,\"verify\":7}", "'verify'");
        refused("{" + sql + ",\"pause_after_canary\":true}", "give 'canary' too");
        refused("{" + sql + ",\"canary\":1,\"pause_after_canary\":\"yes\"}", "true or false");
        refused("{" + sql + ",\"on_child_failure\":\"skip\"}", "quarantine");
        refused("{\"sql\":\"DELETE FROM _multidb_schema\"}", "_multidb_schema");
        // Nothing was recorded and nothing holds the family: the list of jobs is empty and a plain start goes through.
        assertThat(api.admin(ApiEvents.get(v1("databases/shop/migrations"))).get("migrations")).isEmpty();
        assertThat(api.admin(ApiEvents.get(v1("databases/shop"))).at("/database/migration_job").isNull()).isTrue();
        assertThat(start("{" + sql + "}").getStatusCode()).isEqualTo(202);
    }

    @Test
    void aPausedJobSaysSoAndOnlyThenCanBeResumed() {
        APIGatewayV2HTTPResponse r = start("{\"sql\":\"ALTER TABLE orders ADD note TEXT\",\"canary\":[\"cargo\"],"
                + "\"verify\":\"SELECT count(*) = 0 FROM orders\",\"pause_after_canary\":true,\"on_child_failure\":\"quarantine\"}");
        assertThat(r.getStatusCode()).isEqualTo(202);
        JsonNode job = body(r);
        String id = job.get("job_id").asText();
        assertThat(job.get("kind").asText()).isEqualTo("migration");
        assertThat(job.get("on_child_failure").asText()).isEqualTo("quarantine");
        assertThat(job.at("/canary/children/0").asText()).isEqualTo("cargo");
        assertThat(job.at("/canary/pause_after_canary").asBoolean()).isTrue();
        String resume = v1("databases/shop/migrations/" + id + "/resume");
        APIGatewayV2HTTPResponse early = api.send(ApiEvents.post(resume).bearer(ADMIN).json("{}"));
        assertThat(early.getStatusCode()).isEqualTo(409);
        assertThat(body(early).get("error").asText()).contains("only a job paused after its canary can be resumed");
        assertThat(api.admin(ApiEvents.get(v1("databases/shop/migrations/" + id))).get("status").asText())
                .isEqualTo("pending");

        MigrationService m = api.handler.services().migrations();
        MigrationSteps.Prepared p = m.prepared(ORG, id);
        assertThat(p.canaryBatches()).isEqualTo(1);
        assertThat(p.pauseAfterCanary()).isTrue();
        m.dryRunParent(ORG, id);
        for (int b = 0; b < p.batches(); b++) {
            m.dryRunBatch(ORG, id, b);
        }
        m.applyBatch(ORG, id, 0);
        PauseClock.Look look = m.awaitResume(ORG, id, 0);
        assertThat(look.resumed()).isFalse();
        assertThat(look.waitSeconds()).isEqualTo(2);

        JsonNode paused = api.admin(ApiEvents.get(v1("databases/shop/migrations/" + id)));
        assertThat(paused.get("status").asText()).isEqualTo("paused");
        assertThat(paused.get("paused").asText()).contains("/resume").contains("/abort");
        // The parent, then the canary's batch, then the others.
        assertThat(paused.get("progress").findValuesAsText("database")).containsExactly("shop", "cargo", "acme", "beta", "delta");
        assertThat(paused.get("progress").findValuesAsText("status")).containsExactly("dry_run_ok", "applied",
                "dry_run_ok", "dry_run_ok", "dry_run_ok");
        // Every database of the family names the job that blocks its writes.
        assertThat(api.admin(ApiEvents.get(v1("databases/acme"))).at("/database/migration_job").asText()).isEqualTo(id);
        // Writes to the family wait for the job; reads do not.
        JsonNode write = api.run("acme", ADMIN, "INSERT INTO orders(customer) VALUES ('x')").get(0);
        assertThat(write.get("type").asText()).isEqualTo("error");
        assertThat(api.run("acme", ADMIN, "SELECT count(*) FROM orders").get(0).get("type").asText()).isEqualTo("ok");

        JsonNode resumed = body(api.send(ApiEvents.post(resume).bearer(ADMIN).json("{}")));
        assertThat(resumed.get("status").asText()).isEqualTo("applying");
        assertThat(resumed.at("/canary/resumed").asBoolean()).isTrue();
        assertThat(m.awaitResume(ORG, id, 1).resumed()).isTrue();
        // A second resume is the same answer.
        assertThat(api.send(ApiEvents.post(resume).bearer(ADMIN).json("{}")).getStatusCode()).isEqualTo(202);
    }

    @Test
    void thePagedListReportsAChildsVersionAsTheSingleReadDoes() {
        String id = body(start("{\"sql\":\"ALTER TABLE orders ADD note TEXT\"}")).get("job_id").asText();
        MigrationService m = api.handler.services().migrations();
        MigrationSteps.Prepared p = m.prepared(ORG, id);
        m.dryRunParent(ORG, id);
        for (int b = 0; b < p.batches(); b++) {
            m.dryRunBatch(ORG, id, b);
        }
        for (int b = 0; b < p.batches(); b++) {
            m.applyBatch(ORG, id, b);
        }
        m.applyParent(ORG, id);
        assertThat(m.finish(ORG, id, true, null).status().wire()).isEqualTo("succeeded");

        JsonNode paged = api.admin(ApiEvents.get(v1("databases")).query("search", "a").query("limit", "10"));
        assertThat(paged.get("databases")).isNotEmpty().allSatisfy(d ->
                assertThat(d.get("schema_version").asLong()).as(d.get("Name").asText()).isEqualTo(1));
        assertThat(api.admin(ApiEvents.get(v1("databases/acme"))).at("/database/schema_version").asLong()).isEqualTo(1);
    }

    @Test
    void aRepairWithNothingBehindIsAConflictAndAChildSaysItIsCurrent() {
        APIGatewayV2HTTPResponse r = api.send(ApiEvents.post(v1("databases/shop/drift/repair")).bearer(ADMIN));
        assertThat(r.getStatusCode()).isEqualTo(409);
        assertThat(body(r).get("error").asText()).contains("nothing to repair");
        APIGatewayV2HTTPResponse named = api.send(ApiEvents.post(v1("databases/shop/drift/repair")).bearer(ADMIN)
                .json("{\"children\":[\"ledger\"]}"));
        assertThat(named.getStatusCode()).isEqualTo(400);
        assertThat(body(named).get("error").asText()).contains("'ledger' is not a child of 'shop'");
        // Neither started a job.
        assertThat(api.admin(ApiEvents.get(v1("databases/shop/migrations"))).get("migrations")).isEmpty();
        JsonNode child = api.admin(ApiEvents.get(v1("databases/acme"))).get("database");
        assertThat(child.get("schema_status").asText()).isEqualTo("current");
        assertThat(child.has("behind")).isFalse();
        assertThat(api.admin(ApiEvents.get(v1("databases/shop"))).get("database").has("schema_status")).isFalse();
    }
}
