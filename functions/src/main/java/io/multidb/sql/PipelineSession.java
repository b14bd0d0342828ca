package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.sql.BatchCondition.Outcome;
import io.multidb.sql.SqlStatement.Analysis;
import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.SqlStatement.Parameters;
import io.multidb.sql.StreamRequest.NamedArg;
import io.multidb.sql.StreamRequest.SqlSource;
import io.multidb.sql.StreamRequest.Stmt;
import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteLimits;
import org.sqlite.core.CoreStatement;
import org.sqlite.core.DB;

/**
 * The state of one HTTP pipeline request on one borrowed connection: stored SQL, prepared statements, counters
 * against the limits, and everything that must be undone before the connection goes back to the pool (an open
 * transaction, query_only, changed settings, temporary objects, the progress handler).
 * <p>
 * With streams on, it also follows the transaction exactly (which statement opened it, whether it is still open)
 * and logs every statement run inside it with a digest of what the client saw, so that a later request can
 * rebuild the transaction on another connection ({@link #resume}) and prove that it sees the same results.
 */
final class PipelineSession {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String GUARD = "multidb_schema_guard";
    /** SQLite VM instructions between two deadline checks: rare enough to cost nothing, often enough to stop fast. */
    private static final int PROGRESS_INTERVAL = 1000;
    private static final int MAX_PREPARED = 64;

    private static final int SQLITE_INTEGER = 1;
    private static final int SQLITE_FLOAT = 2;
    private static final int SQLITE_TEXT = 3;
    private static final int SQLITE_BLOB = 4;

    private final SQLiteConnection connection;
    private final DB db;
    private final ExecutionPolicy policy;
    private final SqlLimits limits;
    private final long timeoutNanos;

    private final Map<Integer, String> storedSql = new HashMap<>();
    private final Map<String, List<SqlStatement>> parsed = new HashMap<>();
    private final Map<String, Long> savedSettings = new LinkedHashMap<>();
    private final Map<String, PreparedStatement> internal = new HashMap<>();
    /** The request's statements by text, so a batch or loop of the same statement prepares it once. */
    private final Map<String, PreparedStatement> prepared = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() > MAX_PREPARED) {
                closeQuietly(eldest.getValue());
                return true;
            }
            return false;
        }
    };

    private boolean ready;
    private int statementCount;
    private long rowsReturned;
    private long bytesReturned;
    private boolean writeRefused;
    /** False only when no transaction can be open: every statement that may open one sets it. */
    private boolean mayBeInTransaction;
    private boolean guardOpen;
    private boolean readonlyTransaction;
    private boolean queryOnly;
    private boolean createdObjects;

    /** Called before a continued stream does something that cannot be undone (see {@link Streams#claim}). */
    interface StreamGate {
        void claim();
    }

    /** Statement kinds that may change the file; a stream on a database that refuses stream writes checks them. */
    private static final Set<Kind> WRITES = Set.of(Kind.DML, Kind.DDL, Kind.MAINTENANCE, Kind.VACUUM, Kind.OTHER);
    /** Failures that say nothing about the data and leave the transaction as it was (or end it): never logged. */
    private static final Set<String> TRANSIENT = Set.of("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_INTERRUPT",
            "SQLITE_IOERR", "SQLITE_NOMEM", "SQLITE_FULL", "SQLITE_CORRUPT", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL",
            "SQLITE_NOTADB");

    private final boolean streams;
    private StreamGate gate;
    private boolean replaying;
    private boolean replayUnchecked;
    /** During a replay: the digest the statement being replayed had (it is checked to be the same again). */
    private String replayDigest;
    private String beginOverride;
    private boolean reachedSqlite;
    /** Exact when streams are on: a transaction is open on the connection. */
    private boolean txOpen;
    private boolean openedBySavepoint;
    private boolean txWrote;
    private Map<String, Long> txSettings = Map.of();
    private final List<Logged> txLog = new ArrayList<>();

    /**
     * A statement of the open transaction. The digest of a result is taken only if the stream outlives the
     * request (most transactions end in the request that began them): the result itself is in the response.
     */
    private record Logged(SqlStatement statement, List<SqlValue> args, List<NamedArg> named, boolean wantRows,
                          boolean seen, ObjectNode result, String digest, boolean unchecked) {
        StreamState.Entry entry() {
            String d = unchecked ? null
                    : digest != null ? digest : StreamState.digestOk(result, seen, statement.inserts());
            return new StreamState.Entry(statement.sql(), args, named, wantRows, seen, d);
        }
    }

    // Read by the progress handler, which SQLite calls on this thread while a statement runs.
    private boolean armed;
    private long deadline;
    private boolean timedOut;

    PipelineSession(SQLiteConnection connection, ExecutionPolicy policy, SqlLimits limits) {
        this(connection, policy, limits, false);
    }

    /** @param streams follow and log transactions, so that one left open can continue in a later request */
    PipelineSession(SQLiteConnection connection, ExecutionPolicy policy, SqlLimits limits, boolean streams) {
        this.streams = streams;
        this.connection = connection;
        this.db = connection.getDatabase();
        this.policy = policy;
        this.limits = limits;
        this.timeoutNanos = limits.statementTimeout().toNanos();
    }

    boolean writeRefused() {
        return writeRefused;
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
        List<SqlStatement> statements = SqlStatement.split(resolve(s.source()));
        reserve(statements.size());
        for (SqlStatement st : statements) {
            runStatement(st, List.of(), List.of(), false, false);
        }
        return response(s.type());
    }

    /** One statement of an execute or a batch step. */
    private ObjectNode execute(Stmt stmt) {
        String sql = resolve(stmt.source());
        List<SqlStatement> statements = parsed.computeIfAbsent(sql, SqlStatement::split);
        if (statements.isEmpty()) {
            throw new StatementFailure(ProtocolCodes.SQL_NO_STATEMENT, "SQL string does not contain any statement");
        }
        if (statements.size() > 1) {
            throw new StatementFailure(ProtocolCodes.SQL_MANY_STATEMENTS, "SQL string contains more than one "
                    + "statement; run several with a batch, or with a sequence (executeMultiple)");
        }
        return runStatement(statements.get(0), stmt.args(), stmt.namedArgs(), stmt.wantRows(), true);
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
        if ((long) statementCount + statements > limits.maxStatementsPerRequest()) {
            throw new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "This HTTP request would run more than "
                    + limits.maxStatementsPerRequest() + " statements; send the work in several requests.");
        }
        statementCount += statements;
    }

    /**
     * @param seen false for statements of a sequence: the client learns only whether they worked
     */
    private ObjectNode runStatement(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows,
                                    boolean seen) {
        if (!streams) {
            return execStatement(st, args, named, wantRows);
        }
        Ran ran = runTracked(st, args, named, wantRows, seen);
        if (ran.failure() != null) {
            throw ran.failure();
        }
        return ran.result();
    }

    private ObjectNode execStatement(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows) {
        Analysis a = st.analysis();
        if (a.refusal() != null) {
            throw new StatementFailure(SqlErrorCodes.STATEMENT_NOT_ALLOWED, a.refusal());
        }
        if (!args.isEmpty() && !named.isEmpty()) {
            throw new StatementFailure(ProtocolCodes.ARGS_BOTH_POSITIONAL_AND_NAMED,
                    "Specifying both positional and named arguments is not supported");
        }
        if (a.writesUserVersion() && policy.schemaChangeRefusal() != null) {
            throw new StatementFailure(SqlErrorCodes.SCHEMA_CHANGE_REFUSED, policy.schemaChangeRefusal());
        }
        ensureReady();
        String sql = st.sql();
        if (a.kind() == Kind.BEGIN && (a.readonlyBegin() || (a.beginTakesWriteLock() && !policy.writesAllowed()))) {
            // query_only refuses BEGIN IMMEDIATE itself; when nothing may be written, a deferred transaction
            // gives the same reads. BEGIN ... READONLY is libSQL syntax that SQLite does not have.
            sql = "BEGIN DEFERRED";
        } else if (a.kind() == Kind.BEGIN && beginOverride != null) {
            sql = beginOverride;
        }
        if (a.setting() != null) {
            saveSetting(a.setting());
        }
        if (a.createsObjects()) {
            createdObjects = true;
        }
        reachedSqlite = true;
        PreparedStatement ps = prepare(sql);
        bind(ps, a.parameters(), args, named);
        boolean guard = policy.schemaChangeRefusal() != null && a.kind().mayChangeSchema();
        long[] before = guard ? openGuard() : null;
        // VACUUM works by attaching a scratch database of its own, which the ATTACHED=0 limit forbids; the
        // sandbox has made sure this is a plain VACUUM, and no tenant code runs while it does.
        int attachedLimit = a.kind() == Kind.VACUUM ? setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 1) : -1;
        ObjectNode result;
        try {
            result = step(sql, ps, wantRows);
        } catch (StatementFailure f) {
            if (guard) {
                closeGuardAfterFailure();
            }
            if (readonlyTransaction && !inTransaction()) {
                endReadonlyTransaction(); // the failure rolled the transaction back
            }
            throw f;
        } finally {
            if (attachedLimit >= 0) {
                setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, attachedLimit);
            }
        }
        if (guard) {
            boolean changed = !Arrays.equals(before, schemaCookies());
            closeGuard(changed);
            if (changed) {
                throw new StatementFailure(SqlErrorCodes.SCHEMA_CHANGE_REFUSED, policy.schemaChangeRefusal());
            }
        }
        switch (a.kind()) {
            case BEGIN -> {
                mayBeInTransaction = true;
                if (a.readonlyBegin()) {
                    readonlyTransaction = true;
                    setQueryOnly(true);
                }
            }
            case SAVEPOINT -> mayBeInTransaction = true;
            case COMMIT, ROLLBACK -> {
                mayBeInTransaction = false;
                endReadonlyTransaction();
            }
            default -> {
            }
        }
        return result;
    }

    // ---- streams: following the transaction, logging it, rebuilding it ----

    /** What running one statement gave: a result or a failure (exactly one). */
    private record Ran(ObjectNode result, StatementFailure failure) {
    }

    private Ran runTracked(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows,
                           boolean seen) {
        Kind kind = st.analysis().kind();
        if (gate != null && (!txOpen || kind == Kind.COMMIT || (kind == Kind.RELEASE && openedBySavepoint))) {
            // This statement may commit, or runs outside the stream's transaction (in autocommit): the baton
            // must be spent first, so that a copy of it sent twice can never write twice.
            StreamGate g = gate;
            gate = null;
            g.claim();
        }
        boolean wasOpen = txOpen;
        reachedSqlite = false;
        timedOut = false;
        ObjectNode result = null;
        StatementFailure failure = null;
        try {
            result = execStatement(st, args, named, wantRows);
        } catch (StatementFailure f) {
            failure = f;
        }
        trackTransaction(kind, failure);
        if (txOpen && !wasOpen) {
            // The statement that opened the transaction starts its log, after the settings it began under.
            txSettings = currentSettings();
            txLog.clear();
            txWrote = false;
            txLog.add(new Logged(st, args, named, wantRows, seen, result, replayDigest, false));
        } else if (txOpen) {
            if (loggable(kind, failure)) {
                if (failure == null) {
                    txLog.add(new Logged(st, args, named, wantRows, seen, result, replayDigest, replayUnchecked));
                    if (WRITES.contains(kind) || st.analysis().writesUserVersion()) {
                        txWrote = true;
                    }
                } else if (failure.code().equals(SqlErrorCodes.LIMIT_EXCEEDED)) {
                    // A read cut off by a result limit: the client saw the limit, not the rows. Replay runs it
                    // without rows and does not check it (what it did to the data is the same either way).
                    txLog.add(new Logged(st, args, named, false, seen, null, null, true));
                } else {
                    txLog.add(new Logged(st, args, named, wantRows, seen, null,
                            StreamState.digestError(failure.code()), false));
                }
            }
        } else if (wasOpen) {
            txLog.clear();
            txSettings = Map.of();
            txWrote = false;
        }
        return new Ran(result, failure);
    }

    /** Keeps {@link #txOpen} exact: probes the connection only where a statement may have ended it implicitly. */
    private void trackTransaction(Kind kind, StatementFailure failure) {
        if (failure == null) {
            switch (kind) {
                case BEGIN -> {
                    if (!txOpen) {
                        txOpen = true;
                        openedBySavepoint = false;
                    }
                }
                case SAVEPOINT -> {
                    if (!txOpen) {
                        txOpen = true;
                        openedBySavepoint = true;
                    }
                }
                case COMMIT, ROLLBACK -> txOpen = false;
                // Releasing the outermost savepoint of a transaction a SAVEPOINT opened commits it.
                case RELEASE -> txOpen = txOpen && (!openedBySavepoint || inTransaction());
                default -> {
                }
            }
        } else if (txOpen) {
            // RAISE(ROLLBACK), ON CONFLICT ROLLBACK, an interrupted write, SQLITE_FULL... end the transaction.
            txOpen = inTransaction();
        }
    }

    /** Whether a statement run inside the open transaction belongs in its log. */
    private boolean loggable(Kind kind, StatementFailure failure) {
        if (failure == null) {
            return true;
        }
        return switch (kind) {
            // Failed transaction control changes nothing (a failed COMMIT leaves the transaction as it was).
            case BEGIN, COMMIT, ROLLBACK, ROLLBACK_TO, SAVEPOINT, RELEASE -> false;
            // Refused before SQLite saw it (sandbox, arguments): nothing happened, and it would be refused again.
            // A statement stopped by the time limit is undone (or took the transaction with it).
            default -> reachedSqlite && !timedOut && !TRANSIENT.contains(failure.code());
        };
    }

    /** The current values of the settings this request changed or was given by its stream. */
    private Map<String, Long> currentSettings() {
        if (savedSettings.isEmpty()) {
            return Map.of();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : savedSettings.keySet()) {
            try {
                out.put(name, queryLong("PRAGMA " + name));
            } catch (SQLException e) {
                throw new StorageException("cannot read PRAGMA " + name, e);
            }
        }
        return out;
    }

    /**
     * Rebuilds a stream on this connection before the request's own work: its stored SQL and settings, then its
     * open transaction, by running the logged statements again and checking that each gives what the client was
     * told before. Nothing of the replay reaches the response or counts against the request's limits.
     *
     * @param gate spent before anything that cannot be undone (see {@link Streams#claim})
     * @throws MultidbException STREAM_CONFLICT (a logged statement now gives something else: another writer
     *                          changed what the transaction read), BLOCKED (writes are now refused) or
     *                          LIMIT_EXCEEDED; the caller rolls back and ends the stream
     */
    void resume(StreamState state, StreamGate gate) {
        storedSql.putAll(state.storedSql());
        for (Map.Entry<String, Long> s : state.settings().entrySet()) {
            saveSetting(s.getKey());
            exec("PRAGMA " + s.getKey() + "=" + s.getValue());
        }
        List<StreamState.Entry> log = state.log();
        replaying = true;
        try {
            for (int i = 0; i < log.size(); i++) {
                StreamState.Entry e = log.get(i);
                List<SqlStatement> split = parsed.computeIfAbsent(e.sql(), SqlStatement::split);
                if (split.size() != 1) {
                    throw new IllegalStateException("a logged statement is not exactly one statement");
                }
                SqlStatement st = split.get(0);
                beginOverride = i == 0 && upgradeBegin(st, log) ? "BEGIN IMMEDIATE" : null;
                replayUnchecked = e.digest() == null;
                replayDigest = e.digest();
                Ran ran;
                try {
                    ran = runTracked(st, e.args(), e.named(), e.wantRows(), e.seen());
                } finally {
                    beginOverride = null;
                    replayUnchecked = false;
                    replayDigest = null;
                }
                if (e.digest() == null && ran.failure() != null) {
                    throw mismatch(i, e, ran.failure()); // it ran to the end before; now it fails
                }
                if (e.digest() != null) {
                    String got = ran.failure() == null ? StreamState.digestOk(ran.result(), e.seen(), st.inserts())
                            : StreamState.digestError(ran.failure().code());
                    if (!got.equals(e.digest())) {
                        throw mismatch(i, e, ran.failure());
                    }
                }
                if (!txOpen) {
                    // The transaction did not survive its own replay (a limit took it): it cannot go on.
                    throw mismatch(i, e, ran.failure());
                }
            }
        } finally {
            replaying = false;
            rowsReturned = 0;
            bytesReturned = 0;
        }
        this.gate = gate;
    }

    /**
     * A deferred transaction that has written takes the write lock at once when it is rebuilt: its reads and
     * writes now run back to back, so the results are the same, and SQLite's busy handler then waits for another
     * writer instead of failing the first write with SQLITE_BUSY (a read transaction cannot wait to upgrade).
     */
    private boolean upgradeBegin(SqlStatement st, List<StreamState.Entry> log) {
        Analysis a = st.analysis();
        if (a.kind() != Kind.BEGIN || a.readonlyBegin() || a.beginTakesWriteLock() || !policy.writesAllowed()) {
            return false;
        }
        for (StreamState.Entry e : log) {
            for (SqlStatement s : parsed.computeIfAbsent(e.sql(), SqlStatement::split)) {
                if (WRITES.contains(s.analysis().kind())) {
                    return true;
                }
            }
        }
        return false;
    }

    private MultidbException mismatch(int index, StreamState.Entry e, StatementFailure now) {
        String code = now != null ? now.code() : null;
        if (code != null && code.equals(policy.writeRefusalCode())) {
            writeRefused = true;
            return new MultidbException(ErrorKind.WRITES_BLOCKED, code, policy.writeRefusalMessage() != null
                    ? policy.writeRefusalMessage() : "Writes are refused on this database.");
        }
        if (SqlErrorCodes.LIMIT_EXCEEDED.equals(code)) {
            return new MultidbException(ErrorKind.LIMIT_EXCEEDED, code, "The transaction was rolled back: "
                    + "rebuilding it for this request, its statement " + (index + 1) + " hit a limit: "
                    + now.getMessage());
        }
        String sql = e.sql().length() > 80 ? e.sql().substring(0, 77) + "..." : e.sql();
        String why = "SQLITE_BUSY".equals(code)
                ? "the database stayed locked by another writer longer than the busy timeout"
                : "another writer changed data this transaction had read, or the statement uses a non-deterministic "
                        + "function such as random() or datetime('now')";
        return new MultidbException(ErrorKind.CONFLICT, SqlErrorCodes.STREAM_CONFLICT, "The transaction conflicts "
                + "with a change made since it began, and was rolled back: its statement " + (index + 1) + " ("
                + sql + ") no longer gives the result this client already received (" + why + "). Nothing of the "
                + "transaction was written. Run the transaction again.");
    }

    /**
     * Whether the requests left a transaction open, checked against the connection. Only with streams on.
     */
    boolean streamTransactionOpen() {
        boolean open = (txOpen || mayBeInTransaction || guardOpen) && inTransaction();
        if (open && !txOpen) {
            throw new IllegalStateException("a transaction is open that the stream did not see begin");
        }
        if (!open && txOpen) {
            txOpen = false;
            txLog.clear();
            txWrote = false;
        }
        return txOpen;
    }

    /** Whether the open transaction has made a change (a write statement that worked). */
    boolean streamWrote() {
        return txOpen && txWrote;
    }

    /** What the stream carries to its next request. */
    StreamState streamState() {
        return txOpen ? new StreamState(storedSql, txSettings, txLog.stream().map(Logged::entry).toList())
                : new StreamState(storedSql, currentSettings(), List.of());
    }

    /** Sets a SQLite limit and answers its previous value. */
    private int setLimit(SQLiteLimits limit, int value) {
        try {
            return db.limit(limit.getId(), value);
        } catch (SQLException e) {
            throw new StorageException("cannot set " + limit, e);
        }
    }

    private void ensureReady() {
        if (ready) {
            return;
        }
        ready = true;
        try {
            ProgressHandler.setHandler(connection, PROGRESS_INTERVAL, new ProgressHandler() {
                @Override
                protected int progress() {
                    if (armed && System.nanoTime() - deadline > 0) {
                        timedOut = true;
                        return 1;
                    }
                    return 0;
                }
            });
        } catch (SQLException e) {
            throw new StorageException("cannot set the progress handler", e);
        }
        if (!policy.writesAllowed()) {
            setQueryOnly(true);
        }
    }

    private PreparedStatement prepare(String sql) {
        PreparedStatement ps = prepared.get(sql);
        if (ps != null) {
            return ps;
        }
        try {
            ps = connection.prepareStatement(sql);
        } catch (SQLException e) {
            throw failure(e, true);
        }
        prepared.put(sql, ps);
        return ps;
    }

    private void bind(PreparedStatement ps, Parameters p, List<SqlValue> args, List<NamedArg> named) {
        try {
            int count = ps.getParameterMetaData().getParameterCount();
            if (named.isEmpty()) {
                if (args.size() != count) {
                    throw argsInvalid("the statement has " + count + " parameter(s) but " + args.size()
                            + " argument(s) were given");
                }
                for (int i = 0; i < count; i++) {
                    set(ps, i + 1, args.get(i));
                }
                return;
            }
            if (!p.valid() || p.count() != count) {
                throw argsInvalid("the names of this statement's parameters cannot be told; use positional "
                        + "arguments");
            }
            Map<String, SqlValue> byName = new HashMap<>();
            for (NamedArg arg : named) {
                byName.put(arg.name(), arg.value());
            }
            for (int i = 1; i <= count; i++) {
                String name = p.names()[i];
                if (p.anonymous()[i]) {
                    throw argsInvalid("parameter " + i + " is a bare ? and takes a positional argument");
                }
                if (name == null) {
                    set(ps, i, SqlValue.NULL); // a number no parameter uses (?2 without ?1)
                    continue;
                }
                SqlValue v = byName.get(name);
                if (v == null) {
                    v = byName.get(name.substring(1)); // "a" for :a, @a, $a
                }
                if (v == null) {
                    throw argsInvalid("no value was given for " + name);
                }
                set(ps, i, v);
            }
        } catch (SQLException e) {
            throw new StorageException("cannot bind arguments", e);
        }
    }

    private static StatementFailure argsInvalid(String detail) {
        return new StatementFailure(ProtocolCodes.ARGS_INVALID, "Arguments do not match SQL parameters: " + detail);
    }

    private static void set(PreparedStatement ps, int index, SqlValue value) throws SQLException {
        switch (value) {
            case SqlValue.Null n -> ps.setNull(index, Types.NULL);
            case SqlValue.Integer v -> ps.setLong(index, v.value());
            case SqlValue.Float v -> ps.setDouble(index, v.value());
            case SqlValue.Text v -> ps.setString(index, v.value());
            case SqlValue.Blob v -> ps.setBytes(index, v.value());
        }
    }

    /** Runs a bound statement to completion and builds its StmtResult. */
    private ObjectNode step(String sql, PreparedStatement ps, boolean wantRows) {
        CoreStatement core = (CoreStatement) ps;
        ArrayNode rows = JSON.arrayNode();
        ArrayNode cols;
        long rowsRead = 0;
        long changesBefore;
        long started;
        ResultSet rs = null;
        try {
            changesBefore = db.total_changes();
            started = System.nanoTime();
            deadline = started + timeoutNanos;
            timedOut = false;
            armed = true;
            boolean hasColumns = ps.execute();
            cols = columns(core);
            if (hasColumns) {
                rs = ps.getResultSet();
                int n = cols.size();
                while (rs.next()) {
                    rowsRead++;
                    if (wantRows) {
                        if (rowsReturned >= limits.maxResultRows() && !replaying) {
                            throw new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "The results of this HTTP "
                                    + "request exceed " + limits.maxResultRows() + " rows; select fewer rows "
                                    + "(LIMIT/OFFSET) per request.");
                        }
                        rowsReturned++;
                        rows.add(row(core, n));
                        if (bytesReturned > limits.maxResultBytes() && !replaying) {
                            throw new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "The results of this HTTP "
                                    + "request exceed " + limits.maxResultBytes() + " bytes; select fewer rows "
                                    + "or columns per request.");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            evict(sql); // sqlite-jdbc finalizes a statement after most errors
            throw failure(e, false);
        } finally {
            armed = false;
            if (rs != null) {
                try {
                    rs.close(); // resets the statement: no read transaction outlives it
                } catch (SQLException ignored) {
                    // the statement is already finalized
                }
            }
        }
        try {
            double ms = (System.nanoTime() - started) / 1_000_000.0;
            long written = db.total_changes() - changesBefore;
            ObjectNode result = JSON.objectNode();
            result.set("cols", cols);
            result.set("rows", rows);
            // changes() keeps the count of the last INSERT/UPDATE/DELETE, so it only describes this statement
            // if this statement changed rows.
            result.put("affected_row_count", written > 0 ? db.changes() : 0);
            long rowid = written > 0 ? queryLong("SELECT last_insert_rowid()") : 0;
            if (rowid != 0) {
                result.put("last_insert_rowid", Long.toString(rowid));
            } else {
                result.putNull("last_insert_rowid");
            }
            result.put("rows_read", rowsRead);
            result.put("rows_written", written);
            result.put("query_duration_ms", Math.round(ms * 1000) / 1000.0);
            return result;
        } catch (SQLException e) {
            throw new StorageException("cannot read the statement's counters", e);
        }
    }

    private ArrayNode columns(CoreStatement core) throws SQLException {
        ArrayNode cols = core.pointer.safeRun((d, p) -> {
            int n = d.column_count(p);
            ArrayNode out = JSON.arrayNode(n);
            for (int i = 0; i < n; i++) {
                ObjectNode c = out.addObject();
                String name = d.column_name(p, i);
                c.put("name", name);
                String decltype = d.column_decltype(p, i);
                if (decltype == null) {
                    c.putNull("decltype");
                } else {
                    c.put("decltype", decltype);
                }
                bytesReturned += 32 + (name == null ? 0 : name.length()) + (decltype == null ? 0 : decltype.length());
            }
            return out;
        });
        return cols;
    }

    /** The current row, each value by its own storage class (not the column's declared type). */
    private ArrayNode row(CoreStatement core, int n) throws SQLException {
        ArrayNode row = JSON.arrayNode(n);
        core.pointer.safeRunConsume((d, p) -> {
            for (int i = 0; i < n; i++) {
                switch (d.column_type(p, i)) {
                    case SQLITE_INTEGER -> {
                        row.add(SqlValue.integerJson(d.column_long(p, i)));
                        bytesReturned += 48;
                    }
                    case SQLITE_FLOAT -> {
                        row.add(SqlValue.floatJson(d.column_double(p, i)));
                        bytesReturned += 48;
                    }
                    case SQLITE_TEXT -> {
                        String s = d.column_text(p, i);
                        if (s == null) {
                            s = "";
                        }
                        row.add(SqlValue.textJson(s));
                        bytesReturned += 32 + utf8Length(s);
                    }
                    case SQLITE_BLOB -> {
                        byte[] b = d.column_blob(p, i);
                        if (b == null) {
                            b = new byte[0];
                        }
                        row.add(SqlValue.blobJson(b));
                        bytesReturned += 32 + (b.length + 2L) / 3 * 4;
                    }
                    default -> {
                        row.add(SqlValue.nullJson());
                        bytesReturned += 16;
                    }
                }
            }
        });
        return row;
    }

    private static long utf8Length(String s) {
        long n = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                n += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return n;
    }

    private StatementFailure failure(SQLException e, boolean atPrepare) {
        if (!(e instanceof SQLiteException se)) {
            throw new StorageException("the SQLite driver failed unexpectedly", e);
        }
        int primary = SqliteErrors.primaryCode(se);
        String message = SqliteErrors.sqliteMessage(e);
        if (primary == SqliteErrors.SQLITE_INTERRUPT && timedOut) {
            return new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "The statement ran longer than "
                    + limits.statementTimeout().toMillis() + " ms and was stopped; make it do less work (a WHERE "
                    + "clause, an index, a LIMIT).");
        }
        if (primary == SqliteErrors.SQLITE_READONLY && queryOnly) {
            if (!policy.writesAllowed()) {
                writeRefused = true;
                return new StatementFailure(policy.writeRefusalCode(), policy.writeRefusalMessage() != null
                        ? policy.writeRefusalMessage() : "Writes are refused on this database.");
            }
            return new StatementFailure("SQLITE_READONLY", "SQLite error: attempt to write a readonly database "
                    + "(the transaction was begun READONLY)");
        }
        if (atPrepare && primary == SqliteErrors.SQLITE_ERROR && SqliteErrors.isSyntaxError(message)) {
            return new StatementFailure(ProtocolCodes.SQL_PARSE_ERROR, "SQL string could not be parsed: " + message);
        }
        return new StatementFailure(SqliteErrors.codeName(primary), "SQLite error: " + message);
    }

    // ---- the schema guard: DDL detected by SQLite's schema cookies, undone by a savepoint ----

    private long[] openGuard() {
        exec("SAVEPOINT " + GUARD);
        guardOpen = true;
        return schemaCookies();
    }

    private long[] schemaCookies() {
        try {
            return new long[] {queryLong("PRAGMA main.schema_version"), queryLong("PRAGMA temp.schema_version")};
        } catch (SQLException e) {
            throw new StorageException("cannot read the schema version", e);
        }
    }

    private void closeGuard(boolean undo) {
        if (undo) {
            exec("ROLLBACK TO " + GUARD);
        }
        exec("RELEASE " + GUARD);
        guardOpen = false;
    }

    private void closeGuardAfterFailure() {
        try {
            db._exec("ROLLBACK TO " + GUARD);
            db._exec("RELEASE " + GUARD);
        } catch (SQLException e) {
            // A failure that rolls the transaction back (SQLITE_FULL, RAISE(ROLLBACK), ...) takes the savepoint.
            if (!SqliteErrors.sqliteMessage(e).startsWith("no such savepoint")) {
                throw new StorageException("cannot undo the schema guard's savepoint", e);
            }
        }
        guardOpen = false;
    }

    // ---- transactions and connection state ----

    /** Whether a transaction is open: BEGIN fails inside one. Used only on rare paths. */
    private boolean inTransaction() {
        try {
            db._exec("BEGIN");
        } catch (SQLException e) {
            return true;
        }
        exec("COMMIT");
        return false;
    }

    private void endReadonlyTransaction() {
        if (readonlyTransaction) {
            readonlyTransaction = false;
            setQueryOnly(!policy.writesAllowed());
        }
    }

    private void setQueryOnly(boolean on) {
        if (queryOnly != on) {
            exec(on ? "PRAGMA query_only=ON" : "PRAGMA query_only=OFF");
            queryOnly = on;
        }
    }

    private void saveSetting(String name) {
        if (!savedSettings.containsKey(name)) {
            try {
                savedSettings.put(name, queryLong("PRAGMA " + name));
            } catch (SQLException e) {
                throw new StorageException("cannot read PRAGMA " + name, e);
            }
        }
    }

    /** Whether the requests left a transaction open (checked only if one of them may have opened one). */
    boolean transactionLeftOpen() {
        return (mayBeInTransaction || guardOpen) && inTransaction();
    }

    /** A close request: the stream ends, and with it its transaction and its stored SQL. */
    private void endStream() {
        rollbackIfOpen();
        endReadonlyTransaction();
        storedSql.clear();
    }

    private void rollbackIfOpen() {
        if (!mayBeInTransaction && !guardOpen) {
            return;
        }
        try {
            db._exec("ROLLBACK");
        } catch (SQLException e) {
            if (!SqliteErrors.sqliteMessage(e).contains("no transaction is active")) {
                throw new StorageException("cannot roll back the request's transaction", e);
            }
        }
        mayBeInTransaction = false;
        guardOpen = false;
    }

    /**
     * Leaves the connection as the pool lent it: no transaction, query_only off, settings as they were, no
     * temporary objects, no progress handler, no open statements. Throws {@link StorageException} if that fails;
     * the caller then discards the connection.
     */
    void close() {
        RuntimeException failure = null;
        armed = false;
        try {
            if (ready) {
                ProgressHandler.clearHandler(connection);
            }
        } catch (SQLException e) {
            failure = new StorageException("cannot clear the progress handler", e);
        }
        try {
            rollbackIfOpen();
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            for (Map.Entry<String, Long> s : savedSettings.entrySet()) {
                exec("PRAGMA " + s.getKey() + "=" + s.getValue());
            }
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            readonlyTransaction = false;
            setQueryOnly(false);
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            if (createdObjects) {
                dropTemporaryObjects();
            }
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        prepared.values().forEach(PipelineSession::closeQuietly);
        prepared.clear();
        internal.values().forEach(PipelineSession::closeQuietly);
        internal.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Temporary tables, views and triggers live on the connection; the next request must not find them. */
    private void dropTemporaryObjects() {
        List<String> drops = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT type, name FROM temp.sqlite_master "
                + "WHERE type IN ('trigger', 'view', 'table') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                + "ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                drops.add("DROP " + rs.getString(1).toUpperCase(java.util.Locale.ROOT) + " IF EXISTS temp.\""
                        + rs.getString(2).replace("\"", "\"\"") + "\"");
            }
        } catch (SQLException e) {
            throw new StorageException("cannot list temporary objects", e);
        }
        drops.forEach(this::exec);
    }

    private long queryLong(String sql) throws SQLException {
        PreparedStatement ps = internal.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            internal.put(sql, ps);
        }
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private void exec(String sql) {
        try {
            db._exec(sql);
        } catch (SQLException e) {
            throw new StorageException("cannot run " + sql, e);
        }
    }

    private void evict(String sql) {
        closeQuietly(prepared.remove(sql));
    }

    private static void closeQuietly(PreparedStatement ps) {
        if (ps != null) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // finalizing a statement we no longer use
            }
        }
    }

    private static RuntimeException first(RuntimeException existing, RuntimeException next) {
        if (existing == null) {
            return next;
        }
        existing.addSuppressed(next);
        return existing;
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
