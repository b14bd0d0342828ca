package io.multidb.auth;

import java.util.Objects;

/** What a request wants to do, as far as the {@link Authorizer} needs to know. */
public sealed interface Action {

    /** Anything under {@code /v1/organizations/{org}/}: groups, databases, tokens, rotation, migrations. */
    record ControlPlane() implements Action {
        public static final ControlPlane ANY = new ControlPlane();
    }

    /**
     * SQL on one database ({@code /db/{database}/v2/pipeline}). Whether it writes is for SQLite to decide
     * under the grant's read-only flag, not for the authorizer to guess from the SQL.
     *
     * @param database the database named in the path (a name the client sent, possibly of no database)
     * @param group    the group the catalog has the database in, or null if there is no such database; read only
     *                 for group tokens, so for the admin and database tokens the caller may skip the lookup
     */
    record DataPlane(String database, String group) implements Action {
        public DataPlane {
            Objects.requireNonNull(database);
        }
    }

    /**
     * The migration job endpoints on a schema database's data plane ({@code /db/{schema}/v1/jobs...}): reads.
     *
     * @param schemaDatabase the database named in the path
     * @param group          its group, or null if there is no such database (as in {@link DataPlane})
     */
    record Jobs(String schemaDatabase, String group) implements Action {
        public Jobs {
            Objects.requireNonNull(schemaDatabase);
        }
    }
}
