package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.BatchCondition.Outcome;
import io.multidb.sql.StreamRequest.NamedArg;
import io.multidb.sql.StreamRequest.SqlSource;
import io.multidb.sql.StreamRequest.Stmt;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HTTP pipeline request on one borrowed connection: runs its requests in order, each to an ok or error result,
 * keeping the request's stored SQL and its count against the statement limit. The work is done by its parts:
 * {@link StatementRunner} runs each statement (the hot path), {@link StreamTransaction} follows a transaction
 * that may outlive the request (with streams on), {@link StatementDescriber} answers describe, and
 * {@link ConnectionReset} puts the connection back as it was lent.
 */
final class PipelineSession {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** SQL texts split and analysed before, shared by every request: the tokenizer showed in the profile. */
    private static final Map<String, List<SqlStatement>> PARSED = new ConcurrentHashMap<>();
    private static final int MAX_PARSED = 1_024;
    /** Longer texts are split again each time: bounds the memory the cache holds (tokens included). */
    private static final int MAX_PARSED_LENGTH = 1_024;

    private final StatementRunner runner;
    /** null: streams off (a transaction cannot outlive the request). */
    private final StreamTransaction stream;
    /** The cache ends with this session (the connection was lent without one). */
    private final boolean ownsCache;
    private final Map<Integer, String> storedSql = new HashMap<>();
    private int statementCount;

    /**
     * @param streams   follow and log transactions, so that one left open can continue in a later request
     * @param ownsCache finalize the cache's statements at {@link #close} (the connection is not pooled with it)
     */
    PipelineSession(ConnectionCache cache, ExecutionPolicy policy, SqlLimits limits, boolean streams,
                    boolean ownsCache) {
        this.runner = new StatementRunner(cache, policy, limits);
        this.stream = streams ? new StreamTransaction(runner, PipelineSession::parse) : null;
        this.ownsCache = ownsCache;
    }

    /** The statements of a SQL text; immutable, so shared between requests and threads. */
    static List<SqlStatement> parse(String sql) {
        List<SqlStatement> s = PARSED.get(sql);
        if (s != null) {
            return s;
        }
        s = SqlStatement.split(sql);
        if (sql.length() <= MAX_PARSED_LENGTH) {
            if (PARSED.size() >= MAX_PARSED) {
                PARSED.clear();
            }
            PARSED.put(sql, s);
        }
        return s;
    }

    boolean writeRefused() {
        return runner.writeRefused;
    }

    /** Runs one request; a failure the client caused becomes its error result. */
    ObjectNode run(StreamRequest request) {
        try {
            ObjectNode response = switch (request) {
                case StreamRequest.Execute e -> {
                    reserve(1);
                    ObjectNode r = response(e.type());
                    r.set("result", execute(e.stmt()));
                    yield r;
                }
                case StreamRequest.Batch b -> batch(b);
                case StreamRequest.Sequence s -> sequence(s);
                case StreamRequest.Describe d -> {
                    reserve(1);
                    ObjectNode r = response(d.type());
                    r.set("result", StatementDescriber.describe(runner, single(resolve(d.source()))));
                    yield r;
                }
                case StreamRequest.StoreSql s -> {
                    if (storedSql.putIfAbsent(s.sqlId(), s.sql()) != null) {
                        throw new StatementFailure(SqlErrorCodes.SQL_EXISTS, "SQL text " + s.sqlId()
                                + " is already stored; close_sql it first or use another sql_id.");
                    }
                    yield response(s.type());
                }
                case StreamRequest.CloseSql c -> {
                    storedSql.remove(c.sqlId());
                    yield response(c.type());
                }
                case StreamRequest.Close c -> {
                    endStream();
                    yield response(c.type());
                }
                case StreamRequest.Unsupported u -> throw new StatementFailure(SqlErrorCodes.NOT_SUPPORTED,
                        "The " + u.type() + " request belongs to Hrana 3; this server speaks Hrana 2 over HTTP.");
            };
            ObjectNode result = JSON.objectNode();
            result.put("type", "ok");
            result.set("response", response);
            return result;
        } catch (StatementFailure f) {
            ObjectNode result = JSON.objectNode();
            result.put("type", "error");
            result.set("error", errorJson(f));
            return result;
        }
    }

    private ObjectNode batch(StreamRequest.Batch b) {
        if (b.usesIsAutocommit()) {
            throw new StatementFailure(SqlErrorCodes.NOT_SUPPORTED, "The is_autocommit batch condition belongs "
                    + "to Hrana 3; this server speaks Hrana 2 over HTTP.");
        }
        int n = b.steps().size();
        reserve(n);
        Outcome[] outcomes = new Outcome[n];
        Arrays.fill(outcomes, Outcome.SKIPPED);
        ArrayNode results = JSON.arrayNode(n);
        ArrayNode errors = JSON.arrayNode(n);
        for (int i = 0; i < n; i++) {
            StreamRequest.BatchStep step = b.steps().get(i);
            if (step.condition() != null && !step.condition().holds(outcomes)) {
                results.addNull();
                errors.addNull();
                continue;
            }
            try {
                results.add(execute(step.stmt()));
                errors.addNull();
                outcomes[i] = Outcome.OK;
            } catch (StatementFailure f) {
                results.addNull();
                errors.add(errorJson(f));
                outcomes[i] = Outcome.ERROR;
            }
        }
        ObjectNode r = response(b.type());
        ObjectNode result = r.putObject("result");
        result.set("step_results", results);
        result.set("step_errors", errors);
        return r;
    }

    private ObjectNode sequence(StreamRequest.Sequence s) {
        List<SqlStatement> statements = parse(resolve(s.source()));
        reserve(statements.size());
        for (SqlStatement st : statements) {
            runStatement(st, List.of(), List.of(), false, false);
        }
        return response(s.type());
    }

    /** One statement of an execute or a batch step. */
    private ObjectNode execute(Stmt stmt) {
        SqlStatement st = single(resolve(stmt.source()));
        return runStatement(st, stmt.args(), stmt.namedArgs(), stmt.wantRows(), true);
    }

    /** The one statement of a text that must hold exactly one. */
    private static SqlStatement single(String sql) {
        List<SqlStatement> statements = parse(sql);
        if (statements.isEmpty()) {
            throw new StatementFailure(ProtocolCodes.SQL_NO_STATEMENT, "SQL string does not contain any statement");
        }
        if (statements.size() > 1) {
            throw new StatementFailure(ProtocolCodes.SQL_MANY_STATEMENTS, "SQL string contains more than one "
                    + "statement; run several with a batch, or with a sequence (executeMultiple)");
        }
        return statements.get(0);
    }

    /**
     * @param seen false for statements of a sequence: the client learns only whether they worked
     */
    private ObjectNode runStatement(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows,
                                    boolean seen) {
        if (stream == null) {
            return runner.run(st, args, named, wantRows);
        }
        StreamTransaction.Ran ran = stream.run(st, args, named, wantRows, seen);
        if (ran.failure() != null) {
            throw ran.failure();
        }
        return ran.result();
    }

    private String resolve(SqlSource source) {
        if (source.sql() != null) {
            return source.sql();
        }
        String sql = storedSql.get(source.sqlId());
        if (sql == null) {
            throw new StatementFailure(SqlErrorCodes.SQL_NOT_FOUND, "SQL text " + source.sqlId() + " is not "
                    + "stored: store_sql it earlier in the same HTTP request (stored SQL does not outlive a request "
                    + "on this server).");
        }
        return sql;
    }

    private void reserve(int statements) {
        SqlLimits limits = runner.limits;
        if ((long) statementCount + statements > limits.maxStatementsPerRequest()) {
            throw new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "This HTTP request would run more than "
                    + limits.maxStatementsPerRequest() + " statements; send the work in several requests.");
        }
        statementCount += statements;
    }

    /** A close request: the stream ends, and with it its transaction and its stored SQL. */
    private void endStream() {
        runner.rollbackIfOpen();
        runner.endReadonlyTransaction();
        storedSql.clear();
    }

    /** Whether the requests left a transaction open (checked only if one of them may have opened one). */
    boolean transactionLeftOpen() {
        return runner.transactionLeftOpen();
    }

    // ---- streams (only when constructed with streams on) ----

    /** Rebuilds a stream before the request's own work: its stored SQL, its settings, its open transaction. */
    void resume(StreamState state, StreamTransaction.StreamGate gate) {
        storedSql.putAll(state.storedSql());
        stream.resume(state, gate);
    }

    /** Whether the requests left a transaction open, checked against the connection. */
    boolean streamTransactionOpen() {
        return stream.open();
    }

    /** Whether the open transaction has made a change (a write statement that worked). */
    boolean streamWrote() {
        return stream.wrote();
    }

    /** What the stream carries to its next request. */
    StreamState streamState() {
        return stream.state(storedSql);
    }

    /**
     * Leaves the connection as the pool lent it (see {@link ConnectionReset}). Throws
     * {@link io.multidb.storage.StorageException} if that fails; the caller then discards the connection.
     */
    void close() {
        ConnectionReset.reset(runner, ownsCache);
    }

    private static ObjectNode response(String type) {
        ObjectNode r = JSON.objectNode();
        r.put("type", type);
        return r;
    }

    private static ObjectNode errorJson(StatementFailure f) {
        ObjectNode e = JSON.objectNode();
        e.put("message", f.getMessage());
        e.put("code", f.code());
        return e;
    }
}
