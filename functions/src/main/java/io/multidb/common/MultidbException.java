package io.multidb.common;

import java.util.Objects;

/**
 * A failure the client can do something about. The message is shown to the client as is, so it says what
 * happened and what to do; {@code code} is an optional machine-readable code (libSQL style, e.g. BLOCKED).
 */
public class MultidbException extends RuntimeException {
    private final ErrorKind kind;
    private final String code;

    public MultidbException(ErrorKind kind, String message) {
        this(kind, null, message, null);
    }

    public MultidbException(ErrorKind kind, String code, String message) {
        this(kind, code, message, null);
    }

    public MultidbException(ErrorKind kind, String code, String message, Throwable cause) {
        super(Objects.requireNonNull(message), cause);
        this.kind = Objects.requireNonNull(kind);
        this.code = code;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The libSQL-style code to report, or null to use the kind's default from the error table. */
    public String code() {
        return code;
    }

    public static MultidbException invalid(String message) {
        return new MultidbException(ErrorKind.INVALID_REQUEST, message);
    }

    public static MultidbException notFound(String message) {
        return new MultidbException(ErrorKind.NOT_FOUND, message);
    }

    public static MultidbException conflict(String message) {
        return new MultidbException(ErrorKind.CONFLICT, message);
    }

    public static MultidbException unavailable(String message, Throwable cause) {
        return new MultidbException(ErrorKind.UNAVAILABLE, null, message, cause);
    }
}
