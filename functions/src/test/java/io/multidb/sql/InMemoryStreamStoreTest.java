package io.multidb.sql;

class InMemoryStreamStoreTest extends StreamStoreContract {
    private final InMemoryStreamStore store = new InMemoryStreamStore();

    @Override
    protected StreamStore store() {
        return store;
    }
}
