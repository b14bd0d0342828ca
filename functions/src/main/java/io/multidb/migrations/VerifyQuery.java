package io.multidb.migrations;

import io.multidb.common.MultidbException;
import io.multidb.sql.SqlScript;
import java.util.List;
import java.util.Locale;

/**
 * A canary's verify query, checked when the job starts: one statement that reads (SELECT, WITH or VALUES). It runs
 * on a read-only connection with {@code query_only} set, so even a query that slipped past this check cannot write.
 */
final class VerifyQuery {
    static final int MAX_LENGTH = 10_000;

    private VerifyQuery() {
    }

    static void check(String query) {
        if (query.isBlank() || query.length() > MAX_LENGTH) {
            throw MultidbException.invalid("'verify' is one read-only query of at most " + MAX_LENGTH
                    + " characters, e.g. \"SELECT count(*) = 0 FROM users WHERE email IS NULL\"");
        }
        List<String> statements = SqlScript.statements(query);
        if (statements.size() != 1) {
            throw MultidbException.invalid("'verify' must be one query (it has " + statements.size()
                    + " statements): it must return one row whose first column is true");
        }
        String first = statements.get(0).strip().split("[\\s(]+", 2)[0].toUpperCase(Locale.ROOT);
        if (!first.equals("SELECT") && !first.equals("WITH") && !first.equals("VALUES")) {
            throw MultidbException.invalid("'verify' must be a read-only query (SELECT, WITH or VALUES), not " + first);
        }
    }
}
