package io.multidb.sql;

/**
 * A request or statement that failed in a way reported to the client as an error result
 * ({@code {"message","code"}}), not as an HTTP error. Thrown often (every constraint violation), so it carries no
 * stack trace.
 */
final class StatementFailure extends RuntimeException {
    private final String code;

    StatementFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }
}
