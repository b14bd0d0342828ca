package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Follows a migration job until it ends: on a terminal a live bar redrawn in place (phase, children done / failed
 * / total, rate, elapsed, ETA); without one (CI, a pipe) one plain line per phase. Then the summary.
 */
final class Watcher {
    private static final int MAX_FAILED_SHOWN = 20;

    private final Migrations migrations;
    private final PrintWriter out;
    private final boolean terminal;
    private final int width;
    private final LongSupplier nanos;

    Watcher(Migrations migrations, PrintWriter out, boolean terminal, int width, LongSupplier nanos) {
        this.migrations = migrations;
        this.out = out;
        this.terminal = terminal;
        this.width = Math.max(60, width);
        this.nanos = nanos;
    }

    /** Polls until the job has ended and returns its last snapshot. */
    Migrations.Snapshot follow(String parent, String id) {
        return follow(parent, id, true);
    }

    /**
     * @param started the client has just started the job: show its phases even if it ended before the first look
     *                (for a job only watched, an ended one gets the summary alone)
     */
    Migrations.Snapshot follow(String parent, String id, boolean started) {
        // Ctrl-C stops watching, not the job: say so, and how to watch again.
        Thread hint = new Thread(() -> {
            out.println();
            out.println("stopped watching; migration " + id + " goes on: multidb migrations watch " + parent + " " + id);
            out.flush();
        }, "multidb-watch-hint");
        boolean hooked = addHook(hint);
        try {
            return poll(parent, id, started);
        } finally {
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hint);
                } catch (IllegalStateException e) {
                    // shutting down: the hint runs
                }
            }
        }
    }

    private static boolean addHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private Migrations.Snapshot poll(String parent, String id, boolean started) {
        long start = nanos.getAsLong();
        java.util.List<String> seen = new java.util.ArrayList<>();
        String current = null;
        long phaseStart = start;
        int phaseDoneAtStart = 0;
        Migrations.Snapshot s;
        boolean first = true;
        while (true) {
            s = migrations.snapshot(parent, id);
            if (first && !started && !s.running()) {
                break; // ended before the first look: only the summary to show
            }
            Migrations.Phase p = Migrations.Phase.of(s.status(), s.counts());
            if (canaryFirst(s) && p.name().equals("apply")) {
                p = new Migrations.Phase("canary", p.done(), p.failed(), p.total());
            }
            long now = nanos.getAsLong();
            if (first && !started) {
                // Only watched: the phases it passed before this look are not redrawn as if they had just ended.
                java.util.List<String> before = phases(s);
                seen.addAll(before.subList(0, before.size() - 1));
            }
            first = false;
            // Every phase the job has gone through, also one that began and ended between two looks.
            for (String phase : phases(s)) {
                if (seen.contains(phase) || (!terminal && phase.equals("starting"))) {
                    continue;
                }
                if (terminal && current != null) {
                    out.print("\r\033[K");
                    out.println(phaseDone(current, now - phaseStart));
                } else if (!terminal) {
                    out.println(s.kind() + " " + id + ": " + phase + " (" + s.counts().total() + " children)");
                }
                seen.add(phase);
                current = phase;
                phaseStart = now;
                phaseDoneAtStart = phase.equals(p.name()) ? p.done() : 0;
            }
            if (!s.running() || s.paused()) {
                break; // a paused job waits for a person: the summary says how to go on
            }
            if (terminal) {
                out.print("\r" + bar(p, now - start, now - phaseStart, p.done() - phaseDoneAtStart) + "\033[K");
            }
            out.flush();
            sleep(Duration.ofMillis(Math.max(200, 50L * s.pages())));
        }
        if (terminal && current != null) {
            out.print("\r\033[K");
            out.println(phaseDone(current, nanos.getAsLong() - phaseStart));
        }
        out.flush();
        return s;
    }

    /** A job that pauses after its canary and was not resumed yet: its apply is the canary's. */
    static boolean canaryFirst(Migrations.Snapshot s) {
        JsonNode c = s.job().path("canary");
        return c.path("pause_after_canary").asBoolean() && !c.path("resumed").asBoolean();
    }

    /** The phases this job has gone through, the current one last ("canary" for the apply before a pause). */
    static java.util.List<String> phases(Migrations.Snapshot s) {
        java.util.List<String> p = phases(s.status());
        return canaryFirst(s) ? p.stream().map(x -> x.equals("apply") ? "canary" : x).distinct().toList() : p;
    }

    /** The phases a job in this status has gone through, the current one last. */
    static java.util.List<String> phases(String status) {
        return switch (status) {
            case "pending" -> java.util.List.of("starting");
            case "dry_running", "failed" -> java.util.List.of("starting", "dry-run");
            case "paused" -> java.util.List.of("starting", "dry-run", "canary");
            case "applying", "succeeded", "succeeded_with_quarantine" -> java.util.List.of("starting", "dry-run", "apply");
            case "rolling_back", "rolled_back" -> java.util.List.of("starting", "dry-run", "apply", "rollback");
            default -> java.util.List.of("starting");
        };
    }

    private static String phaseDone(String phase, long nanos) {
        return String.format(Locale.ROOT, "%-9s done in %s", phase, clock(nanos));
    }

    /** One line: {@code apply     [#####-----]  120/400  failed 0  85.3/s  elapsed 0:02  ETA 0:03}. */
    String bar(Migrations.Phase p, long elapsedNanos, long phaseNanos, int doneInPhase) {
        double seconds = phaseNanos / 1e9;
        double rate = seconds > 0.2 ? doneInPhase / seconds : 0;
        String eta = p.total() > 0 && p.done() >= p.total() ? "0:00"
                : rate > 0 ? clock((long) ((p.total() - p.done()) / rate * 1e9)) : "--:--";
        int digits = Math.max(1, String.valueOf(p.total()).length());
        String counts = p.total() == 0 ? "listing children" : String.format(Locale.ROOT, "%" + digits + "d/%d", p.done(), p.total());
        String tail = String.format(Locale.ROOT, " %s  failed %d  %6.1f/s  elapsed %s  ETA %s", counts, p.failed(),
                rate, clock(elapsedNanos), eta);
        String head = String.format(Locale.ROOT, "%-9s ", p.name());
        int cells = Math.max(10, Math.min(40, width - 1 - head.length() - tail.length() - 2));
        int filled = p.total() == 0 ? 0 : (int) Math.min(cells, (long) cells * p.done() / p.total());
        return head + "[" + "#".repeat(filled) + "-".repeat(cells - filled) + "]" + tail;
    }

    static String clock(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /**
     * The end (or the pause): status, versions, time, failed or behind children with their SQLite errors. Returns the
     * exit code: 0 succeeded (or still running), 1 did not succeed, 3 succeeded with children left behind, 4 paused.
     */
    static int summary(Migrations.Snapshot s, String parent, PrintWriter out) {
        JsonNode job = s.job();
        String status = s.status();
        String what = s.kind().equals("repair") ? "repair" : "migration";
        long from = job.path("from_version").asLong();
        long to = job.path("to_version").asLong();
        Duration took = s.took();
        String time = took == null ? "" : " in " + seconds(took);
        int children = s.counts().total();
        JsonNode failed = job.path("failed_children");
        if (status.equals("succeeded")) {
            out.println(what + " " + s.id() + " succeeded" + time + ": " + (what.equals("repair")
                    ? children + " " + plural(children) + " brought to version " + to + " (" + parent + "'s)"
                    : "version " + from + " → " + to + " on " + parent + " and " + children + " " + plural(children)));
            return 0;
        }
        if (status.equals("succeeded_with_quarantine")) {
            int behind = failed.size();
            out.println(what + " " + s.id() + " succeeded with quarantine" + time + ": version " + to + " on " + parent
                    + " and " + (children - behind) + " of " + children + " " + plural(children));
            out.println("  warning: " + behind + " " + plural(behind) + " failed and stayed behind at their old version "
                    + "(they keep serving on their old schema):");
            listChildren(failed, out);
            out.println("  once the cause is fixed, bring them forward with either:");
            out.println("    multidb migrations retry " + parent + " " + s.id());
            out.println("    multidb drift repair " + parent);
            return CliException.QUARANTINED;
        }
        if (s.paused()) {
            JsonNode canary = job.path("canary");
            int applied = s.counts().applied();
            out.println(what + " " + s.id() + " is paused after its canary");
            out.println("  " + applied + " canary " + plural(applied) + " at version " + to
                    + (canary.path("verify").isTextual() ? " (the verify query held on each)" : "") + "; "
                    + (children - applied) + " " + plural(children - applied) + (children - applied == 1 ? " waits" : " wait")
                    + " at version " + from);
            out.println("  the family stays write-blocked until you decide:");
            out.println("    go on:     multidb migrations resume " + parent + " " + s.id());
            out.println("    roll back: multidb migrations abort " + parent + " " + s.id());
            return CliException.PAUSED;
        }
        if (Migrations.isRunning(status)) {
            out.println(what + " " + s.id() + " is still " + status + ": follow it with `multidb migrations watch "
                    + parent + " " + s.id() + "`");
            return 0;
        }
        out.println(what + " " + s.id() + " " + status + time + ": version stays " + from + " (not " + to + ")");
        out.println("  " + describeOutcome(status));
        if (job.path("error").isTextual() && (failed.isEmpty() || job.path("error").asText().contains("canary"))) {
            out.println("  error: " + job.path("error").asText()); // else it repeats the children's errors
        }
        if (failed.size() > 0) {
            out.println("  failed children (" + failed.size() + "):");
            listChildren(failed, out);
        }
        out.println("  once the cause is fixed: multidb migrations retry " + parent + " " + s.id());
        return CliException.FAILED;
    }

    private static void listChildren(JsonNode failed, PrintWriter out) {
        int shown = 0;
        for (JsonNode f : failed) {
            if (shown++ == MAX_FAILED_SHOWN) {
                out.println("    … and " + (failed.size() - MAX_FAILED_SHOWN) + " more (--json lists them all)");
                break;
            }
            out.println("    " + f.path("database").asText() + ": " + f.path("error").asText());
        }
    }

    private static String plural(int n) {
        return n == 1 ? "child" : "children";
    }

    /** The exit code of a job's status, as {@link #summary} returns it (for --json, which prints no summary). */
    static int exitCode(String status) {
        return switch (status) {
            case "succeeded" -> 0;
            case "succeeded_with_quarantine" -> CliException.QUARANTINED;
            case "paused" -> CliException.PAUSED;
            default -> Migrations.isRunning(status) ? 0 : CliException.FAILED;
        };
    }

    private static String describeOutcome(String status) {
        return switch (status) {
            case "failed" -> "the dry-run found a problem and nothing changed anywhere";
            case "rolled_back" -> "a child failed after the dry-run (or a canary's check); every changed child was restored";
            case "aborted" -> "stopped on request before the parent changed; every changed child was restored";
            default -> "no database was changed";
        };
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
