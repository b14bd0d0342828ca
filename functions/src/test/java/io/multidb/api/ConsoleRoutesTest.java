package io.multidb.api;

import static io.multidb.api.TestApi.ADMIN;
import static io.multidb.api.TestApi.ORG;
import static io.multidb.api.TestApi.body;
import static io.multidb.api.TestApi.v1;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.migrations.JobProgress;
import io.multidb.migrations.MigrationService;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's files and reads, and the paged list and job progress routes it uses, through the handler. */
class ConsoleRoutesTest {
    @TempDir
    Path root;
    private TestApi api;

    @BeforeEach
    void setUp() {
        api = TestApi.create(root);
        api.group("g");
        api.group("h");
        api.schemaDatabase("shop", "g");
        api.run("shop", ADMIN, "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT)");
        for (String c : List.of("acme", "beta", "cargo", "delta", "echo")) {
            api.child(c, "g", "shop");
        }
        api.database("ledger", "g");
        api.database("other", "h");
    }

    @Test
    void servesItsOwnFilesOnlyWithAStrictContentSecurityPolicy() throws Exception {
        APIGatewayV2HTTPResponse bare = api.send(ApiEvents.get("/console"));
        assertThat(bare.getStatusCode()).isEqualTo(308);
        assertThat(bare.getHeaders()).containsEntry("location", "console/index.html");
        APIGatewayV2HTTPResponse page = api.send(ApiEvents.get("/console/"));
        assertThat(page.getStatusCode()).isEqualTo(200);
        assertThat(page.getHeaders().get("content-type")).startsWith("text/html");
        assertThat(page.getHeaders().get("content-security-policy")).contains("script-src 'self'").doesNotContain("unsafe");
        assertThat(page.getBody()).doesNotContain("http://", "https://");
        // Every script the page loads is served, as JavaScript, from the jar (console.js first: it makes the namespace).
        List<String> scripts = new ArrayList<>();
        Matcher src = Pattern.compile("<script src=\"([^\"]+)\" defer></script>").matcher(page.getBody());
        while (src.find()) {
            scripts.add(src.group(1));
        }
        assertThat(scripts).containsExactly("diagram.js", "console.js", "family.js", "job.js");
        for (String script : scripts) {
            APIGatewayV2HTTPResponse js = api.send(ApiEvents.get("/console/" + script));
            assertThat(js.getStatusCode()).as(script).isEqualTo(200);
            assertThat(js.getHeaders().get("content-type")).as(script).startsWith("text/javascript");
            assertThat(js.getBody()).as(script).startsWith("//").contains("\"use strict\";");
        }
        for (String bad : List.of("/console/pom.xml", "/console/..%2Fapi%2FApiHandler.class", "/console/a/b")) {
            assertThat(api.send(ApiEvents.get(bad)).getStatusCode()).as(bad).isEqualTo(404);
        }
        assertThat(api.send(ApiEvents.post("/console/").json("{}")).getStatusCode()).isEqualTo(405);

        // The diagram's ASL is the workflow's own file, and every state the summary names is in it.
        APIGatewayV2HTTPResponse asl = api.send(ApiEvents.get("/console/schema-migration.asl.json"));
        String file = Files.readString(Path.of("..", "statemachines", "schema-migration.asl.json"));
        assertThat(asl.getBody()).isEqualTo(file);
        JsonNode states = Json.parse(asl.getBody().getBytes()).get("States");
        for (var f : JobProgress.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                assertThat(states.has((String) f.get(null))).as(f.getName()).isTrue();
            }
        }
    }

    @Test
    void theSessionSaysWhoTheTokenSpeaksForAndWhatThePageMayOffer() {
        JsonNode admin = api.admin(ApiEvents.get("/console/api/session"));
        assertThat(admin.get("kind").asText()).isEqualTo("admin");
        assertThat(admin.get("can_manage_migrations").asBoolean()).isTrue();
        String readOnly = api.token("groups", "g", null, "read-only");
        JsonNode group = body(api.send(ApiEvents.get("/console/api/session").bearer(readOnly)));
        assertThat(group.get("kind").asText()).isEqualTo("group");
        assertThat(group.get("group").asText()).isEqualTo("g");
        assertThat(group.get("read_only").asBoolean()).isTrue();
        assertThat(group.get("can_manage_migrations").asBoolean()).isFalse();
        assertThat(api.send(ApiEvents.get("/console/api/session")).getStatusCode()).isEqualTo(401);
        assertThat(api.send(ApiEvents.get("/console/api/session").bearer("nope")).getStatusCode()).isEqualTo(401);
    }

    @Test
    void theDatabaseListPagesBySearchAndCursorAndKeepsItsUnpagedShape() {
        assertThat(names("databases?schema=shop&limit=2")).containsExactly("acme", "beta", "cargo", "delta", "echo");
        assertThat(names("databases?search=c&limit=1")).containsExactly("cargo");
        assertThat(names("databases?group=g&type=standard&limit=5")).containsExactly("ledger");
        JsonNode schema = api.admin(ApiEvents.get(v1("databases")).query("type", "schema").query("limit", "5"));
        assertThat(schema.at("/databases/0/children_count").asInt()).isEqualTo(5);
        assertThat(schema.at("/databases/0/size_bytes").asLong()).isPositive();

        JsonNode unpaged = api.admin(ApiEvents.get(v1("databases")).query("schema", "shop"));
        assertThat(unpaged.has("next_cursor")).isFalse();
        assertThat(unpaged.get("databases").size()).isEqualTo(5);
        assertThat(unpaged.at("/databases/0").has("size_bytes")).isFalse();

        for (String[] bad : List.of(new String[] {"limit", "0"}, new String[] {"limit", "x"}, new String[] {"search", "A B"},
                new String[] {"cursor", "../x"})) {
            APIGatewayV2HTTPResponse r = api.send(ApiEvents.get(v1("databases")).query(bad[0], bad[1]).bearer(ADMIN));
            assertThat(r.getStatusCode()).as(Arrays.toString(bad)).isEqualTo(400);
        }
    }

    @Test
    void aGroupTokenListsOnlyItsGroupAndADatabaseTokenNothing() {
        String g = api.token("groups", "g", null, "read-only");
        JsonNode mine = body(api.send(ApiEvents.get("/console/api/databases").query("limit", "50").bearer(g)));
        List<String> names = new ArrayList<>();
        mine.get("databases").forEach(d -> names.add(d.get("Name").asText()));
        assertThat(names).contains("shop", "acme", "ledger").doesNotContain("other");
        assertThat(api.send(ApiEvents.get("/console/api/databases").query("group", "h").bearer(g)).getStatusCode()).isEqualTo(403);
        assertThat(api.send(ApiEvents.get(v1("databases")).query("limit", "5").bearer(g)).getStatusCode()).isEqualTo(403);
        String db = api.token("databases", "acme", null, null);
        assertThat(api.send(ApiEvents.get("/console/api/databases").bearer(db)).getStatusCode()).isEqualTo(403);
    }

    @Test
    void aJobsSummaryCountsItsDatabasesAndTheFailedOnesComeFilteredWithSqliteErrors() {
        api.run("cargo", ADMIN, "INSERT INTO orders(customer) VALUES ('same'), ('same')");
        api.run("echo", ADMIN, "INSERT INTO orders(customer) VALUES ('x'), ('x')");
        JsonNode started = body(api.send(ApiEvents.post(v1("databases/shop/migrations")).bearer(ADMIN)
                .json("{\"sql\":\"CREATE UNIQUE INDEX one ON orders(customer)\"}")));
        String id = started.get("job_id").asText();
        String jobs = "/db/shop/v1/jobs/" + id;
        JsonNode before = api.admin(ApiEvents.get(jobs + "/summary"));
        assertThat(before.get("step").asText()).isEqualTo(JobProgress.PREPARE);
        assertThat(before.get("percent").asInt()).isZero();

        // The workflow's steps, run here as its task function would (the test's workflow starter records only).
        MigrationService m = api.handler.services().migrations();
        int batches = m.prepare(ORG, id);
        JsonNode prepared = api.admin(ApiEvents.get(jobs + "/summary"));
        assertThat(prepared.get("children_total").asInt()).isEqualTo(5);
        assertThat(prepared.at("/children/pending").asInt()).isEqualTo(5);
        assertThat(prepared.get("step").asText()).isEqualTo(JobProgress.DRY_RUN_PARENT);
        m.dryRunParent(ORG, id);
        for (int b = 0; b < batches; b++) {
            try {
                m.dryRunBatch(ORG, id, b);
            } catch (io.multidb.migrations.MigrationStepFailed expected) {
                // the batch's failure, which the workflow routes to release (failed)
            }
        }
        JsonNode dryRun = api.admin(ApiEvents.get(v1("databases/shop/migrations/" + id + "/summary")));
        assertThat(dryRun.at("/children/dry_run_failed").asInt()).isEqualTo(2);
        assertThat(dryRun.at("/children/dry_run_ok").asInt()).isEqualTo(3);
        assertThat(dryRun.get("step").asText()).isEqualTo(JobProgress.DRY_RUN_CHILDREN);
        assertThat(dryRun.get("percent").asInt()).isEqualTo(50);

        JsonNode first = api.admin(ApiEvents.get(jobs + "/databases").query("status", "failed").query("limit", "1"));
        assertThat(first.at("/databases/0/database").asText()).isEqualTo("cargo");
        assertThat(first.at("/databases/0/error").asText()).contains("UNIQUE constraint failed: orders.customer");
        JsonNode second = api.admin(ApiEvents.get(jobs + "/databases").query("status", "failed").query("limit", "1")
                .query("cursor", first.get("next_cursor").asText()));
        assertThat(second.at("/databases/0/database").asText()).isEqualTo("echo");
        assertThat(second.get("next_cursor").isNull()).isTrue();
        JsonNode all = api.admin(ApiEvents.get(jobs + "/databases").query("limit", "4"));
        assertThat(all.get("databases").size()).isEqualTo(4);
        JsonNode rest = api.admin(ApiEvents.get(jobs + "/databases").query("limit", "4").query("cursor", all.get("next_cursor").asText()));
        assertThat(rest.get("databases").size()).isEqualTo(2); // five children and the schema database
        assertThat(api.send(ApiEvents.get(jobs + "/databases").query("status", "bogus").bearer(ADMIN)).getStatusCode()).isEqualTo(400);
        assertThat(api.send(ApiEvents.get(jobs + "/databases").query("cursor", "%%%").bearer(ADMIN)).getStatusCode()).isEqualTo(400);

        // A read-only token of the group reads the job; another group's token does not; nobody POSTs here.
        String g = api.token("groups", "g", null, "read-only");
        assertThat(api.send(ApiEvents.get(jobs + "/summary").bearer(g)).getStatusCode()).isEqualTo(200);
        String h = api.token("groups", "h", null, null);
        assertThat(api.send(ApiEvents.get(jobs + "/summary").bearer(h)).getStatusCode()).isEqualTo(403);
        assertThat(api.send(ApiEvents.post(jobs + "/summary").bearer(ADMIN)).getStatusCode()).isEqualTo(405);
    }

    private List<String> names(String firstPage) {
        List<String> names = new ArrayList<>();
        String[] pathAndQuery = firstPage.split("\\?", 2);
        String cursor = null;
        for (int i = 0; i < 20; i++) {
            ApiEvents.Builder b = ApiEvents.get(v1(pathAndQuery[0]));
            for (String kv : pathAndQuery[1].split("&")) {
                String[] p = kv.split("=", 2);
                b.query(p[0], p[1]);
            }
            if (cursor != null) {
                b.query("cursor", cursor);
            }
            JsonNode page = api.admin(b);
            page.get("databases").forEach(d -> names.add(d.get("Name").asText()));
            if (page.get("next_cursor").isNull()) {
                return names;
            }
            cursor = page.get("next_cursor").asText();
        }
        throw new AssertionError("no last page");
    }
}
