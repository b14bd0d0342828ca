package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings children that are behind their family forward, as one job with the usual guarantees (dry-run everywhere,
 * all or nothing unless it quarantines): each child runs the parent's recorded migrations it lacks, from its own
 * file's version, in one transaction. The parent only records the job (a version row at the version it already
 * has), which keeps the rule that the parent's file decides a job's outcome.
 *
 * <p>A child is behind when its file's version is below the parent's. What it lacks is read from the recorded
 * jobs that succeeded on the parent, one per version; a version no recorded job brought cannot be replayed, and
 * the repair refuses to start rather than guess. Whether a child's schema is what its version says is the drift
 * report's question: a child that replays into a schema other than the parent's fails its dry-run as diverged.
 */
final class Repairs {
    private final Catalog catalog;
    private final MigrationStore store;
    private final DatabaseMigrator migrator;
    private final MigrationControl control;
    private final MigrationViews views;

    Repairs(Catalog catalog, MigrationStore store, DatabaseMigrator migrator, MigrationControl control,
            MigrationViews views) {
        this.catalog = catalog;
        this.store = store;
        this.migrator = migrator;
        this.control = control;
        this.views = views;
    }

    /**
     * @param children the children to bring forward; null: every child marked behind
     */
    MigrationJob start(String org, String parent, List<String> children, JobPlan.FailurePolicy policy,
                       Integer maxConcurrency) {
        Database p = views.schemaDatabase(org, parent);
        long target = p.schemaVersion();
        Map<String, Database> family = new HashMap<>();
        for (Database d : catalog.listChildren(org, parent)) {
            family.put(d.name(), d);
        }
        List<String> asked = children == null
                ? family.values().stream().filter(d -> d.behind() != null).map(Database::name).sorted().toList()
                : children.stream().map(Names::database).distinct().sorted().toList();
        List<String> targets = new ArrayList<>();
        long lowest = target;
        for (String name : asked) {
            if (!family.containsKey(name)) {
                throw MultidbException.invalid("'" + name + "' is not a child of '" + parent + "'");
            }
            long version = migrator.version(name);
            if (version > target) {
                throw MultidbException.invalid("'" + name + "' is at version " + version + ", ahead of '" + parent
                        + "' (version " + target + "): it is diverged, and a repair only brings children forward");
            }
            if (version < target || family.get(name).behind() != null) {
                targets.add(name);
                lowest = Math.min(lowest, version);
            }
        }
        if (targets.isEmpty()) {
            throw MultidbException.conflict("no child of '" + parent + "' is behind version " + target
                    + (children == null ? "" : " among those named") + ": nothing to repair");
        }
        List<JobPlan.ReplayStep> steps = steps(org, parent, lowest, target);
        String what = "-- repair: replays version" + (target - lowest == 1 ? " " + target : "s " + (lowest + 1) + "-"
                + target) + " on " + targets.size() + (targets.size() == 1 ? " child" : " children");
        JobPlan plan = new JobPlan(null, null, false, policy, new JobPlan.Repair(targets, steps));
        return control.start(org, parent, what, maxConcurrency, plan);
    }

    /** The recorded migrations bringing versions {@code from}+1 .. {@code to}, one per version, in order. */
    private List<JobPlan.ReplayStep> steps(String org, String parent, long from, long to) {
        java.util.NavigableMap<Long, MigrationJob> byVersion = store.recordedMigrations(org, parent);
        List<JobPlan.ReplayStep> steps = new ArrayList<>();
        for (long v = from + 1; v <= to; v++) {
            MigrationJob j = byVersion.get(v);
            if (j == null) {
                throw MultidbException.conflict("no recorded migration of '" + parent + "' brought version " + v
                        + ": children below it cannot be brought forward by replay (the drift report shows them)");
            }
            steps.add(new JobPlan.ReplayStep(v, j.id(), j.program()));
        }
        return steps;
    }
}
