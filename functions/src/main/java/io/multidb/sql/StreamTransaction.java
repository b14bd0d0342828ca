package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.sql.SqlStatement.Analysis;
import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.StreamRequest.NamedArg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A stream's transaction across requests (package documentation, "Interactive transactions"): follows the
 * transaction exactly (which statement opened it, whether it is still open), logs every statement run inside it
 * with a digest of what the client saw, rebuilds it on this connection from a stored log ({@link #resume}) proving
 * that every replayed statement gives what the client was told, and spends the baton before anything that cannot
 * be undone.
 */
final class StreamTransaction {
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

    private final StatementRunner runner;
    private final Function<String, List<SqlStatement>> parse;
    private StreamGate gate;
    private boolean replayUnchecked;
    /** During a replay: the digest the statement being replayed had (it is checked to be the same again). */
    private String replayDigest;
    /** Exact: a transaction is open on the connection. */
    private boolean txOpen;
    private boolean openedBySavepoint;
    private boolean txWrote;
    private Map<String, Long> txSettings = Map.of();
    private final List<Logged> txLog = new ArrayList<>();

    /** What running one statement gave: a result or a failure (exactly one). */
    record Ran(ObjectNode result, StatementFailure failure) {
    }

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

    StreamTransaction(StatementRunner runner, Function<String, List<SqlStatement>> parse) {
        this.runner = runner;
        this.parse = parse;
    }

    Ran run(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows, boolean seen) {
        Kind kind = st.analysis().kind();
        if (gate != null && (!txOpen || kind == Kind.COMMIT || (kind == Kind.RELEASE && openedBySavepoint))) {
            // This statement may commit, or runs outside the stream's transaction (in autocommit): the baton
            // must be spent first, so that a copy of it sent twice can never write twice.
            StreamGate g = gate;
            gate = null;
            g.claim();
        }
        boolean wasOpen = txOpen;
        runner.reachedSqlite = false;
        runner.cache.clearTimedOut();
        ObjectNode result = null;
        StatementFailure failure = null;
        try {
            result = runner.run(st, args, named, wantRows);
        } catch (StatementFailure f) {
            failure = f;
        }
        track(kind, failure);
        if (txOpen && !wasOpen) {
            // The statement that opened the transaction starts its log, after the settings it began under.
            txSettings = runner.currentSettings();
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
    private void track(Kind kind, StatementFailure failure) {
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
                case RELEASE -> txOpen = txOpen && (!openedBySavepoint || runner.inTransaction());
                default -> {
                }
            }
        } else if (txOpen) {
            // RAISE(ROLLBACK), ON CONFLICT ROLLBACK, an interrupted write, SQLITE_FULL... end the transaction.
            txOpen = runner.inTransaction();
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
            default -> runner.reachedSqlite && !runner.cache.timedOut() && !TRANSIENT.contains(failure.code());
        };
    }

    /**
     * Rebuilds the stream's open transaction on this connection before the request's own work, by running the logged
     * statements again and checking that each gives what the client was told before. Nothing of the replay reaches
     * the response or counts against the request's limits. The caller has applied the stream's stored SQL.
     *
     * @param gate spent before anything that cannot be undone (see {@link Streams#claim})
     * @throws MultidbException STREAM_CONFLICT (a logged statement now gives something else: another writer
     *                          changed what the transaction read), BLOCKED (writes are now refused) or
     *                          LIMIT_EXCEEDED; the caller rolls back and ends the stream
     */
    void resume(StreamState state, StreamGate gate) {
        for (Map.Entry<String, Long> s : state.settings().entrySet()) {
            runner.saveSetting(s.getKey());
            runner.exec("PRAGMA " + s.getKey() + "=" + s.getValue());
        }
        List<StreamState.Entry> log = state.log();
        runner.replaying = true;
        try {
            for (int i = 0; i < log.size(); i++) {
                StreamState.Entry e = log.get(i);
                List<SqlStatement> split = parse.apply(e.sql());
                if (split.size() != 1) {
                    throw new IllegalStateException("a logged statement is not exactly one statement");
                }
                SqlStatement st = split.get(0);
                runner.beginOverride = i == 0 && upgradeBegin(st, log) ? "BEGIN IMMEDIATE" : null;
                replayUnchecked = e.digest() == null;
                replayDigest = e.digest();
                Ran ran;
                try {
                    ran = run(st, e.args(), e.named(), e.wantRows(), e.seen());
                } finally {
                    runner.beginOverride = null;
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
            runner.replaying = false;
            runner.rowsReturned = 0;
            runner.codec.bytes = 0;
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
        if (a.kind() != Kind.BEGIN || a.readonlyBegin() || a.beginTakesWriteLock() || !runner.policy.writesAllowed()) {
            return false;
        }
        for (StreamState.Entry e : log) {
            for (SqlStatement s : parse.apply(e.sql())) {
                if (WRITES.contains(s.analysis().kind())) {
                    return true;
                }
            }
        }
        return false;
    }

    private MultidbException mismatch(int index, StreamState.Entry e, StatementFailure now) {
        ExecutionPolicy policy = runner.policy;
        String code = now != null ? now.code() : null;
        if (code != null && code.equals(policy.writeRefusalCode())) {
            runner.writeRefused = true;
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

    /** Whether the requests left a transaction open, checked against the connection. */
    boolean open() {
        boolean open = (txOpen || runner.mayBeInTransaction || runner.guard.isOpen()) && runner.inTransaction();
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
    boolean wrote() {
        return txOpen && txWrote;
    }

    /** What the stream carries to its next request. */
    StreamState state(Map<Integer, String> storedSql) {
        return txOpen ? new StreamState(storedSql, txSettings, txLog.stream().map(Logged::entry).toList())
                : new StreamState(storedSql, runner.currentSettings(), List.of());
    }
}
