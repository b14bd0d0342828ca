package io.multidb.migrations;

import io.multidb.common.MultidbException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A migration's SQL split into statements, with the transaction wrapping ORM migrators send removed.
 *
 * <p>Every database runs the migration inside one transaction of ours (that is what makes a dry-run
 * roll-backable and an apply atomic with its version row). So a {@code BEGIN}/{@code COMMIT} pair around the
 * statements (drizzle, knex and others send it) is dropped rather than refused, and {@code PRAGMA foreign_keys =
 * OFF} before it is honoured the way SQLite would: set on the connection before our transaction opens (inside a
 * transaction the pragma is a no-op), with {@code PRAGMA foreign_key_check} run before commit so a table rebuild
 * cannot leave dangling references. {@code ROLLBACK} or a second {@code BEGIN} would end our transaction early,
 * and other pragmas change the connection rather than the schema: both are refused. ATTACH and VACUUM INTO are
 * refused by the sandboxed connection the statements run on.
 *
 * <p>The splitter knows SQLite's quoting ('', "", ``, []), comments and trigger bodies ({@code CREATE TRIGGER ...
 * BEGIN ...; ... END}), which is what sqlite3_complete() checks.
 */
public record MigrationSql(List<String> statements, boolean foreignKeysOff) {
    private static final Pattern BEGIN = Pattern.compile("(?is)BEGIN(\\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\\s+TRANSACTION)?");
    private static final Pattern COMMIT = Pattern.compile("(?is)(COMMIT|END)(\\s+TRANSACTION)?");
    private static final Pattern FK = Pattern.compile("(?is)PRAGMA\\s+(main\\s*\\.\\s*)?foreign_keys\\s*=\\s*['\"]?(\\w+)['\"]?");
    private static final Pattern REFUSED = Pattern.compile("(?is)(ROLLBACK|PRAGMA|ATTACH|DETACH|VACUUM)\\b.*");

    public MigrationSql {
        statements = List.copyOf(statements);
    }

    public static MigrationSql parse(String sql) {
        if (sql == null || sql.isBlank()) {
            throw MultidbException.invalid("'sql' is required: send the schema change to run on every database of the family");
        }
        List<String> out = new ArrayList<>();
        boolean fkOff = false;
        boolean inTx = false;
        boolean seenWork = false;
        for (String s : split(sql)) {
            String t = s.strip();
            var fk = FK.matcher(t);
            if (fk.matches()) {
                String v = fk.group(2).toLowerCase(Locale.ROOT);
                boolean off = v.equals("off") || v.equals("0") || v.equals("false") || v.equals("no");
                if (off && !seenWork && !inTx) {
                    fkOff = true;
                }
                continue; // ON after the migration, or OFF inside a transaction, is what SQLite does anyway: nothing.
            }
            if (BEGIN.matcher(t).matches()) {
                if (inTx || seenWork) {
                    throw MultidbException.invalid("a migration is run as one transaction: send at most one BEGIN, before the first statement");
                }
                inTx = true;
                continue;
            }
            if (COMMIT.matcher(t).matches()) {
                if (!inTx) {
                    throw MultidbException.invalid("COMMIT without BEGIN: a migration is run as one transaction; send the statements alone");
                }
                inTx = false;
                continue;
            }
            if (REFUSED.matcher(t).matches()) {
                throw MultidbException.invalid("'" + t.split("\\s+")[0].toUpperCase(Locale.ROOT)
                        + "' is not allowed in a migration: send schema and data statements only");
            }
            out.add(t);
            seenWork = true;
        }
        if (out.isEmpty()) {
            throw MultidbException.invalid("the migration has no statements to run");
        }
        return new MigrationSql(out, fkOff);
    }

    /** Splits on top-level semicolons; a trigger body's statements stay inside the CREATE TRIGGER. */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int j = i + 1;
                while (j < n) {
                    if (sql.charAt(j) == close) {
                        if (close != ']' && j + 1 < n && sql.charAt(j + 1) == close) {
                            j += 2; // doubled quote inside the literal
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                int end = Math.min(j + 1, n);
                cur.append(sql, i, end);
                i = end;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int j = sql.indexOf('\n', i);
                i = j < 0 ? n : j + 1;
                cur.append(' ');
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int j = sql.indexOf("*/", i + 2);
                i = j < 0 ? n : j + 2;
                cur.append(' ');
            } else if (c == ';') {
                if (isTrigger(cur) && !endsWithEnd(cur)) {
                    cur.append(c);
                } else {
                    addIfAny(out, cur);
                    cur.setLength(0);
                }
                i++;
            } else {
                cur.append(c);
                i++;
            }
        }
        addIfAny(out, cur);
        return out;
    }

    private static final Pattern TRIGGER = Pattern.compile("(?is)\\s*CREATE\\s+(TEMP\\s+|TEMPORARY\\s+)?TRIGGER\\b.*");
    private static final Pattern ENDS_END = Pattern.compile("(?is).*\\bEND\\s*");

    private static boolean isTrigger(CharSequence s) {
        return TRIGGER.matcher(s).matches();
    }

    private static boolean endsWithEnd(CharSequence s) {
        return ENDS_END.matcher(s).matches();
    }

    private static void addIfAny(List<String> out, StringBuilder cur) {
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().strip());
        }
    }
}
