package io.multidb.drift;

import java.time.Duration;

/**
 * Tuning of drift scans (statemachines/README.md has the numbers).
 *
 * @param inlineLimit           families with at most this many children are scanned by the API call itself
 * @param parallelism           children compared at once by one scan call or one batch task
 * @param minBatchSize          children per batch at least (the workflow's Map iterations)
 * @param maxBatches            batches per scan at most: bounds the execution's history
 * @param defaultMaxConcurrency batches at once when the caller gives no max_concurrency
 * @param startGrace            how long a scan whose execution the engine does not know yet counts as starting
 * @param inlineTimeout         after this, an inline scan still marked running died with its process
 */
public record DriftOptions(int inlineLimit, int parallelism, int minBatchSize, int maxBatches,
                           int defaultMaxConcurrency, Duration startGrace, Duration inlineTimeout) {
    public static final int MAX_CONCURRENCY = 40;

    public static DriftOptions defaults() {
        return new DriftOptions(1000, 4, 100, 500, 10, Duration.ofMinutes(2), Duration.ofMinutes(15));
    }

    public DriftOptions withInlineLimit(int limit) {
        return new DriftOptions(limit, parallelism, minBatchSize, maxBatches, defaultMaxConcurrency, startGrace,
                inlineTimeout);
    }

    public int batchSize(int children) {
        return Math.max(minBatchSize, (children + maxBatches - 1) / maxBatches);
    }
}
