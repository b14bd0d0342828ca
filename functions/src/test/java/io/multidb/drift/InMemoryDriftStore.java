package io.multidb.drift;

import io.multidb.migrations.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link DriftStore} fake: the same conditions as the DynamoDB adapter, under one lock. */
public final class InMemoryDriftStore implements DriftStore {
    private final Map<String, DriftReport> reports = new ConcurrentHashMap<>();
    private final Map<String, List<String>> names = new ConcurrentHashMap<>();
    private final Map<String, TreeMap<Integer, DriftResult>> results = new ConcurrentHashMap<>();

    private static String key(String org, String schemaDb) {
        return org + "/" + schemaDb;
    }

    @Override
    public synchronized boolean startReport(DriftReport report, String replacing) {
        DriftReport now = reports.get(key(report.org(), report.schemaDb()));
        if (now != null && now.status() == ScanStatus.RUNNING && !now.scanId().equals(replacing)) {
            return false;
        }
        reports.put(key(report.org(), report.schemaDb()), report);
        return true;
    }

    @Override
    public Optional<DriftReport> latest(String org, String schemaDb) {
        return Optional.ofNullable(reports.get(key(org, schemaDb)));
    }

    @Override
    public synchronized boolean updateReport(DriftReport report) {
        DriftReport now = reports.get(key(report.org(), report.schemaDb()));
        if (now == null || !now.scanId().equals(report.scanId()) || now.status() != ScanStatus.RUNNING) {
            return false;
        }
        reports.put(key(report.org(), report.schemaDb()), report);
        return true;
    }

    @Override
    public void putBatchNames(String scanId, List<List<String>> batches) {
        for (int i = 0; i < batches.size(); i++) {
            names.put(scanId + "/" + i, List.copyOf(batches.get(i)));
        }
    }

    @Override
    public Optional<List<String>> batchNames(String scanId, int batch) {
        return Optional.ofNullable(names.get(scanId + "/" + batch));
    }

    @Override
    public synchronized void putResult(DriftResult result) {
        results.computeIfAbsent(result.scanId(), k -> new TreeMap<>()).put(result.batch(), result);
    }

    @Override
    public synchronized Page<DriftResult> results(String scanId, Integer afterBatch, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        TreeMap<Integer, DriftResult> all = results.getOrDefault(scanId, new TreeMap<>());
        List<DriftResult> after = new ArrayList<>((afterBatch == null ? all : all.tailMap(afterBatch, false)).values());
        if (after.size() <= limit) {
            return new Page<>(after, null);
        }
        List<DriftResult> items = after.subList(0, limit);
        return new Page<>(items, Integer.toString(items.get(limit - 1).batch()));
    }
}
