package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "migrations", description = "Migration jobs of a schema database.",
        subcommands = {MigrationsCommands.List.class, MigrationsCommands.Show.class, MigrationsCommands.Watch.class,
                MigrationsCommands.Resume.class, MigrationsCommands.Retry.class, MigrationsCommands.Abort.class,
                MigrationsCommands.Unlock.class},
        footer = {"", "Example:", "  multidb migrations list app", "  multidb migrations watch app"})
final class MigrationsCommands extends Container {

    /** Follows the job with the bar (unless noWait) and prints the summary; the exit code says how it ended. */
    static int followOrPrint(Base cmd, Migrations m, String parent, String id, boolean noWait, boolean json, String started) {
        return followOrPrint(cmd, m, parent, id, noWait, json, started, true);
    }

    static int followOrPrint(Base cmd, Migrations m, String parent, String id, boolean noWait, boolean json, String started,
                             boolean justStarted) {
        Io io = cmd.io();
        if (noWait) {
            if (json) {
                cmd.printJson(m.snapshot(parent, id).job());
            } else {
                cmd.out().println(started);
                cmd.out().println("  follow it with: multidb migrations watch " + parent + " " + id);
            }
            return 0;
        }
        if (!json) {
            cmd.out().println(started);
        }
        Watcher w = new Watcher(m, json ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : cmd.out(),
                io.stdoutTty(), io.columns(), System::nanoTime);
        Migrations.Snapshot s = w.follow(parent, id, justStarted);
        if (json) {
            cmd.printJson(s.job());
            return Watcher.exitCode(s.status());
        }
        return Watcher.summary(s, parent, cmd.out());
    }

    @Command(name = "list", description = "List a schema database's migration jobs.",
            footer = {"", "Example:", "  multidb migrations list app"})
    static final class List extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            JsonNode r = new Migrations(api()).list(parent);
            if (json) {
                printJson(r);
                return 0;
            }
            out().println(parent + " is at schema version " + r.path("schema_version").asText());
            Table t = Table.of("JOB", "KIND", "STATUS", "VERSION", "FAILED", "CREATED", "FINISHED");
            r.path("migrations").forEach(j -> t.row(j.path("job_id").asText(), j.path("kind").asText("migration"),
                    j.path("status").asText(),
                    j.path("from_version").asText() + " → " + j.path("to_version").asText(),
                    j.path("failed_children").size(), j.path("created_at").asText(),
                    j.path("finished_at").isTextual() ? j.path("finished_at").asText() : "-"));
            if (t.size() == 0) {
                out().println("no migrations yet");
            } else {
                t.printPlain(out());
            }
            return 0;
        }
    }

    @Command(name = "show",
            description = "Show a job: status, versions, per-phase counts, failed children and their errors.",
            footer = {"", "Example:", "  multidb migrations show app 01jb2k3m4n5p6q7r8s9t", "  multidb migrations show app JOB --json"})
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Parameters(index = "1", paramLabel = "JOB")
        String job;

        @Option(names = "--json", description = "print JSON (progress: every database's status)")
        boolean json;

        @Override
        public Integer call() {
            Migrations.Snapshot s = new Migrations(api()).snapshot(parent, job);
            if (json) {
                printJson(s.job());
                return 0;
            }
            JsonNode j = s.job();
            Migrations.Counts c = s.counts();
            var o = out();
            o.println("job:            " + s.id() + (s.kind().equals("repair") ? " (a repair)" : ""));
            o.println("status:         " + s.status());
            if (j.path("paused").isTextual()) {
                o.println("paused:         " + j.path("paused").asText());
                o.println("                go on: multidb migrations resume " + parent + " " + s.id()
                        + "; roll back: multidb migrations abort " + parent + " " + s.id());
            }
            o.println("schema version: " + j.path("from_version").asText() + " → " + j.path("to_version").asText());
            o.println("children:       " + c.total() + " (pending " + c.pending() + ", dry-run ok " + c.dryRunOk()
                    + ", dry-run failed " + c.dryRunFailed() + ", applied " + c.applied() + ", failed " + c.failed()
                    + (c.verifyFailed() > 0 ? ", verify failed " + c.verifyFailed() : "")
                    + ", restored " + c.restored() + ")");
            o.println("on failure:     " + policy(j.path("on_child_failure").asText("rollback_all")));
            rollout(j, o);
            o.println("created:        " + j.path("created_at").asText());
            o.println("finished:       " + (j.path("finished_at").isTextual() ? j.path("finished_at").asText()
                    + (s.took() != null ? " (" + Watcher.seconds(s.took()) + ")" : "") : "-"));
            if (j.path("error").isTextual()) {
                o.println("error:          " + j.path("error").asText());
            }
            JsonNode failed = j.path("failed_children");
            if (failed.size() > 0) {
                o.println(s.status().equals("succeeded_with_quarantine") ? "behind children (failed, left at version "
                        + j.path("from_version").asText() + "):" : "failed children:");
                failed.forEach(f -> o.println("  " + f.path("database").asText() + ": " + f.path("error").asText()));
            }
            o.println("sql:");
            j.path("sql").asText().lines().forEach(l -> o.println("  " + l));
            return 0;
        }
    }

    static String policy(String wire) {
        return switch (wire) {
            case "quarantine" -> "quarantine (children that fail stay behind at the old version; the rest go on)";
            case "rollback_all" -> "rollback_all (any failure rolls every database back)";
            default -> wire;
        };
    }

    /** The canary and the repair of a job, as `migrations show` prints them. */
    static void rollout(JsonNode j, java.io.PrintWriter o) {
        JsonNode c = j.path("canary");
        if (c.isObject()) {
            String who = c.has("count") ? "the first " + c.path("count").asInt() + " children by name"
                    : String.join(", ", names(c.path("children")));
            o.println("canary:         " + who + " (" + c.path("batches").asInt() + " "
                    + (c.path("batches").asInt() == 1 ? "batch" : "batches") + ")");
            if (c.path("verify").isTextual()) {
                o.println("verify:         " + c.path("verify").asText());
            }
            o.println("pause after:    " + (c.path("pause_after_canary").asBoolean()
                    ? "yes" + (c.path("resumed").asBoolean() ? " (resumed)" : "") : "no"));
        }
        JsonNode r = j.path("repair");
        if (r.isObject()) {
            java.util.List<String> kids = names(r.path("children"));
            int n = r.path("child_count").asInt(kids.size());
            o.println("repairs:        " + n + " " + (n == 1 ? "child" : "children") + ": " + String.join(", ", kids)
                    + (n > kids.size() ? ", …" : ""));
            java.util.List<String> steps = new java.util.ArrayList<>();
            r.path("replays").forEach(st -> steps.add("version " + st.path("schema_version").asText() + " (job "
                    + st.path("job_id").asText() + ")"));
            o.println("replays:        " + (steps.isEmpty() ? "-" : String.join(", ", steps)));
        }
    }

    static java.util.List<String> names(JsonNode array) {
        java.util.List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.path("database").asText()));
        return out;
    }

    @Command(name = "resume",
            description = {"Let a job paused after its canary go on to every other child, and follow it.",
                    "The server refuses (409) a job that is not paused."},
            footer = {"", "Example:", "  multidb migrations resume app 01jb2k3m4n5p6q7r8s9t"})
    static final class Resume extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Parameters(index = "1", paramLabel = "JOB")
        String job;

        @Option(names = "--no-wait", description = "resume it and return without following it")
        boolean noWait;

        @Option(names = "--json", description = "print the job's JSON")
        boolean json;

        @Override
        public Integer call() {
            Migrations m = new Migrations(api());
            m.resume(parent, job);
            return followOrPrint(this, m, parent, job, noWait, json, "resumed migration " + job + " on " + parent, false);
        }
    }

    @Command(name = "watch",
            description = "Follow a running job with the progress bar (without JOB: the one running now).",
            footer = {"", "Example:", "  multidb migrations watch app"})
    static final class Watch extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Parameters(index = "1", arity = "0..1", paramLabel = "JOB")
        String job;

        @Option(names = "--json", description = "print the job's JSON at the end")
        boolean json;

        @Override
        public Integer call() {
            Migrations m = new Migrations(api());
            String id = job;
            if (id == null) {
                JsonNode jobs = m.list(parent).path("migrations");
                JsonNode latest = null;
                for (JsonNode j : jobs) {
                    if (Migrations.isRunning(j.path("status").asText())) {
                        id = j.path("job_id").asText();
                        break;
                    }
                    if (latest == null || j.path("created_at").asText().compareTo(latest.path("created_at").asText()) > 0) {
                        latest = j;
                    }
                }
                if (id == null) {
                    if (latest == null) {
                        throw new CliException("no migration has run on " + parent + " yet");
                    }
                    out().println("no migration is running on " + parent + "; the latest:");
                    id = latest.path("job_id").asText();
                }
            }
            return followOrPrint(this, m, parent, id, false, json, "watching migration " + id + " on " + parent, false);
        }
    }

    @Command(name = "retry",
            description = {"Run a failed or rolled-back job's SQL again as a new job, and follow it.",
                    "On a job that succeeded with quarantine: a repair job that brings its behind children forward."},
            footer = {"", "Example:", "  multidb migrations retry app 01jb2k3m4n5p6q7r8s9t"})
    static final class Retry extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Parameters(index = "1", paramLabel = "JOB")
        String job;

        @Option(names = "--no-wait", description = "start the new job and print its id without following it")
        boolean noWait;

        @Option(names = "--json", description = "print the new job's JSON")
        boolean json;

        @Override
        public Integer call() {
            Migrations m = new Migrations(api());
            JsonNode started = m.retry(parent, job);
            String id = started.path("job_id").asText();
            String as = started.path("kind").asText().equals("repair") ? "repair" : "migration";
            return followOrPrint(this, m, parent, id, noWait, json, "retrying " + job + " as " + as + " " + id);
        }
    }

    @Command(name = "abort",
            description = "Ask a running job to stop; children already changed are restored.",
            footer = {"", "Example:", "  multidb migrations abort app 01jb2k3m4n5p6q7r8s9t"})
    static final class Abort extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Parameters(index = "1", paramLabel = "JOB")
        String job;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            JsonNode r = new Migrations(api()).abort(parent, job);
            if (json) {
                printJson(r);
            } else {
                out().println("asked migration " + job + " to stop (status now " + r.path("status").asText()
                        + "); follow it with: multidb migrations watch " + parent + " " + job);
            }
            return 0;
        }
    }

    @Command(name = "unlock",
            description = "Release the family's lock if the job holding it is no longer running (after a crash).",
            footer = {"", "Example:", "  multidb migrations unlock app"})
    static final class Unlock extends Base {
        @Parameters(index = "0", paramLabel = "PARENT")
        String parent;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            JsonNode r = new Migrations(api()).unlock(parent);
            if (json) {
                printJson(r);
            } else if (r.path("released").isObject()) {
                out().println("released the lock held by migration " + r.path("released").path("job_id").asText()
                        + " (" + r.path("released").path("status").asText() + ")");
            } else {
                out().println("nothing to release: " + parent + "'s family holds no stale lock");
            }
            return 0;
        }
    }
}
