package io.multidb.sql;

import io.multidb.sql.SqlTokenizer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One SQL statement cut out of a request's text, with what the sandbox decided about it.
 *
 * @param sql    the statement's text as SQLite gets it (without the terminating semicolon)
 * @param tokens its tokens
 */
record SqlStatement(String sql, List<Token> tokens, Analysis analysis) {

    /** What a statement is, as far as the executor cares. */
    enum Kind {
        QUERY, DML,
        BEGIN, COMMIT, ROLLBACK, ROLLBACK_TO, SAVEPOINT, RELEASE,
        DDL, MAINTENANCE, VACUUM, PRAGMA_READ, PRAGMA_WRITE, EXPLAIN,
        /** Not recognised: SQLite will most likely refuse it; the schema guard watches it anyway. */
        OTHER;

        /** Statements that can change a schema cookie, and so run inside the schema guard when DDL is refused. */
        boolean mayChangeSchema() {
            return this == DDL || this == MAINTENANCE || this == OTHER;
        }
    }

    /**
     * @param refusal            null if the statement may run, else why the sandbox refuses it
     * @param setting            a per-connection setting this statement writes (to be restored), or null
     * @param writesUserVersion  a write to PRAGMA user_version (a schema-ish change)
     * @param readonlyBegin      BEGIN ... READONLY (a libSQL form: reads only until the transaction ends)
     * @param beginTakesWriteLock BEGIN IMMEDIATE or EXCLUSIVE
     * @param createsObjects     a CREATE statement (temporary objects are dropped when the request ends)
     */
    record Analysis(
            Kind kind,
            String refusal,
            String setting,
            boolean writesUserVersion,
            boolean readonlyBegin,
            boolean beginTakesWriteLock,
            boolean createsObjects,
            Parameters parameters) {
    }

    /**
     * The statement's parameters, numbered the way SQLite numbers them (sqlite3ExprAssignVarNumber): "?" takes
     * the next number, "?NNN" number NNN, a named parameter the number of its first occurrence or the next one.
     *
     * @param names     1-based: the name SQLite reports for each number (":a", "?3"), null for "?" and gaps
     * @param anonymous 1-based: a bare "?" has this number
     * @param valid     false if a "?NNN" could not be read (SQLite refuses the statement)
     */
    record Parameters(int count, String[] names, boolean[] anonymous, boolean valid) {
        static final Parameters NONE = new Parameters(0, new String[1], new boolean[1], true);
        /** SQLite's largest SQLITE_LIMIT_VARIABLE_NUMBER default; the store sets a lower limit, SQLite enforces it. */
        private static final int MAX_NUMBER = 32_766;

        static Parameters of(List<Token> tokens) {
            int count = 0;
            Map<String, Integer> numbers = null;
            List<String> names = new ArrayList<>();
            List<Boolean> anonymous = new ArrayList<>();
            names.add(null);
            anonymous.add(false);
            boolean valid = true;
            for (Token t : tokens) {
                if (t.kind() != SqlTokenizer.Kind.VARIABLE) {
                    continue;
                }
                if (numbers == null) {
                    numbers = new HashMap<>();
                }
                String v = t.text();
                int number;
                if (v.equals("?")) {
                    number = ++count;
                    grow(names, anonymous, number);
                    anonymous.set(number, true);
                    continue;
                }
                if (v.charAt(0) == '?') {
                    try {
                        number = Integer.parseInt(v.substring(1));
                    } catch (NumberFormatException e) {
                        number = 0;
                    }
                    if (number < 1 || number > MAX_NUMBER) {
                        valid = false;
                        continue;
                    }
                    count = Math.max(count, number);
                    numbers.putIfAbsent(v, number);
                } else {
                    Integer known = numbers.get(v);
                    number = known != null ? known : ++count;
                    numbers.putIfAbsent(v, number);
                }
                grow(names, anonymous, number);
                if (names.get(number) == null) {
                    names.set(number, v);
                }
            }
            if (numbers == null) {
                return NONE;
            }
            grow(names, anonymous, count);
            boolean[] anon = new boolean[anonymous.size()];
            for (int i = 0; i < anon.length; i++) {
                anon[i] = anonymous.get(i);
            }
            return new Parameters(count, names.toArray(new String[0]), anon, valid);
        }

        private static void grow(List<String> names, List<Boolean> anonymous, int number) {
            while (names.size() <= number) {
                names.add(null);
                anonymous.add(false);
            }
        }
    }

    /**
     * Whether this statement is an INSERT or REPLACE (after an optional WITH clause): the first of INSERT, REPLACE,
     * UPDATE, DELETE outside parentheses is the statement's verb. Only then does last_insert_rowid() after it say
     * something about the data; after anything else it is whatever the connection inserted last.
     */
    boolean inserts() {
        int depth = 0;
        for (Token t : tokens) {
            switch (t.kind()) {
                case LP -> depth++;
                case RP -> depth--;
                case WORD -> {
                    if (depth == 0) {
                        switch (t.text()) {
                            case "INSERT", "REPLACE" -> {
                                return true;
                            }
                            case "UPDATE", "DELETE", "SELECT", "VALUES" -> {
                                return false;
                            }
                            default -> {
                            }
                        }
                    }
                }
                default -> {
                }
            }
        }
        return false;
    }

    /**
     * Splits SQL text into statements the way sqlite3_complete() decides that a statement is complete: at a
     * semicolon, except inside CREATE [TEMP] TRIGGER ... BEGIN ... END, whose body holds semicolons of its own.
     * Empty statements (";;") are skipped.
     */
    static List<SqlStatement> split(String sql) {
        List<Token> tokens = SqlTokenizer.tokenize(sql);
        List<SqlStatement> out = new ArrayList<>();
        int state = START;
        int first = -1;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == SqlTokenizer.Kind.SEMI) {
                if (first < 0) {
                    continue;
                }
                state = TRANSITIONS[state][SEMI];
                if (state == START) {
                    out.add(of(sql, tokens.subList(first, i)));
                    first = -1;
                }
                continue;
            }
            if (first < 0) {
                first = i;
            }
            state = TRANSITIONS[state][tokenClass(t)];
        }
        if (first >= 0) {
            out.add(of(sql, tokens.subList(first, tokens.size())));
        }
        return out;
    }

    /** sqlite3_complete(): the text ends with a semicolon that ends a statement (see {@link SqlScript}). */
    static boolean complete(String sql) {
        int state = 0;
        for (Token t : SqlTokenizer.tokenize(sql)) {
            state = TRANSITIONS[state][t.kind() == SqlTokenizer.Kind.SEMI ? SEMI : tokenClass(t)];
        }
        return state == START;
    }

    private static SqlStatement of(String sql, List<Token> tokens) {
        String text = sql.substring(tokens.get(0).start(), tokens.get(tokens.size() - 1).end());
        return new SqlStatement(text, List.copyOf(tokens), Sandbox.analyze(tokens));
    }

    // sqlite3_complete's states and token classes (whitespace is already gone).
    private static final int START = 1;
    private static final int SEMI = 0;
    private static final int OTHER = 1;
    private static final int EXPLAIN = 2;
    private static final int CREATE = 3;
    private static final int TEMP = 4;
    private static final int TRIGGER = 5;
    private static final int END = 6;

    /** [state][token class] → state; states: 1 start, 2 normal, 3 explain, 4 create, 5 trigger, 6 semi, 7 end. */
    private static final int[][] TRANSITIONS = {
            /* unused */ {1, 2, 3, 4, 2, 2, 2},
            /* 1 start */ {1, 2, 3, 4, 2, 2, 2},
            /* 2 normal */ {1, 2, 2, 2, 2, 2, 2},
            /* 3 explain */ {1, 3, 2, 4, 2, 2, 2},
            /* 4 create */ {1, 2, 2, 2, 4, 5, 2},
            /* 5 trigger */ {6, 5, 5, 5, 5, 5, 5},
            /* 6 semi */ {6, 5, 5, 5, 5, 5, 7},
            /* 7 end */ {1, 5, 5, 5, 5, 5, 5},
    };

    private static final Set<String> TEMP_WORDS = Set.of("TEMP", "TEMPORARY");

    private static int tokenClass(Token t) {
        if (t.kind() != SqlTokenizer.Kind.WORD) {
            return OTHER;
        }
        return switch (t.text()) {
            case "EXPLAIN" -> EXPLAIN;
            case "CREATE" -> CREATE;
            case "TRIGGER" -> TRIGGER;
            case "END" -> END;
            default -> TEMP_WORDS.contains(t.text()) ? TEMP : OTHER;
        };
    }
}
