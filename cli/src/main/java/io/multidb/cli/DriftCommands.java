package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "drift",
        description = {"Children whose schema is not their schema database's: a report (scan, show) and a repair "
                + "that brings behind children forward by replaying the migrations they lack."},
        subcommands = {DriftCommands.Show.class, DriftCommands.Scan.class, DriftCommands.Repair.class},
        footer = {"", "Examples:", "  multidb drift scan app", "  multidb drift show app --limit 100",
                "  multidb drift repair app --children acme,globex"})
final class DriftCommands extends Container {
    private static final Duration SCAN_POLL = Duration.ofMillis(500);
    private static final Duration SCAN_WAIT = Duration.ofMinutes(30);

    static String path(Api api, String parent) {
        return api.org("/databases/" + Api.enc(parent) + "/drift");
    }

    /** A server without the drift report answers 404 "no such route": say what that means. */
    static CliException explain(CliException e, String parent) {
        if (e.httpStatus() == 404 && e.getMessage().startsWith("no such route")) {
            return new CliException("this server has no drift report (" + e.getMessage() + "): it runs an older multidb");
        }
        if (e.httpStatus() == 404 && e.getMessage().contains("no drift scan")) {
            return new CliException(e.getMessage() + " (run one: multidb drift scan " + parent + ")");
        }
        return e;
    }

    /** The report: a head with the counts, then one row per child that is not in sync. */
    static void print(JsonNode r, String parent, java.io.PrintWriter o) {
        JsonNode c = r.path("counts");
        o.println("drift of " + parent + " at schema version " + r.path("schema_version").asText() + ": scan "
                + r.path("scan_id").asText() + " " + r.path("status").asText() + " (" + when(r) + ")");
        o.println("  " + r.path("children_scanned").asInt() + " children scanned: " + c.path("in_sync").asInt()
                + " in sync, " + c.path("behind").asInt() + " behind, " + c.path("diverged").asInt() + " diverged, "
                + c.path("unreadable").asInt() + " unreadable");
        if (!r.path("children").isEmpty()) {
            printChildren(r.path("children"), o);
        } else if (!r.path("next_cursor").isTextual()) {
            o.println("  no child drifts" + (r.path("status").asText().equals("running") ? " so far" : ""));
        }
        if (c.path("behind").asInt() > 0) {
            o.println("bring the behind children forward: multidb drift repair " + parent);
        }
    }

    /** Started at (to the second) and how long the scan took. */
    private static String when(JsonNode r) {
        String started = r.path("started_at").asText("-");
        String at = started.length() >= 19 ? started.substring(0, 19).replace('T', ' ') + " UTC" : started;
        try {
            java.time.Duration took = java.time.Duration.between(java.time.Instant.parse(started),
                    java.time.Instant.parse(r.path("finished_at").asText()));
            return "started " + at + ", took " + (took.toMillis() < 10_000 ? took.toMillis() + " ms"
                    : took.toSeconds() + " s");
        } catch (RuntimeException notFinished) {
            return "started " + at;
        }
    }

    /** One line per child, its details under it (they are sentences: a table column would wrap them). */
    static void printChildren(JsonNode children, java.io.PrintWriter o) {
        int w = "DATABASE".length();
        for (JsonNode ch : children) {
            w = Math.max(w, ch.path("database").asText().length());
        }
        String row = "%-" + w + "s  %-10s  %s%n";
        o.printf(row, "DATABASE", "STATUS", "VERSION");
        for (JsonNode ch : children) {
            o.printf(row, ch.path("database").asText(), ch.path("status").asText(), ch.path("schema_version").asText("-"));
            JsonNode d = ch.path("details");
            if (d.isTextual()) {
                o.println("      - " + d.asText());
            } else {
                d.forEach(x -> o.println("      - " + (x.isTextual() ? x.asText() : x.toString())));
            }
        }
    }

    @Command(name = "show",
            description = "Show the latest drift report of a schema database's children, a page at a time.",
            footer = {"", "Examples:", "  multidb drift show app", "  multidb drift show app --all --json"})
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "PARENT", description = "the schema database")
        String parent;

        @Option(names = "--limit", paramLabel = "N", description = "children per page (server default)")
        Integer limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "the page after a previous one (its next_cursor)")
        String cursor;

        @Option(names = "--all", description = "every page, one after another")
        boolean all;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            String next = cursor;
            boolean firstPage = true;
            do {
                JsonNode r;
                try {
                    r = api.get(path(api, parent) + Api.query(Api.params("cursor", next,
                            "limit", limit == null ? null : String.valueOf(limit))));
                } catch (CliException e) {
                    throw explain(e, parent);
                }
                if (json) {
                    printJson(r);
                } else if (firstPage) {
                    print(r, parent, out());
                } else {
                    printChildren(r.path("children"), out());
                }
                firstPage = false;
                next = r.path("next_cursor").isTextual() ? r.path("next_cursor").asText() : null;
            } while (all && next != null);
            if (next != null && !json) {
                out().println("more: multidb drift show " + parent + " --cursor " + next + "   (or --all)");
            }
            return 0;
        }
    }

    @Command(name = "scan",
            description = "Scan every child of a schema database now (its version and schema against the parent's) "
                    + "and print the report.",
            footer = {"", "Example:", "  multidb drift scan app"})
    static final class Scan extends Base {
        @Parameters(index = "0", paramLabel = "PARENT", description = "the schema database")
        String parent;

        @Option(names = "--json", description = "print the report's JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            Api.Response started;
            try {
                started = api.exchange("POST", path(api, parent), null);
            } catch (CliException e) {
                throw explain(e, parent);
            }
            JsonNode r = started.body();
            if (started.status() == 202 || r.path("status").asText().equals("running")) {
                // A big family is scanned by a workflow: wait for its report.
                if (!json) {
                    out().println("scanning " + parent + "'s children…");
                    out().flush();
                }
                Instant deadline = Instant.now().plus(SCAN_WAIT);
                while (r.path("status").asText().equals("running") && Instant.now().isBefore(deadline)) {
                    sleep();
                    r = api.get(path(api, parent));
                }
            }
            if (json) {
                printJson(r);
            } else {
                print(r, parent, out());
                if (r.path("next_cursor").isTextual()) {
                    out().println("more: multidb drift show " + parent + " --cursor " + r.path("next_cursor").asText()
                            + "   (or --all)");
                }
            }
            return r.path("status").asText().equals("failed") ? CliException.FAILED : 0;
        }

        private static void sleep() {
            try {
                Thread.sleep(SCAN_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
        }
    }

    @Command(name = "repair",
            description = {"Bring behind children forward: a repair job replays on each the parent's recorded "
                    + "migrations it lacks, and is followed like a migration.",
                    "Without --children: every child marked behind. Exit codes as for migrate (3: some stayed behind)."},
            footer = {"", "Examples:", "  multidb drift repair app", "  multidb drift repair app --children acme,globex "
                    + "--on-child-failure quarantine"})
    static final class Repair extends Base {
        @Parameters(index = "0", paramLabel = "PARENT", description = "the schema database")
        String parent;

        @Option(names = "--children", paramLabel = "NAME,NAME", split = ",",
                description = "only these children (default: every child marked behind)")
        java.util.List<String> children;

        @Option(names = "--on-child-failure", paramLabel = "POLICY",
                description = "rollback_all (default) or quarantine (children that fail again stay behind)")
        String onChildFailure;

        @Option(names = "--max-concurrency", paramLabel = "N", description = "children changed at once (server default)")
        Integer maxConcurrency;

        @Option(names = "--no-wait", description = "start the repair and print its id without following it")
        boolean noWait;

        @Option(names = "--json", description = "print the job's JSON (at the end, or at once with --no-wait)")
        boolean json;

        @Override
        public Integer call() {
            if (onChildFailure != null && !Migrations.Rollout.POLICIES.contains(onChildFailure)) {
                throw CliException.usage("--on-child-failure takes rollback_all (the default) or quarantine, not '"
                        + onChildFailure + "'");
            }
            Migrations m = new Migrations(api());
            JsonNode job = m.repair(parent, children, onChildFailure, maxConcurrency);
            String id = job.path("job_id").asText();
            java.util.List<String> targets = MigrationsCommands.names(job.path("repair").path("children"));
            int n = job.path("repair").path("child_count").asInt(targets.size());
            String started = "started repair " + id + " on " + parent + ": " + n + " " + (n == 1 ? "child" : "children")
                    + (targets.isEmpty() ? "" : " (" + String.join(", ", targets) + (n > targets.size() ? ", …" : "") + ")");
            return MigrationsCommands.followOrPrint(this, m, parent, id, noWait, json, started);
        }
    }
}
