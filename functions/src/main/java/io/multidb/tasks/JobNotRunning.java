package io.multidb.tasks;

/** The job is not in a state where this step may run (it ended, or lost its lock). */
public final class JobNotRunning extends TaskFailure {
    public JobNotRunning(String message, Throwable cause) {
        super(message, cause);
    }
}
