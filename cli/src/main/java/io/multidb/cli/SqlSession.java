package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One database's SQL over libSQL's HTTP protocol v2 ({@code POST /db/{name}/v2/pipeline}). A statement outside a
 * transaction is one request that also closes its stream; from BEGIN (or SAVEPOINT) until the transaction ends the
 * session keeps the stream's baton, so an interactive transaction works as in any libSQL client.
 */
final class SqlSession implements AutoCloseable {
    private final Api api;
    private final String database;
    private String baton;

    SqlSession(Api api, String database) {
        this.api = api;
        this.database = database;
    }

    String database() {
        return database;
    }

    /** The outcome of one statement: columns and rows, or the libSQL error the server returned. */
    sealed interface Outcome permits Rows, Failure {
    }

    /** @param values Hrana values as the server sent them ({"type","value"|"base64"}) */
    record Rows(List<String> columns, List<List<JsonNode>> values, long affectedRows, String lastInsertRowid)
            implements Outcome {
    }

    record Failure(String code, String message) implements Outcome {
        /** The migration job a write on a schema database became, if the message names one. */
        String jobId() {
            var m = java.util.regex.Pattern.compile("migration job ([a-z0-9][a-z0-9-]*)").matcher(message);
            return m.find() ? m.group(1) : null;
        }
    }

    boolean inTransaction() {
        return baton != null;
    }

    Outcome execute(String sql) {
        Verb verb = Verb.of(sql);
        boolean keep = baton != null || verb == Verb.BEGIN || verb == Verb.SAVEPOINT;
        ObjectNode body = Api.object();
        if (baton != null) {
            body.put("baton", baton);
        }
        ArrayNode requests = body.putArray("requests");
        ObjectNode exec = requests.addObject().put("type", "execute");
        exec.putObject("stmt").put("sql", sql).put("want_rows", true);
        if (!keep) {
            requests.addObject().put("type", "close");
        }
        JsonNode response;
        try {
            response = api.post("/db/" + Api.enc(database) + "/v2/pipeline", body);
        } catch (CliException e) {
            baton = null; // the stream is gone (expired, conflict): the transaction ended on the server
            depth = 0;
            throw e;
        }
        Outcome outcome = outcome(response.path("results").path(0));
        if (keep) {
            String next = response.path("baton").isTextual() ? response.get("baton").asText() : null;
            // Protocol v2 has no get_autocommit: the transaction's end is read from the statements that end one.
            boolean ok = outcome instanceof Rows;
            if (ok) {
                switch (verb) {
                    case BEGIN -> depth = Math.max(depth, 1);
                    case SAVEPOINT -> depth++;
                    case RELEASE -> depth = Math.max(0, depth - 1);
                    case END -> depth = 0;
                    default -> {
                    }
                }
            } else if (baton == null) {
                depth = 0; // BEGIN itself failed
            }
            if (next == null || depth == 0) {
                baton = next;
                closeStream(next);
            } else {
                baton = next;
            }
        }
        return outcome;
    }

    private int depth;

    /** The statements that open or end a transaction. */
    private enum Verb {
        BEGIN, SAVEPOINT, RELEASE, END, OTHER;

        static Verb of(String sql) {
            String text = sql.strip();
            if (text.isEmpty()) {
                return OTHER;
            }
            String[] words = text.toUpperCase(Locale.ROOT).split("[\\s;]+");
            return switch (words[0]) {
                case "BEGIN" -> BEGIN;
                case "SAVEPOINT" -> SAVEPOINT;
                case "RELEASE" -> RELEASE;
                case "COMMIT", "END" -> END;
                case "ROLLBACK" -> words.length > 1 && (words[1].equals("TO")
                        || words.length > 2 && words[1].equals("TRANSACTION") && words[2].equals("TO")) ? OTHER : END;
                default -> OTHER;
            };
        }
    }

    private void closeStream(String open) {
        baton = null;
        if (open == null) {
            return;
        }
        ObjectNode body = Api.object().put("baton", open);
        body.putArray("requests").addObject().put("type", "close");
        try {
            api.post("/db/" + Api.enc(database) + "/v2/pipeline", body);
        } catch (CliException e) {
            // The stream expires on its own after 30 s idle.
        }
    }

    private static Outcome outcome(JsonNode result) {
        if (result.path("type").asText().equals("error")) {
            JsonNode e = result.path("error");
            return new Failure(e.path("code").asText("UNKNOWN"), e.path("message").asText(""));
        }
        JsonNode r = result.path("response").path("result");
        List<String> cols = new ArrayList<>();
        for (JsonNode c : r.path("cols")) {
            cols.add(c.path("name").isNull() ? "" : c.path("name").asText());
        }
        List<List<JsonNode>> rows = new ArrayList<>();
        for (JsonNode row : r.path("rows")) {
            List<JsonNode> values = new ArrayList<>(cols.size());
            row.forEach(values::add);
            rows.add(values);
        }
        JsonNode rowid = r.path("last_insert_rowid");
        return new Rows(cols, rows, r.path("affected_row_count").asLong(0), rowid.isNull() || rowid.isMissingNode() ? null : rowid.asText());
    }

    /** A value as text: NULL for null, the number, the text, X'..' for a blob. */
    static String display(JsonNode v, String nullText) {
        return switch (v.path("type").asText()) {
            case "null" -> nullText;
            case "integer", "text" -> v.path("value").asText();
            case "float" -> {
                double d = v.path("value").asDouble();
                yield d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d);
            }
            case "blob" -> {
                byte[] bytes = java.util.Base64.getDecoder().decode(v.path("base64").asText(""));
                StringBuilder b = new StringBuilder("X'");
                for (byte x : bytes) {
                    b.append(String.format("%02X", x));
                }
                yield b.append('\'').toString();
            }
            default -> v.toString();
        };
    }

    /** A value as JSON: numbers as numbers (integers as text past 2^53 would lose digits, so kept exact). */
    static JsonNode json(JsonNode v) {
        var f = Api.JSON.getNodeFactory();
        return switch (v.path("type").asText()) {
            case "null" -> f.nullNode();
            case "integer" -> f.numberNode(new java.math.BigInteger(v.path("value").asText("0")));
            case "float" -> f.numberNode(v.path("value").asDouble());
            case "text" -> f.textNode(v.path("value").asText());
            case "blob" -> f.textNode(v.path("base64").asText());
            default -> v;
        };
    }

    @Override
    public void close() {
        closeStream(baton);
    }
}
