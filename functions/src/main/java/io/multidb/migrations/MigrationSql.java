package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.sql.SqlScript;
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
 * <p>It is split once, where the job starts, by the project's one splitter ({@link SqlScript}, a port of
 * sqlite3_complete(): quoting, comments and trigger bodies, {@code CASE ... END} inside them included); the job
 * carries these statements to every database, which never splits again.
 */
public record MigrationSql(List<String> statements, boolean foreignKeysOff) {
    private static final Pattern BEGIN = Pattern.compile("(?is)BEGIN(\\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\\s+TRANSACTION)?");
    private static final Pattern COMMIT = Pattern.compile("(?is)(COMMIT|END)(\\s+TRANSACTION)?");
    private static final Pattern FK = Pattern.compile("(?is)PRAGMA\\s+(main\\s*\\.\\s*)?foreign_keys\\s*=\\s*['\"]?(\\w+)['\"]?");
    private static final Pattern REFUSED = Pattern.compile("(?is)(ROLLBACK|PRAGMA|ATTACH|DETACH|VACUUM)\\b.*");
    /** The version table is multidb's: a migration that changed it could make an apply happen twice, or never. */
    private static final Pattern VERSION_TABLE = Pattern.compile("(?i)(^|[^a-z0-9_$])_multidb_schema([^a-z0-9_$]|$)");

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
        for (String s : SqlScript.statements(sql)) {
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
            if (VERSION_TABLE.matcher(t).find()) {
                throw MultidbException.invalid("a migration may not touch _multidb_schema: multidb records each "
                        + "database's schema version there");
            }
            out.add(t);
            seenWork = true;
        }
        if (out.isEmpty()) {
            throw MultidbException.invalid("the migration has no statements to run");
        }
        return new MigrationSql(out, fkOff);
    }

}
