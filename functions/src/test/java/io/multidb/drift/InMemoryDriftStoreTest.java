package io.multidb.drift;

/** The fake held to the same contract as the DynamoDB adapter. */
class InMemoryDriftStoreTest extends DriftStoreContract {
    private final InMemoryDriftStore store = new InMemoryDriftStore();

    @Override
    protected DriftStore store() {
        return store;
    }
}
