package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "migrate",
        description = {"Change a schema database and every child, all or nothing: starts a migration job and follows "
                + "it with a live progress bar (dry-run, apply, rollback), then prints a summary.",
                "A canary (--canary) migrates a few children first and checks them (--verify); the job can then wait "
                        + "for you (--pause-after-canary: resume it with `multidb migrations resume`, or abort it).",
                "Exit code 1 if the job failed, rolled back or was aborted; 3 if it succeeded but left children behind "
                        + "(--on-child-failure quarantine); 4 if it is paused after its canary."},
        footer = {"", "Examples:", "  multidb migrate app \"ALTER TABLE notes ADD COLUMN stars INTEGER DEFAULT 0\"",
                "  multidb migrate app --file change.sql --max-concurrency 20",
                "  multidb migrate app --file change.sql --canary 5 --verify \"SELECT count(*) > 0 FROM notes\" "
                        + "--pause-after-canary",
                "  multidb migrate app --file change.sql --canary acme,globex --on-child-failure quarantine",
                "  multidb migrate app --file change.sql --no-wait --json"})
final class MigrateCommand extends Base {
    @Parameters(index = "0", paramLabel = "PARENT", description = "the schema database")
    String parent;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SQL", description = "the change as SQL (or --file)")
    String sql;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the change from this file")
    Path file;

    @Option(names = "--max-concurrency", paramLabel = "N", description = "children changed at once (server default)")
    Integer maxConcurrency;

    @Option(names = "--canary", paramLabel = "N|NAME,NAME",
            description = "migrate these children first: the first N by name, or the named ones; any failure among "
                    + "them rolls everything back")
    String canary;

    @Option(names = "--verify", paramLabel = "SQL",
            description = "a read-only query run on each canary child after its change; it must return one row whose "
                    + "first column is true, else the job rolls back (needs --canary)")
    String verify;

    @Option(names = "--pause-after-canary",
            description = "after the canary, wait (the family write-blocked) for `multidb migrations resume` or `abort`")
    boolean pauseAfterCanary;

    @Option(names = "--on-child-failure", paramLabel = "POLICY",
            description = "rollback_all (default: any failure rolls every database back) or quarantine (children that "
                    + "fail stay at the old version, marked behind; the rest go on)")
    String onChildFailure;

    @Option(names = "--no-wait", description = "start the job and print its id without following it")
    boolean noWait;

    @Option(names = "--json", description = "print the job's JSON (at the end, or at once with --no-wait)")
    boolean json;

    @Override
    public Integer call() {
        String change = change(sql, file);
        Migrations.Rollout rollout = Migrations.Rollout.parse(canary, verify, pauseAfterCanary, onChildFailure);
        Migrations m = new Migrations(api());
        JsonNode job = m.start(parent, change, maxConcurrency, rollout);
        String id = job.path("job_id").asText();
        return MigrationsCommands.followOrPrint(this, m, parent, id, noWait, json, "started migration " + id + " on " + parent);
    }

    static String change(String sql, Path file) {
        if (sql != null && file != null) {
            throw CliException.usage("give the change either as SQL or with --file, not both");
        }
        if (file != null) {
            try {
                sql = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw CliException.usage("no such file: " + file);
            } catch (IOException e) {
                throw CliException.usage("cannot read " + file + ": " + e.getMessage());
            }
        }
        if (sql == null || sql.isBlank()) {
            throw CliException.usage("give the change as SQL (multidb migrate PARENT \"ALTER TABLE ...\") or --file FILE");
        }
        return sql;
    }
}
