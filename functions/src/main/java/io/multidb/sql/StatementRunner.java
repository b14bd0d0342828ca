package io.multidb.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.SqlStatement.Analysis;
import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.StreamRequest.NamedArg;
import io.multidb.storage.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteLimits;
import org.sqlite.core.CoreStatement;
import org.sqlite.core.DB;

/**
 * Runs one statement of a request on the borrowed connection, and follows what the request changes on it so that
 * {@link ConnectionReset} can put it back: the hot path of the data plane. In order: the sandbox's verdict and the
 * argument checks (nothing reaches SQLite before them), the statement prepared (or taken from the connection's
 * cache), bound, run under the time limit (and the schema guard, for statements that may change a schema), then
 * its StmtResult.
 */
final class StatementRunner {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    final ConnectionCache cache;
    final DB db;
    final ExecutionPolicy policy;
    final SqlLimits limits;
    private final long timeoutNanos;
    final ValueCodec codec = new ValueCodec();
    final SchemaGuard guard;
    /** Settings the request wrote, with the values they had before: restored when it ends. */
    final Map<String, Long> savedSettings = new LinkedHashMap<>();

    private boolean ready;
    long rowsReturned;
    boolean writeRefused;
    /** False only when no transaction can be open: every statement that may open one sets it. */
    boolean mayBeInTransaction;
    boolean readonlyTransaction;
    boolean queryOnly;
    boolean createdObjects;
    /** A replayed stream's statements: no limits on result rows and bytes (nothing is returned). */
    boolean replaying;
    /** The BEGIN a replay runs instead of the logged one, or null. */
    String beginOverride;
    /** The last statement got as far as SQLite (not refused before). */
    boolean reachedSqlite;

    StatementRunner(ConnectionCache cache, ExecutionPolicy policy, SqlLimits limits) {
        this.cache = cache;
        this.db = cache.db();
        this.policy = policy;
        this.limits = limits;
        this.timeoutNanos = limits.statementTimeout().toNanos();
        this.guard = new SchemaGuard(cache);
    }

    ObjectNode run(SqlStatement st, List<SqlValue> args, List<NamedArg> named, boolean wantRows) {
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
        ValueCodec.bind(ps, a.parameters(), args, named);
        boolean guarded = policy.schemaChangeRefusal() != null && a.kind().mayChangeSchema();
        if (guarded) {
            guard.open();
        }
        // VACUUM works by attaching a scratch database of its own, which the ATTACHED=0 limit forbids; the
        // sandbox has made sure this is a plain VACUUM, and no tenant code runs while it does.
        int attachedLimit = a.kind() == Kind.VACUUM ? setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 1) : -1;
        ObjectNode result;
        try {
            result = step(sql, ps, wantRows, !args.isEmpty() || !named.isEmpty());
        } catch (StatementFailure f) {
            if (guarded) {
                guard.closeAfterFailure();
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
        if (guarded && guard.closeChanged()) {
            throw new StatementFailure(SqlErrorCodes.SCHEMA_CHANGE_REFUSED, policy.schemaChangeRefusal());
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

    /** Runs a bound statement to completion and builds its StmtResult. */
    private ObjectNode step(String sql, PreparedStatement ps, boolean wantRows, boolean bound) {
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
            cache.arm(timeoutNanos);
            boolean hasColumns = ps.execute();
            cols = codec.columns(core);
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
                        rows.add(codec.row(core, n));
                        if (codec.bytes > limits.maxResultBytes() && !replaying) {
                            throw new StatementFailure(SqlErrorCodes.LIMIT_EXCEEDED, "The results of this HTTP "
                                    + "request exceed " + limits.maxResultBytes() + " bytes; select fewer rows "
                                    + "or columns per request.");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            cache.evict(sql); // sqlite-jdbc finalizes a statement after most errors
            throw failure(e, false);
        } finally {
            cache.disarm();
            if (rs != null) {
                try {
                    rs.close(); // resets the statement: no read transaction outlives it
                } catch (SQLException ignored) {
                    // the statement is already finalized
                }
            }
            ConnectionCache.reset(ps);
            if (bound) {
                clearBindings(ps); // a cached statement must not keep the request's values alive
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
            long rowid = written > 0 ? cache.queryLong("SELECT last_insert_rowid()") : 0;
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

    private static void clearBindings(PreparedStatement ps) {
        try {
            if (!ps.isClosed()) {
                ps.clearParameters();
            }
        } catch (SQLException ignored) {
            // finalized after an error: nothing is bound any more
        }
    }

    PreparedStatement prepare(String sql) {
        try {
            return cache.prepare(sql);
        } catch (SQLException e) {
            throw failure(e, true);
        }
    }

    StatementFailure failure(SQLException e, boolean atPrepare) {
        if (!(e instanceof SQLiteException se)) {
            throw new StorageException("the SQLite driver failed unexpectedly", e);
        }
        int primary = SqliteErrors.primaryCode(se);
        String message = SqliteErrors.sqliteMessage(e);
        if (primary == SqliteErrors.SQLITE_INTERRUPT && cache.timedOut()) {
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

    // ---- the connection's state during the request ----

    /** Whether a transaction is open: BEGIN fails inside one. Used only on rare paths. */
    boolean inTransaction() {
        try {
            db._exec("BEGIN");
        } catch (SQLException e) {
            return true;
        }
        exec("COMMIT");
        return false;
    }

    void endReadonlyTransaction() {
        if (readonlyTransaction) {
            readonlyTransaction = false;
            setQueryOnly(!policy.writesAllowed());
        }
    }

    void setQueryOnly(boolean on) {
        if (queryOnly != on) {
            exec(on ? "PRAGMA query_only=ON" : "PRAGMA query_only=OFF");
            queryOnly = on;
        }
    }

    void saveSetting(String name) {
        if (!savedSettings.containsKey(name)) {
            try {
                savedSettings.put(name, cache.queryLong("PRAGMA " + name));
            } catch (SQLException e) {
                throw new StorageException("cannot read PRAGMA " + name, e);
            }
        }
    }

    /** The current values of the settings this request changed or was given by its stream. */
    Map<String, Long> currentSettings() {
        if (savedSettings.isEmpty()) {
            return Map.of();
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : savedSettings.keySet()) {
            try {
                out.put(name, cache.queryLong("PRAGMA " + name));
            } catch (SQLException e) {
                throw new StorageException("cannot read PRAGMA " + name, e);
            }
        }
        return out;
    }

    /** Whether the requests left a transaction open (checked only if one of them may have opened one). */
    boolean transactionLeftOpen() {
        return (mayBeInTransaction || guard.isOpen()) && inTransaction();
    }

    void rollbackIfOpen() {
        if (!mayBeInTransaction && !guard.isOpen()) {
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
        guard.forget();
    }

    private void ensureReady() {
        if (ready) {
            return;
        }
        ready = true;
        if (!policy.writesAllowed()) {
            setQueryOnly(true);
        }
    }

    /** Sets a SQLite limit and answers its previous value. */
    private int setLimit(SQLiteLimits limit, int value) {
        try {
            return db.limit(limit.getId(), value);
        } catch (SQLException e) {
            throw new StorageException("cannot set " + limit, e);
        }
    }

    void exec(String sql) {
        try {
            db._exec(sql);
        } catch (SQLException e) {
            throw new StorageException("cannot run " + sql, e);
        }
    }
}
