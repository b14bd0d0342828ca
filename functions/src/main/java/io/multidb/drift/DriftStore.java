package io.multidb.drift;

import io.multidb.migrations.Page;
import java.util.List;
import java.util.Optional;

/**
 * The drift reports' metadata port: per schema database, the header of its latest scan, reachable from a fixed
 * key; per scan, the children's names each batch compares (written by prepare) and what each batch found. Only
 * single-item conditional writes (dynalite has no transactions). Older scans' batches may stay behind: nothing
 * reads them once a newer header replaced theirs.
 */
public interface DriftStore {

    /**
     * Writes {@code report} as its schema database's latest, if no scan is running there, or the running one is
     * {@code replacing} (a scan whose workflow is gone). False (nothing written) otherwise.
     */
    boolean startReport(DriftReport report, String replacing);

    /** The latest report's header of a schema database, read consistently. */
    Optional<DriftReport> latest(String org, String schemaDb);

    /** Replaces the header if the latest is still this scan and running; false (nothing written) otherwise. */
    boolean updateReport(DriftReport report);

    /** Records the children each batch of a scan compares (batch {@code i} is {@code batches.get(i)}). */
    void putBatchNames(String scanId, List<List<String>> batches);

    Optional<List<String>> batchNames(String scanId, int batch);

    /** Records (or replaces: a retried batch) what one batch found. */
    void putResult(DriftResult result);

    /** A scan's batch results in batch order, {@code limit} at a time, after {@code afterBatch} (null: from the first). */
    Page<DriftResult> results(String scanId, Integer afterBatch, int limit);
}
