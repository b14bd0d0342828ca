package io.multidb.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.common.MultidbException;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseFilter;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.DatabasePage;
import io.multidb.databases.DatabaseQuery;
import java.util.Map;

/**
 * The paged database list: {@code ?search=&limit=&cursor=} (with the list's {@code group}, {@code schema},
 * {@code type} filters) → {@code {"databases":[...], "next_cursor"}}, each database as the Platform API shows it
 * plus {@code size_bytes} and, in a list of schema databases ({@code type=schema}), {@code children_count}. Without any paging parameter the
 * list keeps the Platform API's unpaged shape, which {@code @tursodatabase/api} reads.
 */
final class DatabaseListing {
    private DatabaseListing() {
    }

    static boolean paged(Map<String, String> query) {
        return query.containsKey("limit") || query.containsKey("cursor") || query.containsKey("search");
    }

    /** The query from request parameters; {@code forcedGroup} (a group token's) overrides and must match a given group. */
    static DatabaseQuery query(Request r, String forcedGroup) {
        Map<String, String> q = r.query();
        String group = emptyToNull(q.get("group"));
        if (forcedGroup != null) {
            if (group != null && !group.equals(forcedGroup)) {
                throw new MultidbException(io.multidb.common.ErrorKind.FORBIDDEN, "forbidden: this token is for the databases of group '" + forcedGroup
                        + "'; list that group's databases");
            }
            group = forcedGroup;
        }
        String type = emptyToNull(q.get("type"));
        DatabaseKind kind = null;
        if (type != null) {
            kind = switch (type) {
                case "schema" -> DatabaseKind.SCHEMA;
                case "standard" -> DatabaseKind.STANDARD;
                case "child" -> DatabaseKind.CHILD;
                default -> throw MultidbException.invalid("'type' filter takes 'schema', 'standard' or 'child'");
            };
        }
        DatabaseFilter filter = new DatabaseFilter(group, emptyToNull(q.get("schema")), false);
        return new DatabaseQuery(filter, kind, q.get("search"), emptyToNull(q.get("cursor")), limit(q.get("limit")));
    }

    static ObjectNode page(Services services, String org, DatabaseQuery query, Request r) {
        DatabasePage page = services.databases().pageDatabases(org, query);
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("databases");
        // A child's version is its family's (or its own when behind, or its file's while a job runs): resolved as the
        // unpaged list and the single read do, each family's parent read once.
        for (Database d : services.migrations().versions().resolveAll(org, page.items())) {
            ObjectNode n = ControlPlane.database(d, r);
            n.put("size_bytes", services.databases().fileSize(d.name()));
            // A count reads the whole family: only for lists of schema databases, which show it.
            if (d.isSchema() && query.kind() == DatabaseKind.SCHEMA) {
                n.put("children_count", services.databases().countChildren(org, d.name()));
            }
            list.add(n);
        }
        if (page.next() != null) {
            out.put("next_cursor", page.next());
        } else {
            out.putNull("next_cursor");
        }
        return out;
    }

    private static int limit(String s) {
        if (s == null || s.isEmpty()) {
            return DatabaseQuery.DEFAULT_LIMIT;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw MultidbException.invalid("'limit' must be a whole number between 1 and " + DatabaseQuery.MAX_LIMIT);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
