package io.multidb.migrations;

import java.time.Duration;

/**
 * Tuning of the migration use cases (the numbers are explained in statemachines/README.md).
 *
 * @param minBatchSize          children per batch at least (small families: few Map iterations)
 * @param maxBatches            batches per job at most: bounds the execution's history (3 Maps x ~7 events each)
 * @param batchParallelism      databases one batch task works on at once
 * @param defaultMaxConcurrency batches at once when the caller gives no max_concurrency
 * @param settleTimeout         how long prepare waits for child creates that began before the lock
 * @param settlePoll            how often it looks again meanwhile
 * @param startGrace            how long a job whose execution the engine does not know yet counts as starting
 */
public record MigrationOptions(int minBatchSize, int maxBatches, int batchParallelism, int defaultMaxConcurrency,
                               Duration settleTimeout, Duration settlePoll, Duration startGrace) {
    /** Step Functions runs at most about 40 inline Map iterations at once. */
    public static final int MAX_CONCURRENCY = 40;

    public static MigrationOptions defaults() {
        return new MigrationOptions(100, 500, 4, 10, Duration.ofSeconds(20), Duration.ofMillis(500), Duration.ofMinutes(2));
    }

    public int batchSize(int children) {
        return Math.max(minBatchSize, (children + maxBatches - 1) / maxBatches);
    }
}
