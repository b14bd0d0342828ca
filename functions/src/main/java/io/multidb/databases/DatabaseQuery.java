package io.multidb.databases;

import io.multidb.common.Names;
import io.multidb.common.MultidbException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One page of the database list: the list's filters, a name prefix to search by, where to resume and how many.
 * Fleets have thousands of databases; a page reads about {@code limit} catalog items, never the whole list.
 *
 * @param kind   only databases of this kind, or null for every kind
 * @param search a prefix of the names wanted ("" for every name); names are lowercase, so is the search
 * @param cursor the last name of the previous page (the page starts after it), or null for the first page
 * @param limit  1 to {@link #MAX_LIMIT} databases
 */
public record DatabaseQuery(DatabaseFilter filter, DatabaseKind kind, String search, String cursor, int limit) {
    public static final int MAX_LIMIT = 500;
    public static final int DEFAULT_LIMIT = 50;
    private static final Pattern SEARCH = Pattern.compile("[a-z0-9-]{0,63}");

    public DatabaseQuery {
        Objects.requireNonNull(filter);
        search = search == null ? "" : search;
        if (!SEARCH.matcher(search).matches()) {
            throw MultidbException.invalid("'search' is a prefix of database names: lowercase letters, digits and '-',"
                    + " up to 63 characters");
        }
        if (cursor != null && (!Names.isValid(cursor) || !cursor.startsWith(search))) {
            throw MultidbException.invalid("'cursor' is not one this list gave out: pass the 'next_cursor' of the"
                    + " previous page with the same filters and search");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw MultidbException.invalid("'limit' must be between 1 and " + MAX_LIMIT);
        }
    }

    /** Whether a database of the listed partition belongs on the page (the filters; the prefix is the query's). */
    public boolean matches(Database d) {
        return filter.matches(d) && (kind == null || d.kind() == kind) && d.name().startsWith(search) && (cursor == null || d.name().compareTo(cursor) > 0);
    }
}
