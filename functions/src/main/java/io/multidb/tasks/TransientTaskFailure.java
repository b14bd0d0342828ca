package io.multidb.tasks;

/** A busy database, a throttled dependency or a crash: the state machine retries the step. */
public final class TransientTaskFailure extends TaskFailure {
    public TransientTaskFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
