package io.multidb.infra;

import java.util.List;

import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegrationProps;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The HTTP API (API Gateway v2) in front of the API function: the control plane under /v1 (what
 * {@code @tursodatabase/api} calls with baseUrl https://HOST/v1/) and the data plane under /db (what
 * {@code @libsql/client} calls with url https://HOST/db/NAME/), and the web console under /console (same origin
 * as the API it calls). Other paths never reach Lambda: API Gateway answers them 404 itself. No CORS: the only
 * browser client is the console, served from the API's own origin.
 */
final class Api {

    /** The two planes, and the web console the API function serves (its files and the reads it needs). */
    static final List<String> PATHS = List.of("/v1/{proxy+}", "/db/{proxy+}", "/console", "/console/{proxy+}");

    /**
     * Steady rate and burst for the whole API (the account default is 10,000 rps). Every request runs SQLite on
     * EFS, so the limit protects the file system's throughput and caps what a runaway client costs; raise it
     * together with the functions' concurrency when traffic grows.
     */
    static final int RATE_LIMIT = 100;
    static final int BURST_LIMIT = 200;

    /** One JSON object per request, with the fields needed to follow a request into the function's logs. */
    static final String ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\","
            + "\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\","
            + "\"method\":\"$context.httpMethod\",\"path\":\"$context.path\",\"routeKey\":\"$context.routeKey\","
            + "\"status\":\"$context.status\",\"protocol\":\"$context.protocol\","
            + "\"responseLength\":\"$context.responseLength\",\"latency\":\"$context.responseLatency\","
            + "\"integrationLatency\":\"$context.integrationLatency\","
            + "\"integrationError\":\"$context.integrationErrorMessage\"}";

    final HttpApi httpApi;
    final HttpStage stage;
    final LogGroup accessLogs;

    Api(Construct scope, Functions.Deployed api) {
        httpApi = HttpApi.Builder.create(scope, "HttpApi")
                .description("multidb: Turso-compatible control plane and libSQL HTTP data plane")
                .createDefaultStage(false) // made below, with throttling and access logs
                .build();

        HttpLambdaIntegration integration = new HttpLambdaIntegration("ApiFunctionIntegration", api.alias(),
                HttpLambdaIntegrationProps.builder().payloadFormatVersion(PayloadFormatVersion.VERSION_2_0).build());
        for (String path : PATHS) {
            httpApi.addRoutes(AddRoutesOptions.builder()
                    .path(path)
                    .methods(List.of(HttpMethod.ANY))
                    .integration(integration)
                    .build());
        }

        accessLogs = Retention.logGroup(scope, "HttpApiAccessLogs", null);
        stage = HttpStage.Builder.create(scope, "HttpApiDefaultStage")
                .httpApi(httpApi)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder().rateLimit(RATE_LIMIT).burstLimit(BURST_LIMIT).build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public IAccessLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        return AccessLogFormat.custom(ACCESS_LOG_FORMAT);
                    }
                })
                .build();
    }
}
