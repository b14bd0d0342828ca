package io.multidb.drift;

/** A drift scan step that cannot go on; the task function names the reason for the workflow's Retry and Catch. */
public final class DriftScanFailed extends RuntimeException {
    /** TRANSIENT is retried by the workflow; NOT_RUNNING means the scan ended or was replaced by a newer one. */
    public enum Reason { TRANSIENT, NOT_RUNNING }

    private final Reason reason;

    public DriftScanFailed(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
