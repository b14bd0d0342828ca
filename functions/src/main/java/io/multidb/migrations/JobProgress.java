package io.multidb.migrations;

import io.multidb.common.MultidbException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a person watching a job needs (the console): counts of databases per task status, the workflow step the job
 * is at, and the databases filtered by status a page at a time. Built only on {@link MigrationService#getJob} and
 * {@link MigrationService#progress}, so it follows wherever the store keeps task outcomes; every call reads a
 * bounded number of progress pages.
 */
public final class JobProgress {
    /** Progress pages are read this many tasks at a time (the store's largest page). */
    static final int SCAN_PAGE = 1000;
    /** A summary counts at most this many pages (200,000 databases); past it, it says the counts are partial. */
    static final int SUMMARY_PAGES = 200;
    /** A filtered page of databases reads at most this many pages, then hands back a cursor to go on from. */
    static final int FILTER_PAGES = 10;
    public static final int MAX_LIMIT = 500;

    /** The workflow's state names (statemachines/schema-migration.asl.json; a test holds them to the file). */
    public static final String PREPARE = "Prepare the migration";
    public static final String DRY_RUN_PARENT = "Dry-run on the schema database";
    public static final String DRY_RUN_CHILDREN = "Dry-run on the children";
    public static final String APPLY_CANARY = "Apply to the canary children";
    public static final String LOOK_FOR_RESUME = "Look for a resume or an abort";
    public static final String APPLY_CHILDREN = "Apply to the children";
    public static final String APPLY_PARENT = "Apply to the schema database";
    public static final String RELEASE_SUCCEEDED = "Release the family (succeeded)";
    public static final String RESTORE = "Restore the changed children";
    public static final String RELEASE_ROLLED_BACK = "Release the family (rolled back)";
    public static final String RELEASE_FAILED = "Release the family (failed)";
    public static final String DECIDE = "Did the migration succeed?";
    public static final String SUCCEEDED = "Migration succeeded";
    public static final String NOT_SUCCEEDED = "Migration did not succeed";

    private static final Set<TaskStatus> DRY_RUN_DONE = EnumSet.complementOf(EnumSet.of(TaskStatus.PENDING));
    private static final Set<TaskStatus> FAILED = EnumSet.of(TaskStatus.DRY_RUN_FAILED, TaskStatus.FAILED,
            TaskStatus.VERIFY_FAILED);

    /** Summaries of ended jobs, whose tasks no longer change: a finished fleet migration is counted once. */
    private static final int ENDED_CACHE = 256;
    private final MigrationService migrations;
    private final Map<String, Summary> ended = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Summary> eldest) {
                    return size() > ENDED_CACHE;
                }
            });

    public JobProgress(MigrationService migrations) {
        this.migrations = Objects.requireNonNull(migrations);
    }

    /**
     * @param children      the children's counts per task status (the parent is not among them)
     * @param parent        the schema database's task status, null before prepare records it
     * @param complete      false if the job has more databases than a summary counts
     * @param step          the workflow state the job is in (or ended in)
     * @param visited       the states the job has passed through, in order, {@code step} last
     * @param percent       how far the job is, 0 to 100: a dry-run and an apply for each database
     */
    public record Summary(MigrationJob job, Map<TaskStatus, Integer> children, int childCount, TaskStatus parent,
                          boolean complete, String step, List<String> visited, int percent) {
    }

    /** A page of a job's databases, in name order. */
    public record TaskPage(List<MigrationTask> items, String next) {
    }

    public Summary summary(String org, String parent, String jobId) {
        MigrationJob job = migrations.getJob(org, parent, jobId);
        Summary known = ended.get(job.id());
        if (known != null && known.job().equals(job)) {
            return known;
        }
        Summary counted = count(job);
        if (job.status().isFinal() && counted.complete()) {
            ended.put(job.id(), counted);
        }
        return counted;
    }

    private Summary count(MigrationJob job) {
        Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
        for (TaskStatus s : TaskStatus.values()) {
            counts.put(s, 0);
        }
        TaskStatus parentStatus = null;
        String cursor = null;
        int pages = 0;
        do {
            Page<MigrationTask> page = migrations.progress(job.id(), cursor, SCAN_PAGE);
            for (MigrationTask t : page.items()) {
                if (t.isParent()) {
                    parentStatus = t.status();
                } else {
                    counts.merge(t.status(), 1, Integer::sum);
                }
            }
            cursor = page.next();
        } while (cursor != null && ++pages < SUMMARY_PAGES);
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        List<String> visited = visited(job, counts, total, parentStatus);
        return new Summary(job, counts, total, parentStatus, cursor == null, visited.get(visited.size() - 1), visited,
                percent(job, counts, total, parentStatus));
    }

    /**
     * A page of the job's databases (the schema database among them) whose task status is {@code filter}: a status's
     * wire name, {@code failed} for both failure statuses, or null for all. May hold fewer than {@code limit} with
     * a next cursor when the filter matches little.
     */
    public TaskPage tasks(String org, String parent, String jobId, String filter, String cursor, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw MultidbException.invalid("'limit' must be between 1 and " + MAX_LIMIT);
        }
        Set<TaskStatus> wanted = statuses(filter);
        MigrationJob job = migrations.getJob(org, parent, jobId);
        Position at = Position.decode(cursor);
        if (wanted == null) {
            // Unfiltered: the store's own pages, of the size asked for.
            Page<MigrationTask> page = migrations.progress(job.id(), at.storeCursor(), limit);
            return new TaskPage(page.items(), page.next() == null ? null : new Position(page.next(), 0).encode());
        }
        List<MigrationTask> out = new java.util.ArrayList<>();
        String storeCursor = at.storeCursor();
        int skip = at.skip();
        for (int pages = 0; pages < FILTER_PAGES; pages++) {
            Page<MigrationTask> page = migrations.progress(job.id(), storeCursor, SCAN_PAGE);
            List<MigrationTask> items = page.items();
            for (int i = skip; i < items.size(); i++) {
                if (wanted.contains(items.get(i).status())) {
                    if (out.size() == limit) {
                        return new TaskPage(out, new Position(storeCursor, i).encode());
                    }
                    out.add(items.get(i));
                }
            }
            if (page.next() == null) {
                return new TaskPage(out, null);
            }
            storeCursor = page.next();
            skip = 0;
        }
        return new TaskPage(out, new Position(storeCursor, 0).encode());
    }

    static Set<TaskStatus> statuses(String filter) {
        if (filter == null || filter.isEmpty() || filter.equals("all")) {
            return null;
        }
        if (filter.equals("failed")) {
            return FAILED;
        }
        for (TaskStatus s : TaskStatus.values()) {
            if (s.wire().equals(filter)) {
                return EnumSet.of(s);
            }
        }
        throw MultidbException.invalid("'status' filter must be 'failed' (dry-run or apply failures), one of "
                + String.join(", ", java.util.Arrays.stream(TaskStatus.values()).map(TaskStatus::wire).toList())
                + ", or absent for every database");
    }

    /** The states passed so far, as the job's status and its tasks tell them (the workflow's own graph). */
    static List<String> visited(MigrationJob job, Map<TaskStatus, Integer> children, int total, TaskStatus parent) {
        boolean prepared = parent != null || job.batchCount() > 0;
        boolean parentDryRun = parent != null && parent != TaskStatus.PENDING;
        boolean childrenDryRun = total - children.get(TaskStatus.PENDING) == total;
        boolean childrenApplied = children.get(TaskStatus.APPLIED) == total;
        List<String> applying = applying(job);
        return switch (job.status()) {
            case PENDING -> List.of(PREPARE);
            case DRY_RUNNING -> parentDryRun ? List.of(PREPARE, DRY_RUN_PARENT, DRY_RUN_CHILDREN) : List.of(PREPARE, DRY_RUN_PARENT);
            case APPLYING -> childrenApplied ? concat(applying, APPLY_PARENT) : applying;
            case PAUSED -> List.of(PREPARE, DRY_RUN_PARENT, DRY_RUN_CHILDREN, APPLY_CANARY, LOOK_FOR_RESUME);
            case ROLLING_BACK -> concat(applying, RESTORE);
            case SUCCEEDED, SUCCEEDED_WITH_QUARANTINE -> concat(applying, APPLY_PARENT, RELEASE_SUCCEEDED, DECIDE, SUCCEEDED);
            case ROLLED_BACK, ABORTED -> concat(applying, RESTORE, RELEASE_ROLLED_BACK, DECIDE, NOT_SUCCEEDED);
            case FAILED -> {
                List<String> path = new java.util.ArrayList<>(List.of(PREPARE));
                if (prepared) {
                    path.add(DRY_RUN_PARENT);
                }
                if (parent == TaskStatus.DRY_RUN_OK && childrenDryRun) {
                    path.add(DRY_RUN_CHILDREN);
                }
                path.add(RELEASE_FAILED);
                path.add(DECIDE);
                path.add(NOT_SUCCEEDED);
                yield List.copyOf(path);
            }
        };
    }

    /** The path up to the apply of the children: through the canary (and its pause) when the job has one. */
    private static List<String> applying(MigrationJob job) {
        List<String> path = new java.util.ArrayList<>(List.of(PREPARE, DRY_RUN_PARENT, DRY_RUN_CHILDREN));
        if (job.canaryBatches() > 0) {
            path.add(APPLY_CANARY);
            if (job.plan().pauseAfterCanary()) {
                path.add(LOOK_FOR_RESUME);
            }
        }
        path.add(APPLY_CHILDREN);
        return List.copyOf(path);
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> out = new java.util.ArrayList<>(head);
        out.addAll(List.of(tail));
        return List.copyOf(out);
    }

    /** Each database counts a dry-run and an apply; a succeeded job is 100, a job that ended otherwise where it got. */
    static int percent(MigrationJob job, Map<TaskStatus, Integer> children, int total, TaskStatus parent) {
        if (job.status().succeeded()) {
            return 100;
        }
        int databases = total + 1;
        int dryRun = total - children.get(TaskStatus.PENDING) + (parent != null && parent != TaskStatus.PENDING ? 1 : 0);
        int applied = children.get(TaskStatus.APPLIED) + (parent == TaskStatus.APPLIED ? 1 : 0);
        if (parent == null) {
            return 0;
        }
        return Math.min(99, (int) ((dryRun + applied) * 100L / (2L * databases)));
    }

    /** Where a filtered listing goes on: a store cursor (null: the start) and how many of that page to skip. */
    record Position(String storeCursor, int skip) {
        String encode() {
            String s = skip + ":" + (storeCursor == null ? "" : storeCursor);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String cursor) {
            if (cursor == null || cursor.isEmpty()) {
                return new Position(null, 0);
            }
            try {
                String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int colon = s.indexOf(':');
                int skip = Integer.parseInt(s.substring(0, colon));
                String store = s.substring(colon + 1);
                if (skip < 0 || skip >= SCAN_PAGE) {
                    throw new IllegalArgumentException();
                }
                return new Position(store.isEmpty() ? null : store, skip);
            } catch (RuntimeException e) {
                throw MultidbException.invalid("'cursor' is not one this list gave out: pass the 'next_cursor' of the"
                        + " previous page");
            }
        }
    }
}
