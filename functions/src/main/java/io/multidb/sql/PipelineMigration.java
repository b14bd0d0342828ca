package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import io.multidb.sql.BatchCondition.Outcome;
import io.multidb.sql.SqlTokenizer.Token;
import io.multidb.sql.StreamRequest.NamedArg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns a pipeline sent to a schema database that has children into the text of one migration, and answers the
 * pipeline once the migration has ended.
 *
 * <p>The statements are taken in the order the pipeline would run them if every one succeeded: batch steps whose
 * condition would then be false (the client's "ROLLBACK if not ok(COMMIT)") are left out, stored SQL is resolved,
 * and arguments are written into the text as SQL literals (a migration runs the same text on every database; the
 * values are rendered exactly: integers and floats in full precision, text quoted with '' escaping, blobs as
 * X'..'). The ORM's BEGIN/COMMIT and PRAGMA foreign_keys around the statements are kept: the migration parser
 * knows what to do with them.
 */
public final class PipelineMigration {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private PipelineMigration() {
    }

    /** The migration text of a pipeline (statements separated by ";\n"). */
    public static String sql(JsonNode body, SqlLimits limits) {
        List<StreamRequest> requests = ProtocolParser.parse(body, limits.maxRequestsPerPipeline());
        Map<Integer, String> stored = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (StreamRequest r : requests) {
            switch (r) {
                case StreamRequest.StoreSql s -> stored.put(s.sqlId(), s.sql());
                case StreamRequest.CloseSql c -> stored.remove(c.sqlId());
                case StreamRequest.Execute e -> out.add(render(e.stmt(), stored));
                case StreamRequest.Batch b -> {
                    Outcome[] outcomes = new Outcome[b.steps().size()];
                    for (int i = 0; i < outcomes.length; i++) {
                        StreamRequest.BatchStep step = b.steps().get(i);
                        boolean runs = step.condition() == null || step.condition().holds(outcomes);
                        outcomes[i] = runs ? Outcome.OK : Outcome.SKIPPED;
                        if (runs) {
                            out.add(render(step.stmt(), stored));
                        }
                    }
                }
                case StreamRequest.Sequence s -> out.add(text(s.source(), stored));
                case StreamRequest.Close c -> {
                }
                case StreamRequest.Unsupported u -> {
                }
            }
        }
        return String.join(";\n", out);
    }

    /**
     * The response to the pipeline after its migration succeeded: every request answered ok as if it had run,
     * with empty statement results (the statements ran as a migration across the family, not as queries).
     */
    public static ObjectNode succeeded(JsonNode body, SqlLimits limits) {
        List<StreamRequest> requests = ProtocolParser.parse(body, limits.maxRequestsPerPipeline());
        ArrayNode results = JSON.arrayNode();
        for (StreamRequest r : requests) {
            ObjectNode ok = results.addObject().put("type", "ok");
            ObjectNode response = ok.putObject("response").put("type", r.type());
            switch (r) {
                case StreamRequest.Execute e -> response.set("result", emptyResult());
                case StreamRequest.Batch b -> {
                    ObjectNode result = response.putObject("result");
                    ArrayNode stepResults = result.putArray("step_results");
                    ArrayNode stepErrors = result.putArray("step_errors");
                    Outcome[] outcomes = new Outcome[b.steps().size()];
                    for (int i = 0; i < outcomes.length; i++) {
                        BatchCondition cond = b.steps().get(i).condition();
                        boolean runs = cond == null || cond.holds(outcomes);
                        outcomes[i] = runs ? Outcome.OK : Outcome.SKIPPED;
                        if (runs) {
                            stepResults.add(emptyResult());
                        } else {
                            stepResults.addNull();
                        }
                        stepErrors.addNull();
                    }
                }
                default -> {
                }
            }
        }
        return envelope(results);
    }

    /** The response when the migration did not succeed: each request an error result with this code and message. */
    public static ObjectNode failed(JsonNode body, SqlLimits limits, String code, String message) {
        List<StreamRequest> requests = ProtocolParser.parse(body, limits.maxRequestsPerPipeline());
        ArrayNode results = JSON.arrayNode();
        for (StreamRequest r : requests) {
            if (r instanceof StreamRequest.Close) {
                results.addObject().put("type", "ok").putObject("response").put("type", "close");
            } else {
                results.addObject().put("type", "error").putObject("error").put("message", message).put("code", code);
            }
        }
        return envelope(results);
    }

    private static ObjectNode envelope(ArrayNode results) {
        ObjectNode out = JSON.objectNode();
        out.putNull("baton");
        out.putNull("base_url");
        out.set("results", results);
        return out;
    }

    private static ObjectNode emptyResult() {
        ObjectNode r = JSON.objectNode();
        r.putArray("cols");
        r.putArray("rows");
        r.put("affected_row_count", 0);
        r.putNull("last_insert_rowid");
        r.put("rows_read", 0);
        r.put("rows_written", 0);
        r.put("query_duration_ms", 0.0);
        return r;
    }

    private static String text(StreamRequest.SqlSource source, Map<Integer, String> stored) {
        if (source.sql() != null) {
            return source.sql();
        }
        String s = stored.get(source.sqlId());
        if (s == null) {
            throw MultidbException.invalid("sql_id " + source.sqlId() + " was not stored earlier in this pipeline");
        }
        return s;
    }

    private static String render(StreamRequest.Stmt stmt, Map<Integer, String> stored) {
        String sql = text(stmt.source(), stored);
        if (stmt.args().isEmpty() && stmt.namedArgs().isEmpty()) {
            return sql;
        }
        List<SqlStatement> statements = SqlStatement.split(sql);
        if (statements.size() != 1) {
            throw MultidbException.invalid("a statement with arguments must be exactly one statement");
        }
        SqlStatement st = statements.get(0);
        Map<String, SqlValue> byName = new HashMap<>();
        for (NamedArg a : stmt.namedArgs()) {
            byName.put(a.name(), a.value());
        }
        // Numbers parameters as SQLite does (see SqlStatement.Parameters) while writing literals in their place.
        StringBuilder b = new StringBuilder();
        List<Token> tokens = st.tokens();
        int last = tokens.get(0).start();
        int count = 0;
        Map<String, Integer> numbers = new HashMap<>();
        for (Token t : tokens) {
            if (t.kind() != SqlTokenizer.Kind.VARIABLE) {
                continue;
            }
            b.append(sql, last, t.start());
            last = t.end();
            String v = t.text();
            int number;
            if (v.equals("?")) {
                number = ++count;
            } else if (v.charAt(0) == '?') {
                number = Integer.parseInt(v.substring(1));
                count = Math.max(count, number);
            } else {
                Integer known = numbers.get(v);
                number = known != null ? known : ++count;
                numbers.putIfAbsent(v, number);
            }
            SqlValue value;
            if (stmt.namedArgs().isEmpty()) {
                value = positional(stmt, number);
            } else {
                value = byName.get(v);
                if (value == null && v.length() > 1) {
                    value = byName.get(v.substring(1));
                }
                if (value == null) {
                    throw MultidbException.invalid("Arguments do not match SQL parameters: no value was given for " + v);
                }
            }
            b.append(literal(value));
        }
        b.append(sql, last, tokens.get(tokens.size() - 1).end());
        return b.toString();
    }

    private static SqlValue positional(StreamRequest.Stmt stmt, int n) {
        if (n < 1 || n > stmt.args().size()) {
            throw MultidbException.invalid("Arguments do not match SQL parameters: parameter " + n + " has no value");
        }
        return stmt.args().get(n - 1);
    }

    static String literal(SqlValue v) {
        return switch (v) {
            case SqlValue.Null n -> "NULL";
            case SqlValue.Integer i -> Long.toString(i.value());
            case SqlValue.Float f -> Double.isFinite(f.value()) ? Double.toString(f.value())
                    : f.value() > 0 ? "9e999" : "-9e999";
            case SqlValue.Text t -> "'" + t.value().replace("'", "''") + "'";
            case SqlValue.Blob b -> "X'" + HexFormat.of().formatHex(b.value()) + "'";
        };
    }
}
