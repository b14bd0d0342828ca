package io.multidb.sql;

/** Error codes this project adds to SQLite's own (documented in the README). */
public final class SqlErrorCodes {
    /** Writes refused: read-only access, a running migration, or a schema database with children. */
    public static final String BLOCKED = "BLOCKED";
    /** DDL on a child database: schema changes go through the schema database. */
    public static final String SCHEMA_CHANGE_REFUSED = "SCHEMA_CHANGE_REFUSED";
    /** A statement the sandbox never runs (ATTACH, VACUUM INTO, load_extension, file-touching pragmas, ...). */
    public static final String STATEMENT_NOT_ALLOWED = "STATEMENT_NOT_ALLOWED";
    /** A per-request limit was hit (rows, bytes, statements, run time). */
    public static final String LIMIT_EXCEEDED = "LIMIT_EXCEEDED";
    /** Streams that continue across requests (batons) are not configured on this executor (no stream store). */
    public static final String STREAM_NOT_SUPPORTED = "STREAM_NOT_SUPPORTED";
    /**
     * An interactive transaction's earlier results no longer hold: another writer changed what it read (or a
     * non-deterministic function gave another value) between two of its requests. Nothing of it was written;
     * run the transaction again.
     */
    public static final String STREAM_CONFLICT = "STREAM_CONFLICT";
    /** The stream idled longer than the expiry; its transaction is gone (libSQL's code). */
    public static final String STREAM_EXPIRED = "STREAM_EXPIRED";
    /** A baton this server did not issue for this database: malformed, forged, or for another database/org. */
    public static final String BATON_INVALID = "BATON_INVALID";
    /** A baton that was already used: each baton is good for exactly one request. */
    public static final String BATON_REUSED = "BATON_REUSED";
    /** A baton whose stream has ended (committed, rolled back, closed or failed). */
    public static final String BATON_STREAM_CLOSED = "BATON_STREAM_CLOSED";
    /** A write to a schema database with children became a migration job, which failed or was rolled back. */
    public static final String SCHEMA_MIGRATION_FAILED = "SCHEMA_MIGRATION_FAILED";
    /** ... which has not ended within the request's wait: the message has the job id to poll. */
    public static final String SCHEMA_MIGRATION_RUNNING = "SCHEMA_MIGRATION_RUNNING";
    /** A statement names a sql_id that no store_sql of the same HTTP request stored (or close_sql removed). */
    public static final String SQL_NOT_FOUND = "SQL_NOT_FOUND";
    /** store_sql with a sql_id already stored in this HTTP request. */
    public static final String SQL_EXISTS = "SQL_EXISTS";
    /** A Hrana 3 feature over version 2 (describe, get_autocommit, the is_autocommit condition). */
    public static final String NOT_SUPPORTED = "NOT_SUPPORTED";

    private SqlErrorCodes() {
    }
}
