package io.multidb.common;

/**
 * Every way a request can fail that is not a bug. {@code io.multidb.api.ErrorTable} maps each kind to an HTTP
 * status and a libSQL error code with an exhaustive switch, so adding a kind without deciding its status does
 * not compile.
 */
public enum ErrorKind {
    /** The request is malformed or breaks a documented rule (bad name, bad JSON, bad field). */
    INVALID_REQUEST,
    /** No token, or a token that does not verify. */
    UNAUTHORIZED,
    /** A valid token that does not grant this action. */
    FORBIDDEN,
    /** Unknown organization, group, database, job or route. */
    NOT_FOUND,
    /** Known route, wrong method. */
    METHOD_NOT_ALLOWED,
    /** The name is taken, the container is not empty, a migration holds the family, and similar. */
    CONFLICT,
    /** The body is larger than the documented limit. */
    PAYLOAD_TOO_LARGE,
    /** The body is not JSON. */
    UNSUPPORTED_MEDIA_TYPE,
    /** The data plane refuses the write (read-only access, a running migration, a schema database with children). */
    WRITES_BLOCKED,
    /** A limit on work per request was hit (statements, rows, bytes, time). */
    LIMIT_EXCEEDED,
    /** A stream (baton) is unknown, used twice, expired or belongs elsewhere. */
    STREAM_INVALID,
    /** A dependency (metadata store, workflow engine) is unavailable; retrying may succeed. */
    UNAVAILABLE
}
