package io.multidb.drift;

import static io.multidb.drift.DriftScanFailed.Reason.NOT_RUNNING;
import static io.multidb.drift.DriftScanFailed.Reason.TRANSIENT;

import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.migrations.Page;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A scan's steps: the workflow's (prepare, one batch, finish: the drift branch of
 * statemachines/schema-migration.asl.json) and the inline scan of a small family, which does the same in one call.
 * Children are compared in name order, in batches, with bounded parallelism; each batch's result is one write.
 */
public final class DriftSteps {
    private final Catalog catalog;
    private final DriftStore store;
    private final DriftScanner scanner;
    private final DriftOptions options;
    private final Clock clock;

    DriftSteps(Catalog catalog, DriftStore store, DriftScanner scanner, DriftOptions options, Clock clock) {
        this.catalog = catalog;
        this.store = store;
        this.scanner = scanner;
        this.options = options;
        this.clock = clock;
    }

    /** Splits the family's children into batches (name order, contiguous) and records them; returns how many. */
    public int prepare(String org, String parent, String scanId) {
        DriftReport r = running(org, parent, scanId);
        List<List<String>> batches = split(children(org, parent));
        store.putBatchNames(scanId, batches);
        if (!store.updateReport(r.withBatchCount(batches.size()))) {
            throw new DriftScanFailed(NOT_RUNNING, "drift scan " + scanId + " is no longer running", null);
        }
        return batches.size();
    }

    /** Compares one batch's children with the schema database and records what it found. */
    public DriftResult batch(String org, String parent, String scanId, int batch) {
        running(org, parent, scanId);
        List<String> names = store.batchNames(scanId, batch).orElseThrow(() -> new DriftScanFailed(NOT_RUNNING,
                "drift scan " + scanId + " has no batch " + batch + ": was it prepared?", null));
        DriftScanner.Baseline base = baseline(org, parent);
        DriftResult result = compare(scanId, batch, names, base);
        store.putResult(result);
        return result;
    }

    /**
     * The workflow's last step: with {@code error} null, sums the batches' results into the header (complete);
     * otherwise records the scan as failed. Returns the header (unchanged if the scan is no longer the latest or
     * no longer running: a newer scan is never touched).
     */
    public DriftReport finish(String org, String parent, String scanId, String error) {
        DriftReport r = store.latest(org, parent).orElse(null);
        if (r == null || !r.scanId().equals(scanId) || r.status() != ScanStatus.RUNNING) {
            return r;
        }
        DriftReport done;
        if (error != null) {
            done = r.failed(error, clock.instant());
        } else {
            DriftCounts counts = DriftCounts.ZERO;
            int found = 0;
            Integer after = null;
            while (true) {
                Page<DriftResult> page = store.results(scanId, after, 100);
                for (DriftResult b : page.items()) {
                    counts = counts.plus(b.counts());
                    found++;
                    after = b.batch();
                }
                if (page.next() == null) {
                    break;
                }
            }
            String overlapped = overlapped(org, parent, r);
            done = found != r.batchCount()
                    ? r.failed(found + " of " + r.batchCount() + " batches were compared", clock.instant())
                    : overlapped != null ? r.failed(overlapped, clock.instant())
                    : r.complete(counts, r.batchCount(), clock.instant());
        }
        store.updateReport(done);
        return store.latest(org, parent).orElse(done);
    }

    /** A small family, scanned by the API call: the same batches, recorded the same way, then the header. */
    DriftReport scanInline(DriftReport header) {
        try {
            List<List<String>> batches = split(children(header.org(), header.schemaDb()));
            DriftScanner.Baseline base = baseline(header.org(), header.schemaDb());
            DriftCounts counts = DriftCounts.ZERO;
            for (int b = 0; b < batches.size(); b++) {
                DriftResult result = compare(header.scanId(), b, batches.get(b), base);
                store.putResult(result);
                counts = counts.plus(result.counts());
            }
            String overlapped = overlapped(header.org(), header.schemaDb(), header);
            DriftReport done = overlapped != null ? header.failed(overlapped, clock.instant())
                    : header.complete(counts, batches.size(), clock.instant());
            store.updateReport(done);
            return done;
        } catch (RuntimeException e) {
            try {
                store.updateReport(header.failed("the scan failed: " + e.getMessage(), clock.instant()));
            } catch (RuntimeException w) {
                e.addSuppressed(w);
            }
            throw e;
        }
    }

    /**
     * Why the scan's comparisons may mix two versions of the family (a migration started while it ran), or null.
     * Such a scan is recorded failed, saying to run it again, rather than reporting children a moment apart.
     */
    private String overlapped(String org, String parent, DriftReport r) {
        return scanner.jobSince(org, parent, r.startedAt())
                .map(j -> "migration job " + j.id() + " ran while the scan did, so some children may have been "
                        + "compared before its change and some after: run the scan again once it has ended")
                .orElse(null);
    }

    private List<String> children(String org, String parent) {
        return catalog.listChildren(org, parent).stream().map(Database::name).sorted().toList();
    }

    private List<List<String>> split(List<String> names) {
        int size = options.batchSize(names.size());
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i += size) {
            out.add(names.subList(i, Math.min(names.size(), i + size)));
        }
        return out;
    }

    private DriftScanner.Baseline baseline(String org, String parent) {
        Database p = catalog.getDatabase(org, parent).orElseThrow(() -> new DriftScanFailed(NOT_RUNNING,
                "schema database " + parent + " is gone", null));
        return scanner.baseline(org, parent, p.schemaVersion());
    }

    private DriftReport running(String org, String parent, String scanId) {
        DriftReport r = store.latest(org, parent).orElseThrow(() -> new DriftScanFailed(NOT_RUNNING,
                "no drift scan of " + parent, null));
        if (!r.scanId().equals(scanId) || r.status() != ScanStatus.RUNNING) {
            throw new DriftScanFailed(NOT_RUNNING, "drift scan " + scanId + " is no longer running", null);
        }
        return r;
    }

    /** The children compared {@code parallelism} at a time; the result lists those out of sync in name order. */
    private DriftResult compare(String scanId, int batch, List<String> names, DriftScanner.Baseline base) {
        int n = Math.max(1, Math.min(options.parallelism(), names.size()));
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "drift-scan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ChildDrift>> futures = new ArrayList<>(names.size());
            for (String name : names) {
                futures.add(pool.submit(() -> scanner.classify(name, base)));
            }
            DriftCounts counts = DriftCounts.ZERO;
            List<ChildDrift> drifted = new ArrayList<>();
            for (Future<ChildDrift> f : futures) {
                ChildDrift c = f.get();
                counts = counts.plus(DriftCounts.of(c.status()));
                if (c.status() != DriftClass.IN_SYNC) {
                    drifted.add(c);
                }
            }
            return DriftResult.capped(scanId, batch, counts, drifted);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new DriftScanFailed(TRANSIENT, "comparing batch " + batch + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriftScanFailed(TRANSIENT, "interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
