package io.multidb.cli;

/**
 * A failure the user can act on: printed as one line ("multidb: ..."), never as a stack trace, and ending the
 * command with {@link #exitCode()}: 1 for a refused request or a failed migration, 2 for a usage error. Two more
 * codes end a command whose job did not simply succeed or fail, so scripts notice: 3 a job succeeded but left
 * children behind (quarantine), 4 a job is paused after its canary and waits for a resume or an abort.
 */
final class CliException extends RuntimeException {
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int QUARANTINED = 3;
    static final int PAUSED = 4;

    private final int exitCode;
    private final int httpStatus;

    CliException(String message) {
        this(FAILED, message);
    }

    CliException(int exitCode, String message) {
        this(exitCode, message, 0);
    }

    /** A request the server refused with this HTTP status. */
    CliException(int exitCode, String message, int httpStatus) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.httpStatus = httpStatus;
    }

    /** The HTTP status of the refusal, or 0 if the server did not answer one. */
    int httpStatus() {
        return httpStatus;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
