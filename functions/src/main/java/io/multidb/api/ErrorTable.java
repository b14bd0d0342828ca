package io.multidb.api;

import io.multidb.common.ErrorKind;

/**
 * The one table from domain errors to HTTP statuses and libSQL error codes. Exhaustive: a new {@link ErrorKind}
 * does not compile until it has a row here. Documented in the README ("Errors").
 */
public final class ErrorTable {
    private ErrorTable() {
    }

    public record Row(int status, String code) {
    }

    public static Row of(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> new Row(400, "INVALID_REQUEST");
            case UNAUTHORIZED -> new Row(401, "UNAUTHORIZED");
            case FORBIDDEN -> new Row(403, "FORBIDDEN");
            case NOT_FOUND -> new Row(404, "NOT_FOUND");
            case METHOD_NOT_ALLOWED -> new Row(405, "METHOD_NOT_ALLOWED");
            case CONFLICT -> new Row(409, "CONFLICT");
            case PAYLOAD_TOO_LARGE -> new Row(413, "PAYLOAD_TOO_LARGE");
            case UNSUPPORTED_MEDIA_TYPE -> new Row(415, "UNSUPPORTED_MEDIA_TYPE");
            case WRITES_BLOCKED -> new Row(403, "BLOCKED");
            case LIMIT_EXCEEDED -> new Row(400, "LIMIT_EXCEEDED");
            case STREAM_INVALID -> new Row(400, "STREAM_EXPIRED");
            case UNAVAILABLE -> new Row(503, "UNAVAILABLE");
        };
    }
}
