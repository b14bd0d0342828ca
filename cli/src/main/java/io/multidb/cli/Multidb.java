package io.multidb.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code multidb}: the command-line client. It speaks the HTTP API only (control plane under
 * {@code /v1/organizations/{org}}, SQL over libSQL's HTTP protocol, the migration job views), so it works the same
 * against the local runtime and an AWS deployment. Exit codes: 0 ok, 1 a refused request or a failed migration,
 * 2 a usage error, 3 a job succeeded with children left behind (quarantine), 4 a job paused after its canary.
 */
@Command(name = "multidb", mixinStandardHelpOptions = true, version = "multidb 0.1.0",
        usageHelpAutoWidth = true,
        description = "One schema, many SQLite databases: groups, databases, tokens, an SQL shell, migrations and drift.",
        subcommands = {AuthCommands.class, GroupCommands.class, DbCommands.class, MigrateCommand.class,
                MigrationsCommands.class, DriftCommands.class, CommandLine.HelpCommand.class},
        footer = {"", "Connection: --url / MULTIDB_URL (default http://127.0.0.1:8080), --token / MULTIDB_TOKEN "
                + "(default: the local runtime's admin token in --data-dir, ./.multidb), --org / MULTIDB_ORG "
                + "(default local).",
                "Exit codes: 0 ok, 1 refused request or failed migration, 2 usage error, 3 succeeded but children "
                + "stayed behind (quarantine), 4 paused after the canary (resume or abort it).",
                "", "Example (the five-minute walk-through):",
                "  multidb group create default",
                "  multidb db create app --group default --type schema",
                "  multidb db shell app \"CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)\"",
                "  multidb db create acme --group default --schema app",
                "  multidb migrate app \"ALTER TABLE notes ADD COLUMN stars INTEGER DEFAULT 0\"",
                "  multidb db shell acme"})
public final class Multidb implements Runnable {
    @Mixin
    Connection connection;

    @Spec
    CommandSpec spec;

    private final Io io;

    Multidb(Io io) {
        this.io = io;
    }

    Io io() {
        return io;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a command: multidb --help lists them");
    }

    public static void main(String[] args) {
        System.exit(run(Io.system(), args));
    }

    /** Runs one command line; never throws, never prints a stack trace unless MULTIDB_DEBUG is set. */
    static int run(Io io, String... args) {
        CommandLine cl = new CommandLine(new Multidb(io));
        cl.setOut(io.out());
        cl.setErr(io.err());
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            PrintWriter err = io.err();
            if (e instanceof CliException c) {
                err.println("multidb: " + c.getMessage());
                err.flush();
                return c.exitCode();
            }
            if (e instanceof ParameterException p) {
                throw p;
            }
            err.println("multidb: unexpected error: " + e + " (a bug in the client; MULTIDB_DEBUG=1 shows where)");
            if (io.env().containsKey("MULTIDB_DEBUG")) {
                e.printStackTrace(err);
            }
            err.flush();
            return CliException.FAILED;
        });
        cl.setParameterExceptionHandler((e, line) -> {
            PrintWriter err = io.err();
            err.println("multidb: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("`" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help` shows the usage and an example");
            err.flush();
            return CliException.USAGE;
        });
        int code = cl.execute(args);
        io.out().flush();
        io.err().flush();
        return code;
    }
}
