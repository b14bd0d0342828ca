package io.multidb.infra;

import static io.multidb.infra.Synthesized.getAtt;
import static io.multidb.infra.Synthesized.props;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The HTTP API: routes for both planes to the API alias, payload 2.0, throttled, logged, no CORS. */
class ApiTest {

    private final Synthesized s = Synthesized.get();

    @Test
    void httpApiWithoutCors() {
        assertThat(s.ofType("AWS::ApiGatewayV2::Api").values()).singleElement().satisfies(api ->
                assertThat(props(api)).containsEntry("ProtocolType", "HTTP").doesNotContainKey("CorsConfiguration"));
    }

    @Test
    void controlPlaneAndDataPlaneRoutesGoToTheApiFunction() {
        String integration = s.ofType("AWS::ApiGatewayV2::Integration").keySet().iterator().next();
        assertThat(props(s.resource(integration))).containsEntry("IntegrationType", "AWS_PROXY")
                .containsEntry("PayloadFormatVersion", "2.0");
        assertThat(s.ofType("AWS::ApiGatewayV2::Route").values())
                .extracting(r -> props(r).get("RouteKey"))
                .containsExactlyInAnyOrder("ANY /v1/{proxy+}", "ANY /db/{proxy+}", "ANY /console", "ANY /console/{proxy+}");
        assertThat(s.ofType("AWS::ApiGatewayV2::Route").values()).allSatisfy(r ->
                assertThat(props(r).get("Target").toString()).contains(integration));
    }

    @Test
    void defaultStageIsThrottledAndLogged() {
        assertThat(s.ofType("AWS::ApiGatewayV2::Stage").values()).singleElement().satisfies(stage -> {
            Map<String, Object> p = props(stage);
            assertThat(p).containsEntry("StageName", "$default").containsEntry("AutoDeploy", true);
            @SuppressWarnings("unchecked")
            Map<String, Object> route = (Map<String, Object>) p.get("DefaultRouteSettings");
            assertThat(((Number) route.get("ThrottlingRateLimit")).intValue()).isEqualTo(100);
            assertThat(((Number) route.get("ThrottlingBurstLimit")).intValue()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> logs = (Map<String, Object>) p.get("AccessLogSettings");
            assertThat(logs).containsEntry("DestinationArn", getAtt(s.logicalId(s.stack.api.accessLogs), "Arn"));
            assertThat(logs.get("Format").toString()).contains("$context.requestId").contains("$context.status");
        });
    }
}
