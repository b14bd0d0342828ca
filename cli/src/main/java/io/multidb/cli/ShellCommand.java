package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import io.multidb.sql.SqlScript;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "shell",
        description = {"An SQL shell on one database over libSQL's HTTP protocol: line editing and history, "
                + "statements over several lines ended by ;, aligned tables, .tables, .schema, .mode, .read, .quit.",
                "With SQL: runs it and exits. With input from a file or a pipe: runs it without prompting.",
                "Exit code 1 if a statement failed (the session goes on after errors)."},
        footer = {"", "Examples:", "  multidb db shell acme", "  multidb db shell acme \"SELECT count(*) FROM notes\"",
                "  multidb db shell acme < seed.sql", "  multidb db shell acme --mode json \"SELECT * FROM notes\""})
final class ShellCommand extends Base {
    @Parameters(index = "0", paramLabel = "NAME", description = "the database")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SQL", description = "statements to run instead of a session")
    String sql;

    @Option(names = "--mode", paramLabel = "MODE", description = "table (default), csv or json")
    String mode;

    @Override
    public Integer call() throws IOException {
        Api api = api();
        Boolean schema = kind(api);
        Io io = io();
        try (SqlSession session = new SqlSession(api, name)) {
            if (sql != null || !io.stdinTty()) {
                Shell shell = new Shell(session, api, schema, io.out(), io.err(), io.stdoutTty(), io.columns());
                applyMode(shell);
                String text = sql != null ? sql : new String(io.in().readAllBytes(), StandardCharsets.UTF_8);
                shell.runText(text);
                io.out().flush();
                return shell.errors() == 0 ? 0 : CliException.FAILED;
            }
            return interactive(api, session, schema);
        }
    }

    private void applyMode(Shell shell) {
        if (mode != null) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "table" -> shell.mode(Shell.Mode.TABLE);
                case "csv" -> shell.mode(Shell.Mode.CSV);
                case "json" -> shell.mode(Shell.Mode.JSON);
                default -> throw CliException.usage("--mode takes table, csv or json (got '" + mode + "')");
            }
        }
    }

    /**
     * Whether the database is a schema database (writes may become migrations); also says early, in one line,
     * that a database does not exist. Null when the token may not read the control plane (a database token).
     */
    private Boolean kind(Api api) {
        try {
            JsonNode d = api.get(api.org("/databases/" + Api.enc(name))).path("database");
            return d.path("is_schema").asBoolean();
        } catch (CliException e) {
            if (e.httpStatus() == 403) {
                return null;
            }
            if (e.httpStatus() == 404) {
                throw new CliException("database '" + name + "' does not exist (multidb db list shows them)");
            }
            throw e;
        }
    }

    private int interactive(Api api, SqlSession session, Boolean schema) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            PrintWriter out = terminal.writer();
            Shell shell = new Shell(session, api, schema, out, out, true, terminal.getWidth() > 0 ? terminal.getWidth() : 80);
            applyMode(shell);
            String prompt = name + "> ";
            LineReader reader = LineReaderBuilder.builder()
                    .appName("multidb")
                    .terminal(terminal)
                    .parser(new StatementParser())
                    .variable(LineReader.HISTORY_FILE, historyFile())
                    .variable(LineReader.SECONDARY_PROMPT_PATTERN, " ".repeat(Math.max(0, prompt.length() - 5)) + "...> ")
                    .variable(LineReader.INDENTATION, 0)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .build();
            out.println("multidb shell on " + name + " (" + api.connection().url() + "). .help lists the commands; "
                    + "statements end with ;");
            out.flush();
            while (!shell.quitRequested()) {
                String entry;
                try {
                    entry = reader.readLine(prompt);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the statement being typed
                } catch (EndOfFileException e) {
                    break;
                }
                shell.runEntry(entry);
                out.flush();
            }
            return 0;
        }
    }

    private Path historyFile() {
        String configured = io().env().get("MULTIDB_HISTORY");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".multidb_history");
    }

    /**
     * Enter ends the entry only when it is a dot-command or ends with a complete statement (the service's own
     * splitter decides, trigger bodies included); otherwise JLine keeps editing on a new line.
     */
    static final class StatementParser extends DefaultParser {
        StatementParser() {
            escapeChars(null);
            quoteChars(new char[0]);
        }

        @Override
        public ParsedLine parse(String line, int cursor, ParseContext context) {
            if (context == ParseContext.ACCEPT_LINE) {
                String s = line.strip();
                if (!s.isEmpty() && !s.startsWith(".") && !SqlScript.isComplete(line)) {
                    throw new EOFError(-1, -1, "statement not complete: end it with ;", "...");
                }
            }
            return super.parse(line, cursor, context);
        }
    }
}
