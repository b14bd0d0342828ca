package io.multidb.databases;

import io.multidb.common.MultidbException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A fake of the catalog port for use-case and handler tests: the same visibility and container rules as the
 * DynamoDB adapter, made atomic by one lock (the adapter's races are tested against dynalite).
 */
public final class InMemoryCatalog implements Catalog {
    private enum Status { CREATING, READY, DELETING }

    private record Entry(Database db, Status status) {
    }

    private final Map<String, Group> groups = new TreeMap<>();
    private final Map<String, Entry> dbs = new TreeMap<>();

    private static String key(String org, String name) {
        return org + "/" + name;
    }

    @Override
    public synchronized Group createGroup(String org, Group group) {
        if (groups.putIfAbsent(key(org, group.name()), group) != null) {
            throw MultidbException.conflict("group '" + group.name() + "' already exists");
        }
        return group;
    }

    @Override
    public synchronized Optional<Group> getGroup(String org, String name) {
        return Optional.ofNullable(groups.get(key(org, name)));
    }

    @Override
    public synchronized List<Group> listGroups(String org) {
        return groups.entrySet().stream().filter(e -> e.getKey().startsWith(org + "/")).map(Map.Entry::getValue).toList();
    }

    @Override
    public synchronized Group deleteGroup(String org, String name) {
        Group g = groups.get(key(org, name));
        if (g == null) {
            throw MultidbException.notFound("group '" + name + "' does not exist");
        }
        long n = entries(org).stream().filter(e -> e.db().group().equals(name)).count();
        if (n > 0) {
            throw MultidbException.conflict("group '" + name + "' still holds " + n + " databases: delete them first");
        }
        groups.remove(key(org, name));
        return g;
    }

    @Override
    public synchronized Database beginCreate(String org, Database database) {
        if (dbs.containsKey(key(org, database.name()))) {
            throw MultidbException.conflict("database '" + database.name() + "' already exists");
        }
        if (!groups.containsKey(key(org, database.group()))) {
            throw MultidbException.notFound("group '" + database.group() + "' does not exist");
        }
        if (database.isChild()) {
            Entry p = dbs.get(key(org, database.parent()));
            if (p == null || p.status() != Status.READY) {
                throw MultidbException.notFound("schema database '" + database.parent() + "' does not exist");
            }
            if (p.db().migrationJob() != null) {
                throw MultidbException.conflict("schema database '" + database.parent() + "' is being migrated");
            }
        }
        dbs.put(key(org, database.name()), new Entry(database, Status.CREATING));
        return database;
    }

    @Override
    public synchronized Database finishCreate(String org, Database database) {
        dbs.put(key(org, database.name()), new Entry(database, Status.READY));
        return database;
    }

    @Override
    public synchronized void abortCreate(String org, Database database) {
        dbs.remove(key(org, database.name()));
    }

    private int databaseReads;

    /** How many times getDatabase was called (test hook: callers that remember entries). */
    public synchronized int databaseReads() {
        return databaseReads;
    }

    @Override
    public synchronized Optional<Database> getDatabase(String org, String name) {
        databaseReads++;
        Entry e = dbs.get(key(org, name));
        return e != null && e.status() == Status.READY ? Optional.of(e.db()) : Optional.empty();
    }

    @Override
    public synchronized List<Database> listDatabases(String org) {
        return entries(org).stream().filter(e -> e.status() == Status.READY).map(Entry::db).toList();
    }

    @Override
    public synchronized DatabasePage pageDatabases(String org, DatabaseQuery query) {
        List<Database> matching = listDatabases(org).stream().filter(query::matches)
                .sorted(java.util.Comparator.comparing(Database::name)).toList();
        List<Database> page = matching.stream().limit(query.limit()).toList();
        String next = matching.size() > page.size() ? page.get(page.size() - 1).name() : null;
        return new DatabasePage(page, next);
    }

    @Override
    public synchronized List<Database> listChildren(String org, String parent) {
        return listDatabases(org).stream().filter(d -> parent.equals(d.parent())).toList();
    }

    @Override
    public synchronized int countChildren(String org, String parent) {
        return (int) entries(org).stream().filter(e -> parent.equals(e.db().parent())).count();
    }

    @Override
    public synchronized Database beginDelete(String org, String name) {
        Entry e = dbs.get(key(org, name));
        if (e == null || e.status() != Status.READY) {
            throw MultidbException.notFound("database '" + name + "' does not exist");
        }
        int children = countChildren(org, name);
        if (children > 0) {
            throw MultidbException.conflict("schema database '" + name + "' still has " + children
                    + " children: delete them first");
        }
        dbs.put(key(org, name), new Entry(e.db(), Status.DELETING));
        return e.db();
    }

    @Override
    public synchronized void finishDelete(String org, Database database) {
        dbs.remove(key(org, database.name()));
    }

    /** Test hook: set a database's migration lock or block_writes. */
    public synchronized void replace(String org, Database database) {
        dbs.put(key(org, database.name()), new Entry(database, Status.READY));
    }

    private List<Entry> entries(String org) {
        List<Entry> out = new ArrayList<>();
        dbs.forEach((k, v) -> {
            if (k.startsWith(org + "/")) {
                out.add(v);
            }
        });
        return out;
    }
}
