package io.multidb.migrations;

import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The schema version a database is at, as the API reports it, true to the files without a metadata write per
 * child. A schema database's version is in the catalog (recorded when a job ends, from its file). A child follows
 * its family: every database of a family is at the parent's version whenever no job runs on it (a job ends only
 * with every file at one version), except a child a quarantining job left behind, which is marked with its version;
 * while a job runs, the child's own file is read (its highest version row), so a
 * child applied or undone a moment ago says so, and names the family's running job as its own {@code migrationJob}.
 */
public final class SchemaVersions {
    private final Catalog catalog;
    private final DatabaseMigrator migrator;

    SchemaVersions(Catalog catalog, DatabaseMigrator migrator) {
        this.catalog = catalog;
        this.migrator = migrator;
    }

    public Database resolve(String org, Database d) {
        return resolveAll(org, List.of(d)).get(0);
    }

    /** The same for a list, reading each family's parent once. */
    public List<Database> resolveAll(String org, List<Database> databases) {
        Map<String, Optional<Database>> parents = new HashMap<>();
        return databases.stream().map(d -> {
            if (!d.isChild()) {
                return d;
            }
            Optional<Database> parent = parents.computeIfAbsent(d.parent(), p -> catalog.getDatabase(org, p));
            if (parent.isEmpty()) {
                return d;
            }
            // A child left behind stays at its own version (it is marked so, and no job touches it but a repair).
            long settled = d.behind() != null ? d.behind().version() : parent.get().schemaVersion();
            String job = parent.get().migrationJob();
            long version = job == null ? settled : fileVersion(d);
            Database shown = version == d.schemaVersion() ? d : d.withSchemaVersion(version);
            // A child is write-blocked by its family's job: it says which (the lock itself is on the parent's item).
            return job == null ? shown : shown.withMigrationJob(job);
        }).toList();
    }

    private long fileVersion(Database d) {
        try {
            return migrator.version(d.name());
        } catch (RuntimeException e) {
            return d.schemaVersion(); // a file being created or deleted: what the catalog knows
        }
    }
}
