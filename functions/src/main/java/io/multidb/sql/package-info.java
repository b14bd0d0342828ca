/**
 * The libSQL HTTP protocol, version 2 ("Hrana over HTTP", JSON), run on one SQLite connection: what an unmodified
 * {@code @libsql/client} 0.18 sends to {@code POST .../v2/pipeline}, and what it expects back.
 *
 * <h2>A request's path</h2>
 * {@link io.multidb.sql.PipelineExecutor#execute} reads the body ({@code ProtocolParser}), then runs each request
 * in order on a {@code PipelineSession} (which hands each statement to {@code StatementRunner}, the hot path, and
 * with streams on follows the transaction in {@code StreamTransaction}) and answers {@code {"baton":null,"base_url":null,"results":[...]}}, one
 * result per request, each ok {@code response.type} equal to its request's type.
 *
 * <h2>HTTP error or error result</h2>
 * A body whose shape is wrong is refused as a whole, before anything runs, with a {@code MultidbException}
 * (INVALID_REQUEST) that names the place ({@code requests[2].stmt.args[0]: ...}): not an object, no
 * {@code requests} array, more requests than {@code SqlLimits.maxRequestsPerPipeline}, an unknown request or
 * condition or value type, a statement without (or with both) {@code sql} and {@code sql_id}, a value that does not
 * parse (an integer that is no 64-bit integer, bad base64), fields of the wrong JSON type, a condition naming a
 * step that is not an earlier one, {@code close} anywhere but last. A client mistake of that kind means the client
 * and server disagree about the protocol; the libSQL server also answers most of them at the HTTP level. So are
 * a bad, reused or expired baton (nothing runs), a stream that conflicts with a change made since it began, and
 * a stream over its limits (both rolled back): see "Interactive transactions" below. Without a
 * {@link io.multidb.sql.StreamScope} (no stream store configured) a baton, or a pipeline without {@code close}
 * that leaves a transaction open, is refused with STREAM_INVALID / {@code STREAM_NOT_SUPPORTED} (the transaction
 * rolled back; statements that committed before the BEGIN stay committed).
 * <p>
 * Everything that depends on what happens while running, or that the protocol defines as a failure of one
 * request, is an error result {@code {"type":"error","error":{"message","code"}}} for that request (for a batch
 * step, its entry in {@code step_errors}), and the pipeline goes on: SQL errors, sandbox refusals, refused writes
 * and schema changes, limits, argument mismatches (ARGS_INVALID, ARGS_BOTH_POSITIONAL_AND_NAMED), an execute with
 * no or several statements (SQL_NO_STATEMENT, SQL_MANY_STATEMENTS), an unknown {@code sql_id} (SQL_NOT_FOUND),
 * a {@code store_sql} of an id in use (SQL_EXISTS), and the Hrana 3 request {@code get_autocommit} and the
 * {@code is_autocommit} condition (NOT_SUPPORTED).
 *
 * <h2>Requests</h2>
 * execute (exactly one statement); batch (steps with conditions ok/error/not/and/or; a skipped step is neither ok
 * nor error and has null in both {@code step_results} and {@code step_errors}); sequence (the text is split into
 * statements, each run with {@code want_rows=false}, in autocommit mode unless the text says otherwise, stopping
 * at the first error); describe (the statement prepared, never run: {@code params} with SQLite's parameter names,
 * null for a bare ?; {@code cols} with name and declared type; {@code is_explain}; {@code is_readonly} as
 * sqlite3_stmt_readonly answers it, read from the statement's program: {@code StatementDescriber}); store_sql/close_sql (stored SQL lives as long as the stream); close (ends the stream: an
 * open transaction is rolled back). Statements are split as {@code sqlite3_complete} does ({@code SqlStatement}),
 * over SQLite's own tokenizer rules ({@code SqlTokenizer}), so CREATE TRIGGER ... BEGIN ...; END stays one
 * statement.
 *
 * <h2>Values and results</h2>
 * Values in: null; integer as a JSON string (a JSON integer is accepted too); float as any JSON number, bound as
 * a double (the JavaScript client sends every {@code number}, even 1, as a float: the column's affinity turns it
 * into an integer where the column asks for one); text; blob as standard base64, padded or not. Values out, by
 * each value's own storage class: INTEGER as a string, REAL as a number (infinities as 1e999 / -1e999, which
 * {@code JSON.parse} reads as Infinity), TEXT, BLOB as padded base64, NULL. A StmtResult has {@code cols} (name and
 * the declared type of the table column, null for expressions), {@code rows} (always an array, empty when
 * {@code want_rows} is false; the statement still runs to completion), {@code affected_row_count} (SQLite's
 * changes() when the statement changed rows, else 0), {@code last_insert_rowid} (the connection's
 * last_insert_rowid() after a statement that changed rows, as a string; null after reads or if it is 0),
 * {@code rows_read} (rows the statement produced, returned or not: SQLite does not tell how many it scanned),
 * {@code rows_written} (rows changed, including by triggers and foreign key actions) and
 * {@code query_duration_ms}.
 *
 * <h2>Error codes</h2>
 * SQLite failures report the primary result code's name, as the libSQL server does ({@code SQLITE_CONSTRAINT},
 * not {@code SQLITE_CONSTRAINT_UNIQUE}), with the message "SQLite error: " + SQLite's message. Syntax errors found
 * while preparing are {@code SQL_PARSE_ERROR} ("SQL string could not be parsed: ..."). One difference: for SQLite's
 * generic SQLITE_ERROR (no such table, ...) the libSQL server sends SQLITE_UNKNOWN (rusqlite has no name for it);
 * this server sends SQLITE_ERROR. This project's own codes are in {@link io.multidb.sql.SqlErrorCodes}.
 *
 * <h2>Policies</h2>
 * Writes refused ({@code ExecutionPolicy.writeRefusalCode}): the request runs with {@code PRAGMA query_only=ON}, so
 * SQLite itself refuses every write (temporary objects and VACUUM included); SQLITE_READONLY becomes an error result
 * with the policy's code and message, and {@code PipelineResult.writeRefused} is set. BEGIN IMMEDIATE/EXCLUSIVE,
 * which query_only would refuse, run as BEGIN DEFERRED: with nothing to write, the reads are the same.
 * <p>
 * Schema changes refused ({@code schemaChangeRefusal}): every statement that could change a schema (CREATE, DROP,
 * ALTER, ANALYZE, REINDEX, PRAGMA optimize, anything unrecognised) runs inside a savepoint between two readings of
 * the main and temp schema cookies ({@code PRAGMA schema_version}); if a cookie moved, the savepoint is rolled back
 * and the statement answers SCHEMA_CHANGE_REFUSED. Nesting makes this work inside the user's own BEGIN ... COMMIT,
 * in batches and sequences. Writes to {@code PRAGMA user_version} (schema-ish, but no cookie) are refused outright.
 * Plain reads and writes of rows, transaction control and pragma settings skip the guard and cost nothing extra.
 * <p>
 * BEGIN TRANSACTION READONLY (the client's batch(..., "read"); libSQL syntax that plain SQLite reads as a named
 * transaction) runs as BEGIN DEFERRED with query_only on until the transaction ends: a write then fails with
 * SQLITE_READONLY.
 *
 * <h2>The sandbox</h2>
 * Always on, whatever the policy, decided from the tokens before SQLite prepares the statement (some pragmas act
 * while being prepared, even under EXPLAIN): ATTACH, DETACH, VACUUM INTO, load_extension() and fts3_tokenizer()
 * calls (also as quoted names), PRAGMAs outside {@code Pragmas}' allowlist (and allowed read-only ones given a
 * value), and table-valued {@code pragma_xxx} functions outside it (also written as quoted names or strings, which
 * SQLite accepts as table names) answer STATEMENT_NOT_ALLOWED. Plain VACUUM runs: it needs one attached scratch
 * database, so the ATTACHED limit (0, set by the store) is lifted for that statement alone. Known false positive: a
 * string equal to {@code 'pragma_<a refused pragma>'} anywhere in a statement is refused.
 *
 * <h2>Limits</h2>
 * {@code SqlLimits}: requests per pipeline (INVALID_REQUEST); statements per HTTP request, counted when a request
 * starts, so a batch or sequence that would cross the limit runs nothing; result rows and approximate result bytes
 * over the whole pipeline; run time per statement through SQLite's progress handler (the statement is interrupted;
 * inside a transaction SQLite may roll it back). All answer LIMIT_EXCEEDED. A write whose RETURNING rows cross the
 * row or byte limit has still been made. Values larger than the store's LENGTH limit fail with SQLITE_TOOBIG
 * before any memory is spent on them.
 *
 * <h2>The connection goes back to the pool clean</h2>
 * Connections are pooled per database, so every request ends with: no transaction open (rolled back if the
 * request left one; sqlite-jdbc exposes no get_autocommit, so every statement that may open a transaction is
 * noted, and only then is the connection probed or a ROLLBACK issued), query_only off, the
 * per-connection settings the request wrote (foreign_keys, defer_foreign_keys, recursive_triggers,
 * legacy_alter_table, analysis_limit) back to their earlier values, temporary tables, views and triggers dropped
 * ({@code ConnectionReset}), and no statement running: every statement is reset after its run. A pooled connection
 * keeps its prepared statements (by SQL text, at most 64) and its progress handler (disarmed between statements) in
 * a {@link io.multidb.sql.ConnectionCache}; a connection lent without one gets every statement finalized and the
 * handler cleared at the end. If that fails the executor throws {@code StorageException}: the caller must discard
 * the connection.
 *
 * <h2>Interactive transactions (streams across requests)</h2>
 * Full design, numbers and deployment notes: {@code docs/streams.md}. Every request may land on another
 * instance, so nothing of a stream stays in memory or on a connection between requests:
 * <ul>
 *   <li><b>Open.</b> A pipeline without {@code close} that leaves a transaction open (what
 *       {@code client.transaction()} sends first) is answered with a baton. The session has logged every
 *       statement since the one that opened the transaction (BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE],
 *       BEGIN TRANSACTION READONLY, or a SAVEPOINT outside a transaction) with its arguments and a digest of what
 *       the client saw (the StmtResult without timings, and without last_insert_rowid unless the statement
 *       inserts; or the error code); the log, the stored SQL and the connection settings the stream changed
 *       ({@code StreamState}, deflated JSON) go to the {@link io.multidb.sql.StreamStore}, and the transaction is
 *       rolled back: the connection goes back to the pool clean and no lock is held until the next request.</li>
 *   <li><b>Continue.</b> A pipeline with a baton: the baton is verified ({@link io.multidb.sql.Streams}: HMAC
 *       over organization, database, stream id, sequence number, expiry; then the expiry; then the store's
 *       sequence number and database incarnation), the stream loaded, its settings applied, its log replayed
 *       ({@code StreamTransaction.resume}) on this connection, each statement's digest compared with the logged
 *       one, then the new requests run. Replayed results are not returned and count against no request limit.
 *       If the transaction is still open at the end and there is no close, the new state replaces the old one
 *       on the condition that the sequence number is still the baton's (so of two requests with one baton only
 *       one moves the stream on) and a new baton is answered; then everything is rolled back again.</li>
 *   <li><b>Commit.</b> Before anything that cannot be undone — a COMMIT, the RELEASE of a savepoint that opened
 *       the transaction, or any statement outside the stream's transaction (after ROLLBACK, or a failure that
 *       ended it) — the stream is taken out of the store on the same condition ({@code StreamGate}); only then
 *       does the statement run. So the replay and the COMMIT happen in one SQLite transaction, in this request,
 *       and a baton sent twice can never write twice. A stream that continues after that gets a new id.</li>
 *   <li><b>End.</b> {@code close} (deletes the stream), expiry (the store's TTL removes it; the baton answers
 *       STREAM_EXPIRED), a conflict or a limit (deleted, rolled back).</li>
 * </ul>
 * <b>Isolation: serializable.</b> A logged statement whose replay gives another digest means something the
 * transaction read has changed (another writer, a rowid taken meanwhile, or a non-deterministic function such as
 * random()): the request fails with HTTP 409 {@code STREAM_CONFLICT}, nothing of the stream is written, the
 * stream ends. Otherwise every result the client has seen is what the transaction produces now, so committing it
 * equals running it alone at its commit; and each request's results agree with one snapshot (repeatable reads
 * within the transaction). Writes by others to data the transaction never observed do not conflict. (SQLite's
 * file change counter, which would refuse any change at all, is not readable through SQL in this build, and
 * reading the file from Java would cancel SQLite's POSIX locks of the whole process when the descriptor closes.)
 * <p>
 * A stream on a schema database with children ({@link io.multidb.sql.StreamScope#writeRefusal}) may read, not
 * write: its first request is refused with HTTP 403 BLOCKED if its open transaction wrote; later requests run
 * with writes refused. Streams are bound to the database's incarnation: deleting the database ends them.
 * Limits ({@link io.multidb.sql.StreamOptions}): idle expiry (30 s), statements in the open transaction (1,000),
 * log bytes (1 MiB before compression; the DynamoDB item limit may bind earlier for incompressible values).
 *
 * <h2>Cost</h2>
 * Kept across requests: the split and analysis of each SQL text (shared by every request, bounded), and per pooled
 * connection its prepared statements and progress handler; nothing a request did is visible to the next one
 * through them. A request that continues a stream also replays the stream's transaction
 * (each of its statements once more) and makes one strongly consistent read and one conditional write to the
 * stream store; a plain request never touches the store. A plain statement that ran before on the
 * connection costs its run, its reset and two total_changes() calls; the schema guard, the last_insert_rowid query, query_only and
 * setting restoration are paid only by the requests that need them.
 */
package io.multidb.sql;
