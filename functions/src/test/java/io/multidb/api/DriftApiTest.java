package io.multidb.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drift report's routes: POST runs a small family's scan in the call, GET pages the latest report. */
class DriftApiTest {
    @TempDir
    Path root;

    private TestApi api;

    @BeforeEach
    void setUp() throws Exception {
        api = TestApi.create(root);
        api.group("g");
        api.schemaDatabase("app", "g");
        api.run("app", TestApi.ADMIN, "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL)");
        for (String c : new String[] {"c1", "c2", "c3"}) {
            api.child(c, "g", "app");
        }
    }

    private static String drift(String db) {
        return TestApi.v1("databases/" + db + "/drift");
    }

    @Test
    void noReportUntilOneIsRunThenTheReportNamesTheDriftedChildren() throws Exception {
        APIGatewayV2HTTPResponse none = api.send(ApiEvents.get(drift("app")).bearer(TestApi.ADMIN));
        assertThat(none.getStatusCode()).isEqualTo(404);
        assertThat(TestApi.body(none).get("error").asText()).contains("POST .../databases/app/drift to run one");

        api.store.evict("c2");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + api.store.fileOf("c2"));
                Statement s = c.createStatement()) {
            s.execute("CREATE INDEX idx_users_email ON users(email)");
        }
        JsonNode report = api.admin(ApiEvents.post(drift("app")));
        assertThat(report.get("status").asText()).isEqualTo("complete");
        assertThat(report.get("scan_id").asText()).startsWith("drift-");
        assertThat(report.get("children_scanned").asInt()).isEqualTo(3);
        assertThat(report.get("counts").toString()).isEqualTo("{\"in_sync\":2,\"behind\":0,\"diverged\":1,\"unreadable\":0}");
        assertThat(report.get("children")).hasSize(1);
        JsonNode c2 = report.get("children").get(0);
        assertThat(c2.get("database").asText()).isEqualTo("c2");
        assertThat(c2.get("status").asText()).isEqualTo("diverged");
        assertThat(c2.get("schema_version").asLong()).isZero();
        assertThat(c2.get("details").get(0).asText()).isEqualTo("extra index idx_users_email on users");

        JsonNode again = api.admin(ApiEvents.get(drift("app")).query("limit", "1"));
        assertThat(again.get("scan_id")).isEqualTo(report.get("scan_id"));
        assertThat(again.get("children")).hasSize(1);
        assertThat(again.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void mistakesAreClientErrorsSayingWhatToDo() {
        api.admin(ApiEvents.post(drift("app")));
        assertThat(api.send(ApiEvents.get(drift("app")).query("limit", "1001").bearer(TestApi.ADMIN)).getStatusCode())
                .isEqualTo(400);
        assertThat(api.send(ApiEvents.post(drift("c1")).bearer(TestApi.ADMIN)).getStatusCode()).isEqualTo(400);
        assertThat(api.send(ApiEvents.get(drift("nope")).bearer(TestApi.ADMIN)).getStatusCode()).isEqualTo(404);
        assertThat(api.send(ApiEvents.request("DELETE", drift("app")).bearer(TestApi.ADMIN)).getStatusCode()).isEqualTo(405);
        assertThat(api.send(ApiEvents.post(drift("app")).json("{\"max_concurrency\": 0}").bearer(TestApi.ADMIN))
                .getStatusCode()).isEqualTo(400);
        assertThat(api.send(ApiEvents.get(drift("app"))).getStatusCode()).isEqualTo(401);
    }
}
