package io.multidb.databases;

import io.multidb.common.Names;
import io.multidb.common.MultidbException;

/**
 * A request to create a database, valid by construction.
 *
 * @param schemaParent the schema database a child follows, or null
 */
public record CreateDatabase(String name, String group, boolean isSchema, String schemaParent) {
    public CreateDatabase {
        Names.database(name);
        if (group == null) {
            throw MultidbException.invalid("'group' is required: create databases inside a group");
        }
        Names.group(group);
        if (isSchema && schemaParent != null) {
            throw MultidbException.invalid("'is_schema' and 'schema' cannot both be given: a schema database cannot itself be a child");
        }
        if (schemaParent != null) {
            Names.database(schemaParent);
            if (schemaParent.equals(name)) {
                throw MultidbException.invalid("a database cannot be its own schema database");
            }
        }
    }

    public DatabaseKind kind() {
        return isSchema ? DatabaseKind.SCHEMA : schemaParent != null ? DatabaseKind.CHILD : DatabaseKind.STANDARD;
    }
}
