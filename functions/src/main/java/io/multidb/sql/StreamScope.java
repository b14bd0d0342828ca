package io.multidb.sql;

import java.util.Objects;

/**
 * What the executor needs to keep a stream open across HTTP requests on one database.
 *
 * @param streams      where streams live and how batons are signed
 * @param org          the organization the request is for (batons are bound to it)
 * @param database     the database's name (batons are bound to it)
 * @param databaseId   the database's incarnation id (a stream dies with its database)
 * @param writeRefusal null: a stream may write; else why it may not (a schema database with children, whose
 *                     changes reach the children only as a migration): the first request of such a stream is
 *                     refused if its open transaction wrote, later requests run with writes refused
 */
public record StreamScope(Streams streams, String org, String database, String databaseId, String writeRefusal) {
    public StreamScope {
        Objects.requireNonNull(streams);
        Objects.requireNonNull(org);
        Objects.requireNonNull(database);
        Objects.requireNonNull(databaseId);
    }
}
