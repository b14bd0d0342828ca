package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.sql.SqlScript;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the SQL shell does with text, whoever typed it: statements (cut where the service cuts them, see
 * {@link SqlScript}) go to the database; dot-commands at the start of a line are the shell's own. An error is
 * printed with its libSQL code and the shell goes on. A write on a schema database with children becomes a
 * migration on the server: the shell says so and follows the job with the progress bar.
 */
final class Shell {
    enum Mode { TABLE, CSV, JSON }

    static final String HELP = """
            .help              this list
            .tables            the tables and views
            .schema [TABLE]    the CREATE statements (of one table and its indexes and triggers)
            .mode MODE         how results look: table (default), csv or json
            .read FILE         run the statements of a file
            .quit              leave (also .exit or Ctrl-D)
            Statements end with ; and may span lines.""";

    private final SqlSession session;
    private final Api api;
    private final PrintWriter out;
    /** Errors go here: standard error when run on a script, the terminal in a session. */
    private final PrintWriter err;
    private final boolean terminal;
    private final int columns;
    /** The database is a schema database (writes may become migrations); null: unknown (the token cannot tell). */
    private final Boolean schema;
    private Mode mode = Mode.TABLE;
    private String lastReported;
    private boolean quit;
    private int errors;

    Shell(SqlSession session, Api api, Boolean schema, PrintWriter out, PrintWriter err, boolean terminal, int columns) {
        this.session = session;
        this.api = api;
        this.schema = schema;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.columns = columns;
    }

    void mode(Mode m) {
        this.mode = m;
    }

    boolean quitRequested() {
        return quit;
    }

    /** Errors so far (statements refused, dot-commands that failed). */
    int errors() {
        return errors;
    }

    /**
     * Runs text: whole lines, dot-commands where a statement may begin, statements once complete; an incomplete
     * statement at the end runs as it is (one statement given on the command line needs no semicolon).
     */
    void runText(String text) {
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (quit) {
                return;
            }
            if (pending.toString().isBlank() && line.strip().startsWith(".")) {
                pending.setLength(0);
                dot(line.strip());
                continue;
            }
            pending.append(line).append('\n');
            if (SqlScript.isComplete(pending.toString())) {
                runStatements(pending.toString());
                pending.setLength(0);
            }
        }
        if (!quit && !pending.toString().isBlank()) {
            runStatements(pending.toString());
        }
    }

    /** One entry of the interactive shell: a dot-command or complete statements. */
    void runEntry(String entry) {
        String s = entry.strip();
        if (s.startsWith(".")) {
            dot(s);
        } else if (!s.isEmpty()) {
            runStatements(entry);
        }
    }

    private void runStatements(String text) {
        for (String sql : SqlScript.statements(text)) {
            if (quit) {
                return;
            }
            try {
                show(execute(sql));
            } catch (CliException e) {
                errors++;
                error("" + e.getMessage());
            }
            out.flush();
        }
    }

    private void error(String message) {
        out.flush();
        err.println("Error: " + message);
        err.flush();
    }

    // ---- dot-commands

    private void dot(String line) {
        String[] parts = line.split("\\s+", 2);
        String arg = parts.length > 1 ? parts[1].strip() : "";
        switch (parts[0]) {
            case ".quit", ".exit", ".q" -> quit = true;
            case ".help" -> out.println(HELP);
            case ".tables" -> {
                SqlSession.Outcome o = session.execute("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
                        + "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_multidb\\_%' ESCAPE '\\' "
                        + "ORDER BY name");
                if (o instanceof SqlSession.Rows r) {
                    List<String> names = r.values().stream().map(v -> SqlSession.display(v.get(0), "")).toList();
                    out.println(names.isEmpty() ? "(no tables)" : String.join("  ", names));
                } else {
                    show(o);
                }
            }
            case ".schema" -> {
                String where = arg.isEmpty() ? "" : " AND tbl_name = '" + arg.replace("'", "''") + "' COLLATE NOCASE";
                SqlSession.Outcome o = session.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL "
                        + "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_multidb\\_%' ESCAPE '\\'"
                        + where + " ORDER BY tbl_name, type DESC, name");
                if (o instanceof SqlSession.Rows r) {
                    if (r.values().isEmpty()) {
                        out.println(arg.isEmpty() ? "(no schema yet)" : "(no table " + arg + ")");
                    }
                    r.values().forEach(v -> out.println(SqlSession.display(v.get(0), "") + ";"));
                } else {
                    show(o);
                }
            }
            case ".mode" -> {
                switch (arg.toLowerCase(Locale.ROOT)) {
                    case "table", "box" -> mode = Mode.TABLE;
                    case "csv" -> mode = Mode.CSV;
                    case "json" -> mode = Mode.JSON;
                    case "" -> out.println("current mode: " + mode.name().toLowerCase(Locale.ROOT));
                    default -> {
                        errors++;
                        error(".mode takes table, csv or json");
                    }
                }
            }
            case ".read" -> {
                if (arg.isEmpty()) {
                    errors++;
                    error(".read needs a file: .read FILE");
                    return;
                }
                String text;
                try {
                    text = Files.readString(Path.of(arg), StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    errors++;
                    error("no such file: " + arg);
                    return;
                } catch (IOException e) {
                    errors++;
                    error("cannot read " + arg + ": " + e.getMessage());
                    return;
                }
                runText(text);
            }
            default -> {
                errors++;
                error("unknown command " + parts[0] + " (.help lists them)");
            }
        }
        out.flush();
    }

    // ---- statements, and the migrations writes on a schema database become

    private SqlSession.Outcome execute(String sql) {
        if (!Boolean.TRUE.equals(schema) || session.inTransaction() || reads(sql)) {
            return followIfMigration(session.execute(sql), null);
        }
        Instant before = Instant.now().minusSeconds(1);
        CompletableFuture<SqlSession.Outcome> call = CompletableFuture.supplyAsync(() -> session.execute(sql));
        String followed = null;
        try {
            SqlSession.Outcome quick = call.get(500, TimeUnit.MILLISECONDS);
            return followIfMigration(quick, quick instanceof SqlSession.Rows ? newJob(before) : null);
        } catch (TimeoutException e) {
            // Still waiting: a write that became a migration waits for it on the server. Show it meanwhile.
            Migrations.Snapshot running = runningJob();
            if (running != null) {
                followed = running.id();
                announce(followed);
                Migrations.Snapshot end = watcher().follow(session.database(), followed);
                if (Watcher.summary(end, session.database(), out) != 0) {
                    errors++;
                }
            }
            SqlSession.Outcome o = join(call);
            if (followed == null) {
                return followIfMigration(o, null);
            }
            if (o instanceof SqlSession.Failure f && !f.code().startsWith("SCHEMA_MIGRATION_")) {
                return o; // not this write's migration (e.g. BLOCKED by another one): say why it was refused
            }
            return null; // the summary said how it ended
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CliException c ? c : new CliException(String.valueOf(e.getCause()));
        }
    }

    /** Statements that cannot write (the shell does not look for a migration after them). */
    private static boolean reads(String sql) {
        String first = sql.strip().split("[\\s(]+", 2)[0].toUpperCase(Locale.ROOT);
        return switch (first) {
            case "SELECT", "VALUES", "EXPLAIN" -> true;
            case "PRAGMA" -> !sql.contains("=");
            default -> false;
        };
    }

    private static SqlSession.Outcome join(CompletableFuture<SqlSession.Outcome> call) {
        try {
            return call.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof CliException c ? c : new CliException(String.valueOf(e.getCause()));
        }
    }

    /**
     * After the answer: SCHEMA_MIGRATION_RUNNING (the server stopped waiting) → follow the job to its end;
     * results of a write that ran as a migration ({@code ranAs}) → say so.
     */
    private SqlSession.Outcome followIfMigration(SqlSession.Outcome o, Migrations.Snapshot ranAs) {
        if (o instanceof SqlSession.Failure f && f.code().equals("SCHEMA_MIGRATION_RUNNING") && f.jobId() != null) {
            out.println("this change became migration " + f.jobId() + ", still running; following it:");
            Migrations.Snapshot end = watcher().follow(session.database(), f.jobId());
            if (Watcher.summary(end, session.database(), out) != 0) {
                errors++;
            }
            return null;
        }
        if (o instanceof SqlSession.Failure f && f.code().equals("SCHEMA_MIGRATION_FAILED") && f.jobId() != null) {
            errors++;
            Watcher.summary(new Migrations(api, true).snapshot(session.database(), f.jobId()), session.database(), out);
            return null;
        }
        if (o instanceof SqlSession.Rows && ranAs != null) {
            announce(ranAs.id());
            Watcher.summary(ranAs, session.database(), out);
        }
        return o;
    }

    private void announce(String job) {
        out.println("this change became migration " + job + " of " + session.database() + " and its children:");
        out.flush();
    }

    private Watcher watcher() {
        return new Watcher(new Migrations(api, true), out, terminal, columns, System::nanoTime);
    }

    private Migrations.Snapshot runningJob() {
        for (int i = 0; i < 20; i++) {
            try {
                Migrations m = new Migrations(api, true);
                for (JsonNode j : m.list(session.database()).path("migrations")) {
                    if (Migrations.isRunning(j.path("status").asText())) {
                        return m.snapshot(session.database(), j.path("job_id").asText());
                    }
                }
            } catch (CliException e) {
                return null;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** A job created since {@code since} and already ended (a quick migration the request waited for), or null. */
    private Migrations.Snapshot newJob(Instant since) {
        try {
            Migrations m = new Migrations(api, true);
            for (JsonNode j : m.list(session.database()).path("migrations")) {
                Instant created = Migrations.instant(j.path("created_at"));
                if (created != null && created.isAfter(since) && j.path("status").asText().equals("succeeded")
                        && !j.path("job_id").asText().equals(lastReported)) {
                    lastReported = j.path("job_id").asText();
                    return m.snapshot(session.database(), j.path("job_id").asText());
                }
            }
        } catch (CliException e) {
            return null;
        }
        return null;
    }

    // ---- results

    private void show(SqlSession.Outcome o) {
        if (o == null) {
            return;
        }
        if (o instanceof SqlSession.Failure f) {
            errors++;
            error("" + f.code() + ": " + f.message());
            return;
        }
        SqlSession.Rows r = (SqlSession.Rows) o;
        if (r.columns().isEmpty()) {
            return;
        }
        switch (mode) {
            case TABLE -> table(r, "NULL").printBoxed(out);
            case CSV -> table(r, "").printCsv(out);
            case JSON -> {
                ArrayNode rows = Api.JSON.createArrayNode();
                for (List<JsonNode> row : r.values()) {
                    ObjectNode n = rows.addObject();
                    for (int i = 0; i < r.columns().size() && i < row.size(); i++) {
                        n.set(r.columns().get(i), SqlSession.json(row.get(i)));
                    }
                }
                out.println(rows.toString());
            }
        }
    }

    private static Table table(SqlSession.Rows r, String nullText) {
        Table t = new Table(r.columns());
        for (List<JsonNode> row : r.values()) {
            List<String> cells = new ArrayList<>(row.size());
            row.forEach(v -> cells.add(SqlSession.display(v, nullText)));
            t.row(cells);
        }
        return t;
    }
}
