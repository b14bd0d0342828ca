package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.MultidbException;
import io.multidb.sql.StreamRequest.BatchStep;
import io.multidb.sql.StreamRequest.NamedArg;
import io.multidb.sql.StreamRequest.SqlSource;
import io.multidb.sql.StreamRequest.Stmt;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pipeline body ({@code {"baton":..., "requests":[...]}}) into {@link StreamRequest}s, checking every
 * shape before anything runs: a body this class refuses runs no statement at all. Unknown fields are ignored, as
 * the libSQL server does, so newer clients keep working.
 */
final class ProtocolParser {

    private ProtocolParser() {
    }

    /**
     * A parsed body.
     *
     * @param baton null: a new stream; else the baton of the stream this request continues (not yet verified)
     */
    record Pipeline(String baton, List<StreamRequest> requests) {
    }

    /** The requests of a body (its baton, if any, is the caller's business). */
    static List<StreamRequest> parse(JsonNode body, int maxRequests) {
        return pipeline(body, maxRequests).requests();
    }

    static Pipeline pipeline(JsonNode body, int maxRequests) {
        if (body == null || !body.isObject()) {
            throw MultidbException.invalid("The pipeline body must be a JSON object {\"requests\": [...]}.");
        }
        JsonNode baton = body.get("baton");
        if (baton != null && !baton.isNull() && !baton.isTextual()) {
            throw MultidbException.invalid("\"baton\" must be a string or null.");
        }
        JsonNode requests = body.get("requests");
        if (requests == null || !requests.isArray()) {
            throw MultidbException.invalid("The pipeline body needs a \"requests\" array.");
        }
        if (requests.size() > maxRequests) {
            throw MultidbException.invalid("The pipeline has " + requests.size() + " requests; at most "
                    + maxRequests + " are accepted in one HTTP request. Send fewer at a time.");
        }
        List<StreamRequest> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            StreamRequest r = request(requests.get(i), "requests[" + i + "]");
            if (r instanceof StreamRequest.Close && i != requests.size() - 1) {
                throw MultidbException.invalid("requests[" + i + "]: \"close\" ends the stream, so it must be "
                        + "the last request of the pipeline.");
            }
            out.add(r);
        }
        return new Pipeline(baton == null || baton.isNull() ? null : baton.textValue(), out);
    }

    private static StreamRequest request(JsonNode node, String where) {
        if (!node.isObject()) {
            throw MultidbException.invalid(where + " must be an object with a \"type\".");
        }
        String type = text(node, "type", where, true);
        return switch (type) {
            case "execute" -> new StreamRequest.Execute(stmt(object(node, "stmt", where), where + ".stmt"));
            case "batch" -> batch(object(node, "batch", where), where + ".batch");
            case "sequence" -> new StreamRequest.Sequence(source(node, where));
            case "store_sql" -> new StreamRequest.StoreSql(sqlId(node, where), text(node, "sql", where, true));
            case "close_sql" -> new StreamRequest.CloseSql(sqlId(node, where));
            case "close" -> new StreamRequest.Close();
            case "describe" -> new StreamRequest.Describe(source(node, where));
            case "get_autocommit" -> new StreamRequest.GetAutocommit();
            default -> throw MultidbException.invalid(where + ": unknown request type \"" + type + "\". This "
                    + "server speaks Hrana 2 over HTTP: execute, batch, sequence, describe, store_sql, close_sql, "
                    + "close.");
        };
    }

    private static StreamRequest.Batch batch(JsonNode batch, String where) {
        JsonNode steps = batch.get("steps");
        if (steps == null || !steps.isArray()) {
            throw MultidbException.invalid(where + " needs a \"steps\" array.");
        }
        List<BatchStep> out = new ArrayList<>(steps.size());
        boolean[] isAutocommit = {false};
        for (int i = 0; i < steps.size(); i++) {
            String at = where + ".steps[" + i + "]";
            JsonNode step = steps.get(i);
            if (!step.isObject()) {
                throw MultidbException.invalid(at + " must be an object with a \"stmt\".");
            }
            JsonNode cond = step.get("condition");
            BatchCondition condition = cond == null || cond.isNull()
                    ? null : condition(cond, i, at + ".condition", isAutocommit, 0);
            out.add(new BatchStep(condition, stmt(object(step, "stmt", at), at + ".stmt")));
        }
        return new StreamRequest.Batch(List.copyOf(out), isAutocommit[0]);
    }

    private static BatchCondition condition(JsonNode node, int stepIndex, String where, boolean[] isAutocommit,
                                            int depth) {
        if (depth > 100) {
            throw MultidbException.invalid(where + ": conditions are nested too deeply.");
        }
        if (!node.isObject()) {
            throw MultidbException.invalid(where + " must be an object with a \"type\".");
        }
        String type = text(node, "type", where, true);
        return switch (type) {
            case "ok", "error" -> {
                JsonNode step = node.get("step");
                if (step == null || !step.isIntegralNumber() || !step.canConvertToInt()
                        || step.intValue() < 0 || step.intValue() >= stepIndex) {
                    throw MultidbException.invalid(where + ": \"step\" must be the index of an earlier step "
                            + "(0 to " + (stepIndex - 1) + ").");
                }
                yield type.equals("ok") ? new BatchCondition.Ok(step.intValue())
                        : new BatchCondition.Error(step.intValue());
            }
            case "not" -> new BatchCondition.Not(
                    condition(object(node, "cond", where), stepIndex, where + ".cond", isAutocommit, depth + 1));
            case "and", "or" -> {
                JsonNode conds = node.get("conds");
                if (conds == null || !conds.isArray()) {
                    throw MultidbException.invalid(where + ": \"" + type + "\" needs a \"conds\" array.");
                }
                List<BatchCondition> list = new ArrayList<>(conds.size());
                for (int i = 0; i < conds.size(); i++) {
                    list.add(condition(conds.get(i), stepIndex, where + ".conds[" + i + "]", isAutocommit,
                            depth + 1));
                }
                yield type.equals("and") ? new BatchCondition.And(List.copyOf(list))
                        : new BatchCondition.Or(List.copyOf(list));
            }
            case "is_autocommit" -> {
                isAutocommit[0] = true;
                yield new BatchCondition.IsAutocommit();
            }
            default -> throw MultidbException.invalid(where + ": unknown condition type \"" + type
                    + "\"; use ok, error, not, and, or.");
        };
    }

    private static Stmt stmt(JsonNode node, String where) {
        SqlSource source = source(node, where);
        List<SqlValue> args = List.of();
        JsonNode a = node.get("args");
        if (a != null && !a.isNull()) {
            if (!a.isArray()) {
                throw MultidbException.invalid(where + ".args must be an array of values.");
            }
            List<SqlValue> list = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                list.add(SqlValue.fromJson(a.get(i), where + ".args[" + i + "]"));
            }
            args = list;
        }
        List<NamedArg> named = List.of();
        JsonNode n = node.get("named_args");
        if (n != null && !n.isNull()) {
            if (!n.isArray()) {
                throw MultidbException.invalid(where + ".named_args must be an array of {\"name\",\"value\"}.");
            }
            List<NamedArg> list = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) {
                String at = where + ".named_args[" + i + "]";
                JsonNode arg = n.get(i);
                if (!arg.isObject()) {
                    throw MultidbException.invalid(at + " must be an object {\"name\",\"value\"}.");
                }
                list.add(new NamedArg(text(arg, "name", at, true), SqlValue.fromJson(arg.get("value"), at + ".value")));
            }
            named = list;
        }
        boolean wantRows = true;
        JsonNode w = node.get("want_rows");
        if (w != null && !w.isNull()) {
            if (!w.isBoolean()) {
                throw MultidbException.invalid(where + ".want_rows must be true or false.");
            }
            wantRows = w.booleanValue();
        }
        return new Stmt(source, args, named, wantRows);
    }

    private static SqlSource source(JsonNode node, String where) {
        String sql = text(node, "sql", where, false);
        Integer sqlId = present(node, "sql_id") ? sqlId(node, where) : null;
        if (sql != null && sqlId != null) {
            throw MultidbException.invalid(where + " has both \"sql\" and \"sql_id\"; give one of them.");
        }
        if (sql == null && sqlId == null) {
            throw MultidbException.invalid(where + " needs \"sql\" (the SQL text) or \"sql_id\" (stored by "
                    + "store_sql).");
        }
        return sql != null ? SqlSource.inline(sql) : SqlSource.stored(sqlId);
    }

    private static int sqlId(JsonNode node, String where) {
        JsonNode id = node.get("sql_id");
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) {
            throw MultidbException.invalid(where + ": \"sql_id\" must be an integer.");
        }
        return id.intValue();
    }

    private static boolean present(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    private static JsonNode object(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isObject()) {
            throw MultidbException.invalid(where + " needs an object \"" + field + "\".");
        }
        return v;
    }

    private static String text(JsonNode node, String field, String where, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw MultidbException.invalid(where + " needs a string \"" + field + "\".");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw MultidbException.invalid(where + ": \"" + field + "\" must be a string.");
        }
        return v.textValue();
    }
}
