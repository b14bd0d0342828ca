package io.multidb.tasks;

import io.multidb.migrations.MigrationService;

/**
 * Builds the task function's services from the Lambda environment. The DynamoDB catalog, the DynamoDB
 * migration store and the Step Functions starter are separate adapters; until they are wired here the no-arg
 * handler constructor refuses to start (tests and the local runtime pass a MigrationService in).
 */
final class TaskWiring {
    private TaskWiring() {
    }

    static MigrationService migrationService() {
        throw new IllegalStateException("MigrationTaskHandler is not wired to its adapters yet (TaskWiring)");
    }
}
