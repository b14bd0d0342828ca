package io.multidb.databases;

import io.multidb.common.Names;
import io.multidb.common.MultidbException;
import io.multidb.storage.SqliteStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The control plane's use cases for groups and databases. Metadata changes follow the {@link Catalog} protocol;
 * a database file is made between the catalog's claim and its confirmation, so a crash at any point leaves either
 * an invisible claim (taken over later) or a confirmed database whose file is complete.
 */
public final class DatabaseService {
    private final Catalog catalog;
    private final SqliteStore store;
    private final Clock clock;

    public DatabaseService(Catalog catalog, SqliteStore store, Clock clock) {
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.clock = Objects.requireNonNull(clock);
    }

    public Group createGroup(String org, String name, String location) {
        Names.group(name);
        if (location == null || location.isBlank() || location.length() > 64) {
            throw MultidbException.invalid("'location' is required (free text up to 64 characters, e.g. an AWS region)");
        }
        return catalog.createGroup(org, new Group(name, location, now()));
    }

    public List<Group> listGroups(String org) {
        return catalog.listGroups(org);
    }

    public Group getGroup(String org, String name) {
        Names.group(name);
        return catalog.getGroup(org, name)
                .orElseThrow(() -> MultidbException.notFound("group '" + name + "' does not exist"));
    }

    public Group deleteGroup(String org, String name) {
        Names.group(name);
        return catalog.deleteGroup(org, name);
    }

    public Database createDatabase(String org, CreateDatabase cmd) {
        Group group = catalog.getGroup(org, cmd.group()).orElseThrow(() -> MultidbException.notFound(
                "group '" + cmd.group() + "' does not exist: create it first"));
        long version = 0;
        if (cmd.schemaParent() != null) {
            Database parent = catalog.getDatabase(org, cmd.schemaParent()).orElseThrow(() -> MultidbException.notFound(
                    "schema database '" + cmd.schemaParent() + "' does not exist: create it first with is_schema: true"));
            checkParent(parent, group);
            version = parent.schemaVersion();
        }
        Database wanted = new Database(cmd.name(), UUID.randomUUID().toString(), group.name(), cmd.kind(),
                cmd.schemaParent(), now(), version, false, null);
        Database claimed = catalog.beginCreate(org, wanted);
        try {
            // Our claim owns the name: a file under it is a leftover of a crashed create or delete.
            store.removeLeftover(claimed.name());
            boolean made = claimed.isChild()
                    ? store.families().write(claimed.parent(), job -> store.createCopy(claimed.parent(), claimed.name()))
                    : store.createEmpty(claimed.name());
            if (!made) {
                throw new IllegalStateException("database file appeared under a claimed name: " + claimed.name());
            }
            return catalog.finishCreate(org, claimed);
        } catch (RuntimeException e) {
            undoCreate(org, claimed);
            throw e;
        } catch (Exception e) {
            undoCreate(org, claimed);
            throw new IllegalStateException(e);
        }
    }

    private void undoCreate(String org, Database claimed) {
        try {
            store.delete(claimed.name());
        } finally {
            catalog.abortCreate(org, claimed);
        }
    }

    private static void checkParent(Database parent, Group group) {
        if (!parent.isSchema()) {
            throw MultidbException.invalid("'" + parent.name() + "' is not a schema database: only a database created with "
                    + "is_schema: true can be given as 'schema'");
        }
        if (!parent.group().equals(group.name())) {
            throw MultidbException.invalid("schema database '" + parent.name() + "' is in group '" + parent.group()
                    + "': a child must be created in its schema database's group");
        }
        if (parent.migrationJob() != null) {
            throw MultidbException.conflict("schema database '" + parent.name() + "' is being migrated (job "
                    + parent.migrationJob() + "): create the child when the migration has finished");
        }
    }

    public List<Database> listDatabases(String org, DatabaseFilter filter) {
        List<Database> all = filter.schema() != null
                ? catalog.listChildren(org, filter.schema())
                : catalog.listDatabases(org);
        return all.stream().filter(filter::matches).toList();
    }

    /** One page of the list, by name prefix; see {@link DatabaseQuery}. */
    public DatabasePage pageDatabases(String org, DatabaseQuery query) {
        return catalog.pageDatabases(org, query);
    }

    /** How many children a schema database has (claims in progress included). */
    public int countChildren(String org, String parent) {
        return catalog.countChildren(org, Names.database(parent));
    }

    /** The database file's size in bytes, or -1 if it has no file (yet, or any more). */
    public long fileSize(String name) {
        try {
            return java.nio.file.Files.size(store.fileOf(Names.database(name)));
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    public Database getDatabase(String org, String name) {
        Names.database(name);
        return catalog.getDatabase(org, name)
                .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
    }

    public Database deleteDatabase(String org, String name) {
        Names.database(name);
        Database db = catalog.beginDelete(org, name);
        store.delete(db.name());
        if (db.isSchema()) {
            store.deleteFamilyLock(db.name());
        }
        catalog.finishDelete(org, db);
        return db;
    }

    private Instant now() {
        return clock.instant();
    }
}
