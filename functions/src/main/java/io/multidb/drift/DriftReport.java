package io.multidb.drift;

import java.time.Instant;
import java.util.Objects;

/**
 * The header of a schema database's drift report: the latest scan of its family (its children are in
 * {@link DriftResult}s, one per batch).
 *
 * @param scanId         also the workflow execution's name for a big family: {@code drift-<uuid>}
 * @param schemaVersion  the schema database's version when the scan started
 * @param childrenScanned how many children were compared (the counts' total once complete)
 * @param batchCount     how many batches the children were split into (0 until known)
 * @param inline         scanned by the API call itself (a small family) rather than by the workflow
 * @param error          why the scan failed; null otherwise
 */
public record DriftReport(String scanId, String org, String schemaDb, ScanStatus status, long schemaVersion,
                          Instant startedAt, Instant finishedAt, DriftCounts counts, long childrenScanned,
                          int batchCount, int maxConcurrency, boolean inline, String error) {
    public DriftReport {
        Objects.requireNonNull(scanId);
        Objects.requireNonNull(org);
        Objects.requireNonNull(schemaDb);
        Objects.requireNonNull(status);
        Objects.requireNonNull(startedAt);
        Objects.requireNonNull(counts);
    }

    public static DriftReport running(String scanId, String org, String schemaDb, long version, Instant at,
                                      int maxConcurrency, boolean inline) {
        return new DriftReport(scanId, org, schemaDb, ScanStatus.RUNNING, version, at, null, DriftCounts.ZERO, 0, 0,
                maxConcurrency, inline, null);
    }

    public DriftReport withBatchCount(int n) {
        return new DriftReport(scanId, org, schemaDb, status, schemaVersion, startedAt, finishedAt, counts,
                childrenScanned, n, maxConcurrency, inline, error);
    }

    public DriftReport complete(DriftCounts c, int batches, Instant at) {
        return new DriftReport(scanId, org, schemaDb, ScanStatus.COMPLETE, schemaVersion, startedAt, at, c, c.total(),
                batches, maxConcurrency, inline, null);
    }

    public DriftReport failed(String why, Instant at) {
        return new DriftReport(scanId, org, schemaDb, ScanStatus.FAILED, schemaVersion, startedAt, at, counts,
                childrenScanned, batchCount, maxConcurrency, inline, why);
    }
}
