package io.multidb.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** A fake API handler: keeps what it was called with and answers what the test sets. */
final class RecordingHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    final List<APIGatewayV2HTTPEvent> events = new CopyOnWriteArrayList<>();
    final List<Context> contexts = new CopyOnWriteArrayList<>();
    volatile BiFunction<APIGatewayV2HTTPEvent, Context, APIGatewayV2HTTPResponse> respond = (e, c) -> ok("{}");

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        events.add(event);
        contexts.add(context);
        return respond.apply(event, context);
    }

    void reset() {
        events.clear();
        contexts.clear();
        respond = (e, c) -> ok("{}");
    }

    APIGatewayV2HTTPEvent only() {
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    static APIGatewayV2HTTPResponse ok(String json) {
        APIGatewayV2HTTPResponse response = new APIGatewayV2HTTPResponse();
        response.setStatusCode(200);
        response.setHeaders(Map.of("Content-Type", "application/json"));
        response.setBody(json);
        return response;
    }
}
