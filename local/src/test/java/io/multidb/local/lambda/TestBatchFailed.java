package io.multidb.local.lambda;

/** Thrown by the test task handler for a batch the test workflow catches (matched by its class name). */
class TestBatchFailed extends RuntimeException {
    TestBatchFailed(String message) {
        super(message);
    }
}
