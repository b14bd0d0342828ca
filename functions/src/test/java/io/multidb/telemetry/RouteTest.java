package io.multidb.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Route templates are a metric dimension: every route of the API maps to its template, anything else to one value. */
class RouteTest {
    private static Route of(String method, String path) {
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        return Route.of(method, segments);
    }

    @Test
    void everyRouteOfTheApiHasItsTemplate() {
        String o = "/v1/organizations/acme/";
        assertThat(of("GET", "/health").template()).isEqualTo("GET /health");
        assertThat(of("GET", o + "groups").template()).isEqualTo("GET /v1/organizations/{org}/groups");
        assertThat(of("DELETE", o + "groups/g1")).isEqualTo(new Route("DELETE /v1/organizations/{org}/groups/{group}", null, null, "g1", null));
        assertThat(of("POST", o + "groups/g1/auth/rotate").template()).isEqualTo("POST /v1/organizations/{org}/groups/{group}/auth/rotate");
        assertThat(of("POST", o + "databases").template()).isEqualTo("POST /v1/organizations/{org}/databases");
        assertThat(of("GET", o + "databases/app").database()).isEqualTo("app");
        assertThat(of("POST", o + "databases/app/auth/tokens").template())
                .isEqualTo("POST /v1/organizations/{org}/databases/{database}/auth/tokens");
        assertThat(of("POST", o + "databases/app/migrations")).isEqualTo(
                new Route("POST /v1/organizations/{org}/databases/{database}/migrations", "app", "app", null, null));
        assertThat(of("POST", o + "databases/app/migrations/unlock").template())
                .isEqualTo("POST /v1/organizations/{org}/databases/{database}/migrations/unlock");
        assertThat(of("POST", o + "databases/app/migrations/j-1/retry")).isEqualTo(new Route(
                "POST /v1/organizations/{org}/databases/{database}/migrations/{job}/retry", "app", "app", null, "j-1"));
        assertThat(of("POST", o + "databases/app/migrations/j-1/resume").template())
                .isEqualTo("POST /v1/organizations/{org}/databases/{database}/migrations/{job}/resume");
        assertThat(of("GET", o + "databases/app/drift").template())
                .isEqualTo("GET /v1/organizations/{org}/databases/{database}/drift");
        assertThat(of("POST", o + "databases/app/drift/repair").template())
                .isEqualTo("POST /v1/organizations/{org}/databases/{database}/drift/repair");
        assertThat(of("POST", o + "databases/app/drift/other").template()).isEqualTo(Route.UNMATCHED);
        assertThat(of("POST", "/db/app/v2/pipeline")).isEqualTo(new Route("POST /db/{database}/v2/pipeline", "app", null, null, null));
        assertThat(of("GET", "/db/app/v1/jobs/j-2")).isEqualTo(new Route("GET /db/{database}/v1/jobs/{job}", "app", "app", null, "j-2"));
    }

    @Test
    void anythingElseIsOneValueAndNamesThatBreakTheRulesAreLeftOut() {
        assertThat(of("GET", "/wp-admin/x").template()).isEqualTo(Route.UNMATCHED);
        assertThat(of("GET", "/v1/organizations/acme/tables").template()).isEqualTo(Route.UNMATCHED);
        assertThat(of("GET", "/db/app/v2/pipeline/extra").template()).isEqualTo(Route.UNMATCHED);
        assertThat(of("BREW", "/health").template()).isEqualTo("OTHER /health");
        assertThat(of("POST", "/db/Not A Name/v2/pipeline").database()).isNull();
        assertThat(of("GET", "/db/app/v1/jobs/" + "j".repeat(200)).jobId()).isNull();
    }
}
