package io.multidb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Sends what {@code @libsql/client} 0.18 sends over Hrana 2 for {@code client.transaction(mode)}: the first call
 * {@code [store_sql, batch{BEGIN <mode>; stmt if ok}]}, later calls {@code [store_sql?, batch{stmt}]} with the
 * SQL cached by sql_id, {@code commit()} as {@code [execute COMMIT, close]}, {@code rollback()} as
 * {@code [execute ROLLBACK, close]}. Each HTTP request goes through {@code transport}, which may be any instance.
 */
final class StreamClient {
    private final Map<String, Integer> sqlIds = new HashMap<>();
    private int nextSqlId;
    String baton;
    private boolean started;
    private final String begin;

    StreamClient(String beginSql) {
        this.begin = beginSql;
    }

    /** Sends one pipeline with the current baton and keeps the baton of the answer. */
    JsonNode send(Function<JsonNode, JsonNode> transport, JsonNode... requests) {
        ObjectNode body = Harness.F.objectNode();
        if (baton != null) {
            body.put("baton", baton);
        } else {
            body.putNull("baton");
        }
        ArrayNode list = body.putArray("requests");
        for (JsonNode r : requests) {
            list.add(r);
        }
        JsonNode out = transport.apply(body);
        assertThat(out.get("results")).hasSize(requests.length);
        baton = out.get("baton").isNull() ? null : out.get("baton").asText();
        return out;
    }

    /** tx.execute(sql, args): answers the statement's StmtResult, or its error object under "error". */
    JsonNode execute(Function<JsonNode, JsonNode> transport, String sql, JsonNode... args) {
        ObjectNode stmt = Harness.F.objectNode();
        Integer id = sqlIds.get(sql);
        ObjectNode store = null;
        if (id == null) {
            id = nextSqlId++;
            sqlIds.put(sql, id);
            store = Harness.storeSql(id, sql);
        }
        stmt.put("sql_id", id);
        ArrayNode a = stmt.putArray("args");
        for (JsonNode v : args) {
            a.add(v);
        }
        stmt.putArray("named_args");
        stmt.put("want_rows", true);
        ObjectNode batch = Harness.F.objectNode();
        batch.put("type", "batch");
        ArrayNode steps = batch.putObject("batch").putArray("steps");
        int stmtStep = 0;
        if (!started) {
            steps.addObject().set("stmt", Harness.stmt(begin).put("want_rows", false));
            stmtStep = 1;
            started = true;
        }
        ObjectNode s = steps.addObject();
        if (stmtStep == 1) {
            s.set("condition", Harness.ok(0));
        }
        s.set("stmt", stmt);
        JsonNode out = store != null ? send(transport, store, batch) : send(transport, batch);
        JsonNode result = out.at("/results/" + (store != null ? 1 : 0));
        assertThat(result.get("type").asText()).as(result.toString()).isEqualTo("ok");
        JsonNode step = result.at("/response/result/step_results/" + stmtStep);
        if (step.isNull()) {
            ObjectNode e = Harness.F.objectNode();
            e.set("error", result.at("/response/result/step_errors/" + stmtStep));
            return e;
        }
        return step;
    }

    /** commit(): the COMMIT's result (ok or error), the stream closed. */
    JsonNode commit(Function<JsonNode, JsonNode> transport) {
        JsonNode out = send(transport, Harness.execute("COMMIT"), Harness.closeReq());
        assertThat(baton).isNull();
        return out.at("/results/0");
    }

    JsonNode rollback(Function<JsonNode, JsonNode> transport) {
        JsonNode out = send(transport, Harness.execute("ROLLBACK"), Harness.closeReq());
        assertThat(baton).isNull();
        return out.at("/results/0");
    }
}
