package io.multidb.databases;

import java.time.Instant;
import java.util.Objects;

/**
 * A database as the catalog knows it.
 *
 * @param parent        the schema database a child follows, else null
 * @param schemaVersion the version of the schema this database is at (bumped by each applied migration)
 * @param blockWrites   writes refused by an operator
 * @param migrationJob  on a schema database: the job that holds the family's migration lock, else null (as the API
 *                      shows a child: its family's running job)
 * @param behind        on a child: set while it is behind its family (a job under the quarantine policy left it at
 *                      its old version); null when it is at its family's version
 */
public record Database(
        String name,
        String id,
        String group,
        DatabaseKind kind,
        String parent,
        Instant createdAt,
        long schemaVersion,
        boolean blockWrites,
        String migrationJob,
        Behind behind) {

    /** A database without a behind mark. */
    public Database(String name, String id, String group, DatabaseKind kind, String parent, Instant createdAt,
                    long schemaVersion, boolean blockWrites, String migrationJob) {
        this(name, id, group, kind, parent, createdAt, schemaVersion, blockWrites, migrationJob, null);
    }

    /**
     * A child left behind by a job: it stays at {@code version} (and keeps serving on that schema) until a repair or
     * a retry of {@code jobId} brings it forward.
     *
     * @param error SQLite's error on this child (what to fix before the retry)
     */
    public record Behind(long version, String jobId, String error) {
    }

    public Database withBehind(Behind b) {
        return new Database(name, id, group, kind, parent, createdAt, schemaVersion, blockWrites, migrationJob, b);
    }

    public Database withMigrationJob(String job) {
        return new Database(name, id, group, kind, parent, createdAt, schemaVersion, blockWrites, job, behind);
    }

    public Database withSchemaVersion(long v) {
        return new Database(name, id, group, kind, parent, createdAt, v, blockWrites, migrationJob, behind);
    }

    public Database {
        Objects.requireNonNull(name);
        Objects.requireNonNull(id);
        Objects.requireNonNull(group);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(createdAt);
        if ((kind == DatabaseKind.CHILD) != (parent != null)) {
            throw new IllegalArgumentException("a child has a parent and only a child has one");
        }
    }

    public boolean isSchema() {
        return kind == DatabaseKind.SCHEMA;
    }

    public boolean isChild() {
        return kind == DatabaseKind.CHILD;
    }

    /** The schema database whose family this database belongs to, or null for a standard database. */
    public String familyRoot() {
        return switch (kind) {
            case SCHEMA -> name;
            case CHILD -> parent;
            case STANDARD -> null;
        };
    }
}
