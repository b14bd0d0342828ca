package io.multidb.local.lambda;

/** Thrown by the test task handler for a failure the test workflow retries (matched by its class name). */
class TestTransientError extends RuntimeException {
    TestTransientError(String message) {
        super(message);
    }
}
