package io.multidb.databases;

import io.multidb.common.Names;

/**
 * Filters of the database list, as the Platform API names them; null means no filter.
 *
 * @param group      only databases of this group
 * @param schema     only children of this schema database
 * @param schemaOnly only schema databases ({@code type=schema})
 */
public record DatabaseFilter(String group, String schema, boolean schemaOnly) {
    public static final DatabaseFilter NONE = new DatabaseFilter(null, null, false);

    public DatabaseFilter {
        if (group != null) {
            Names.group(group);
        }
        if (schema != null) {
            Names.database(schema);
        }
    }

    public boolean matches(Database d) {
        return (group == null || group.equals(d.group()))
                && (schema == null || schema.equals(d.parent()))
                && (!schemaOnly || d.isSchema());
    }
}
