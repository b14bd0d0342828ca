package io.multidb.sql;

import io.multidb.sql.SqlStatement.Analysis;
import io.multidb.sql.SqlStatement.Kind;
import io.multidb.sql.SqlStatement.Parameters;
import io.multidb.sql.SqlTokenizer.Token;
import java.util.List;
import java.util.Set;

/**
 * Decides, from a statement's tokens and before SQLite prepares it, whether a tenant may run it, whatever the
 * policy: never ATTACH or DETACH (another file), VACUUM INTO (writes a file), load_extension() or
 * fts3_tokenizer() (native code), nor a PRAGMA outside {@link Pragmas}, in PRAGMA form or as a table-valued
 * {@code pragma_xxx} function. It also classifies the statement for the executor (transaction control, DDL,
 * settings it changes). Defence in depth: the connection also has ATTACHED=0, extensions off and
 * trusted_schema off (see {@code SqliteStore}).
 */
final class Sandbox {

    private static final Set<String> FORBIDDEN_FUNCTIONS = Set.of("load_extension", "fts3_tokenizer");

    private Sandbox() {
    }

    static Analysis analyze(List<Token> tokens) {
        int i = 0;
        boolean explain = false;
        if (word(tokens, 0, "EXPLAIN")) {
            explain = true;
            i = word(tokens, 1, "QUERY") && word(tokens, 2, "PLAN") ? 3 : 1;
        }
        String first = i < tokens.size() && tokens.get(i).kind() == SqlTokenizer.Kind.WORD
                ? tokens.get(i).text() : "";
        Parameters parameters = Parameters.of(tokens);
        Kind kind;
        String refusal = null;
        String setting = null;
        boolean userVersion = false;
        boolean readonlyBegin = false;
        boolean writeLock = false;
        boolean creates = false;
        switch (first) {
            case "SELECT", "VALUES", "WITH" -> kind = Kind.QUERY;
            case "INSERT", "REPLACE", "UPDATE", "DELETE" -> kind = Kind.DML;
            case "BEGIN" -> {
                kind = Kind.BEGIN;
                writeLock = word(tokens, i + 1, "IMMEDIATE") || word(tokens, i + 1, "EXCLUSIVE");
                readonlyBegin = tokens.stream().anyMatch(t -> t.isWord("READONLY"));
            }
            case "COMMIT", "END" -> kind = Kind.COMMIT;
            case "ROLLBACK" -> kind = tokens.stream().anyMatch(t -> t.isWord("TO")) ? Kind.ROLLBACK_TO : Kind.ROLLBACK;
            case "SAVEPOINT" -> kind = Kind.SAVEPOINT;
            case "RELEASE" -> kind = Kind.RELEASE;
            case "CREATE" -> {
                kind = Kind.DDL;
                creates = true;
            }
            case "DROP", "ALTER" -> kind = Kind.DDL;
            case "ANALYZE", "REINDEX" -> kind = Kind.MAINTENANCE;
            case "VACUUM" -> {
                kind = Kind.VACUUM;
                if (tokens.stream().anyMatch(t -> t.isWord("INTO"))) {
                    refusal = "VACUUM INTO is not allowed: it writes a new file on the server. Plain VACUUM is "
                            + "allowed; copies of a database are made with the platform's API.";
                }
            }
            case "ATTACH", "DETACH" -> {
                kind = Kind.OTHER;
                refusal = first + " is not allowed: every database is its own file, managed by the service; a "
                        + "request works on the one database its URL names.";
            }
            case "PRAGMA" -> {
                PragmaUse use = pragma(tokens, i + 1);
                kind = use.kind;
                refusal = use.refusal;
                setting = use.setting;
                userVersion = use.userVersion;
            }
            default -> kind = Kind.OTHER;
        }
        if (refusal == null) {
            refusal = scanFunctions(tokens);
        }
        if (explain) {
            // EXPLAIN runs nothing, but preparing a PRAGMA acts at once: the sandbox and the setting still apply.
            kind = Kind.EXPLAIN;
            userVersion = false;
            readonlyBegin = false;
            writeLock = false;
            creates = false;
        }
        return new Analysis(kind, refusal, setting, userVersion, readonlyBegin, writeLock, creates, parameters);
    }

    private record PragmaUse(Kind kind, String refusal, String setting, boolean userVersion) {
    }

    /** PRAGMA [schema.]name [= value | (value)], tokens from {@code k} (just after PRAGMA). */
    private static PragmaUse pragma(List<Token> tokens, int k) {
        if (k >= tokens.size() || tokens.get(k).name() == null) {
            return new PragmaUse(Kind.OTHER, null, null, false); // SQLite reports the syntax error
        }
        if (k + 2 < tokens.size() && tokens.get(k + 1).kind() == SqlTokenizer.Kind.DOT) {
            k += 2;
            if (tokens.get(k).name() == null) {
                return new PragmaUse(Kind.OTHER, null, null, false);
            }
        }
        String name = tokens.get(k).name();
        boolean hasValue = k + 1 < tokens.size();
        Pragmas.Access access = Pragmas.access(name);
        if (access == null) {
            return new PragmaUse(Kind.OTHER, "PRAGMA " + name + " is not allowed: the service manages the "
                    + "database file and the connection's settings. Allowed pragmas: " + Pragmas.allowedList() + ".",
                    null, false);
        }
        if (access == Pragmas.Access.READ_ONLY && hasValue) {
            return new PragmaUse(Kind.OTHER, "PRAGMA " + name + " can only be read here, not set: the service "
                    + "manages the database file.", null, false);
        }
        if (name.equals("optimize")) {
            return new PragmaUse(Kind.MAINTENANCE, null, null, false);
        }
        if (access == Pragmas.Access.READ_WRITE && hasValue) {
            return new PragmaUse(Kind.PRAGMA_WRITE, null,
                    Pragmas.CONNECTION_SETTINGS.contains(name) ? name : null, name.equals("user_version"));
        }
        return new PragmaUse(Kind.PRAGMA_READ, null, null, false);
    }

    /** Forbidden functions called anywhere, and table-valued pragmas outside the allowlist. */
    private static String scanFunctions(List<Token> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            String id = t.identifier();
            if (id != null && FORBIDDEN_FUNCTIONS.contains(id) && i + 1 < tokens.size()
                    && tokens.get(i + 1).kind() == SqlTokenizer.Kind.LP) {
                return id + "() is not allowed: this service does not load or register native code.";
            }
            // A string may stand for a table name in FROM, so 'pragma_x' counts as well as pragma_x.
            String name = t.name();
            if (name != null && name.startsWith("pragma_")) {
                String pragma = name.substring("pragma_".length());
                if (Pragmas.isKnown(pragma) && !Pragmas.readableAsTable(pragma)) {
                    return name + " is not allowed: only the allowed pragmas can be read as tables. Allowed "
                            + "pragmas: " + Pragmas.allowedList() + ".";
                }
            }
        }
        return null;
    }

    private static boolean word(List<Token> tokens, int i, String upper) {
        return i < tokens.size() && tokens.get(i).isWord(upper);
    }
}
