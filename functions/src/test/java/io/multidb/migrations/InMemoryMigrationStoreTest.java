package io.multidb.migrations;

import io.multidb.databases.Catalog;
import io.multidb.databases.InMemoryCatalog;

/** The fake the use-case tests run on, held to the same contract as the DynamoDB adapter. */
class InMemoryMigrationStoreTest extends MigrationStoreContract {
    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final InMemoryMigrationStore store = new InMemoryMigrationStore(catalog);

    @Override
    protected Catalog catalog() {
        return catalog;
    }

    @Override
    protected MigrationStore store() {
        return store;
    }
}
