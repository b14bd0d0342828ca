package io.multidb.drift;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import io.multidb.migrations.MigrationStore;
import io.multidb.migrations.WorkflowStarter;
import io.multidb.storage.SqliteStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The drift report's control-plane use cases: start a scan (inline for a small family, as a workflow for a big
 * one) and read the latest report. The workflow's steps are {@link DriftSteps}; the comparison of one child is
 * {@link DriftScanner}'s. A scan never changes a file.
 */
public final class DriftService {
    private final Catalog catalog;
    private final DriftStore store;
    private final WorkflowStarter workflows;
    private final DriftOptions options;
    private final Clock clock;
    private final DriftSteps steps;

    public DriftService(Catalog catalog, MigrationStore migrations, DriftStore store, SqliteStore sqlite,
                        WorkflowStarter workflows, DriftOptions options, Clock clock) {
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.workflows = Objects.requireNonNull(workflows);
        this.options = Objects.requireNonNull(options);
        this.clock = Objects.requireNonNull(clock);
        this.steps = new DriftSteps(catalog, store, new DriftScanner(sqlite, migrations), options, clock);
    }

    public DriftSteps steps() {
        return steps;
    }

    /**
     * Starts a scan of {@code parent}'s family. A family of at most {@code inlineLimit} children is scanned here and
     * the complete report returned; a bigger one gets a workflow execution named after the scan, and the running
     * header is returned. CONFLICT while a migration holds the family's lock or another scan runs.
     */
    public DriftReport start(String org, String parent, Integer maxConcurrency) {
        Names.database(parent);
        int mc = maxConcurrency == null ? options.defaultMaxConcurrency() : maxConcurrency;
        if (mc < 1 || mc > DriftOptions.MAX_CONCURRENCY) {
            throw MultidbException.invalid("'max_concurrency' must be between 1 and " + DriftOptions.MAX_CONCURRENCY);
        }
        Database p = schemaDatabase(org, parent);
        if (p.migrationJob() != null) {
            throw MultidbException.conflict("schema database '" + parent + "' is being migrated by job "
                    + p.migrationJob() + ": run the drift scan when it has finished (GET .../migrations/"
                    + p.migrationJob() + ")");
        }
        String replacing = null;
        Optional<DriftReport> previous = store.latest(org, parent);
        if (previous.isPresent() && previous.get().status() == ScanStatus.RUNNING) {
            DriftReport r = previous.get();
            if (stillRunning(r)) {
                throw MultidbException.conflict("a drift scan of '" + parent + "' is running (" + r.scanId()
                        + "): GET .../drift shows its report when it is done");
            }
            replacing = r.scanId();
        }
        int children = catalog.countChildren(org, parent);
        boolean inline = children <= options.inlineLimit();
        DriftReport header = DriftReport.running("drift-" + UUID.randomUUID(), org, parent, p.schemaVersion(),
                clock.instant(), mc, inline);
        if (!store.startReport(header, replacing)) {
            throw MultidbException.conflict("another drift scan of '" + parent + "' has just started: GET .../drift");
        }
        if (inline) {
            return steps.scanInline(header);
        }
        try {
            workflows.startDriftScan(org, parent, header.scanId(), mc);
        } catch (RuntimeException e) {
            store.updateReport(header.failed("the drift scan's workflow could not be started: " + e.getMessage(),
                    clock.instant()));
            throw MultidbException.unavailable("the drift scan's workflow could not be started: retry", e);
        }
        return header;
    }

    /** The latest report's header; NOT_FOUND saying how to get one when no scan was ever run. */
    public DriftReport latest(String org, String parent) {
        Names.database(parent);
        schemaDatabase(org, parent);
        return store.latest(org, parent).orElseThrow(() -> MultidbException.notFound("schema database '" + parent
                + "' has no drift report yet: POST .../databases/" + parent + "/drift to run one"));
    }

    /** One page of a report's children out of sync, in batch then name order: see {@link DriftCursor}. */
    public record ChildrenPage(List<ChildDrift> children, String next) {
    }

    /**
     * Up to {@code limit} children of a scan's report after {@code cursor} (null: from the first). The cursor is
     * opaque to clients: {@code <batch>.<index>}.
     */
    public ChildrenPage children(DriftReport report, String cursor, int limit) {
        if (limit < 1 || limit > 1000) {
            throw MultidbException.invalid("'limit' must be between 1 and 1000");
        }
        int batch = -1;
        int index = 0;
        if (cursor != null && !cursor.isEmpty()) {
            String[] parts = cursor.split("\\.", -1);
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                batch = Integer.parseInt(parts[0]);
                index = Integer.parseInt(parts[1]);
                if (batch < 0 || index < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw MultidbException.invalid("'cursor' is not one this API gave: pass next_cursor as it came");
            }
        }
        List<ChildDrift> out = new ArrayList<>();
        Integer after = batch < 0 ? null : batch - 1;
        while (true) {
            var page = store.results(report.scanId(), after, 50);
            for (DriftResult r : page.items()) {
                int from = r.batch() == batch ? index : 0;
                for (int i = from; i < r.children().size(); i++) {
                    if (out.size() == limit) {
                        return new ChildrenPage(out, r.batch() + "." + i);
                    }
                    out.add(r.children().get(i));
                }
                after = r.batch();
            }
            if (page.next() == null) {
                return new ChildrenPage(out, null);
            }
        }
    }

    private Database schemaDatabase(String org, String parent) {
        Database p = catalog.getDatabase(org, parent).orElseThrow(() -> MultidbException.notFound(
                "database '" + parent + "' not found"));
        if (!p.isSchema()) {
            throw MultidbException.invalid("'" + parent + "' is not a schema database: a drift report compares a schema "
                    + "database's children with it");
        }
        return p;
    }

    /** A running scan whose process or workflow is gone no longer blocks a new one. */
    private boolean stillRunning(DriftReport r) {
        if (r.inline()) {
            return clock.instant().isBefore(r.startedAt().plus(options.inlineTimeout()));
        }
        WorkflowStarter.ExecutionState state = workflows.describe(r.scanId());
        if (state == WorkflowStarter.ExecutionState.RUNNING) {
            return true;
        }
        // Not known yet: it may still be starting, unless the engine forgot executions started before it (local).
        return state == WorkflowStarter.ExecutionState.NOT_FOUND
                && !r.startedAt().isBefore(workflows.knowsExecutionsSince())
                && clock.instant().isBefore(r.startedAt().plus(options.startGrace()));
    }
}
