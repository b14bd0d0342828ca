package io.multidb.databases;

import java.util.List;
import java.util.Optional;

/**
 * The metadata port: groups and databases of an organization. Implementations use only single-item conditional
 * writes and strongly consistent reads (dynalite has no transactions), and the create and delete protocols below
 * are written so that races resolve safely on that basis.
 *
 * <p>Creating a database is three steps so that the file is made between them:
 * {@link #beginCreate} claims the name (state "creating", invisible to reads), registers the database as a
 * member of its group (and of its parent's family for a child) and then re-reads the containers: if one is
 * being deleted, is gone, or (for a child) its parent's family is locked by a migration, the claim is undone
 * and the call fails. {@link #finishCreate} makes it visible; {@link #abortCreate} undoes the claim.
 *
 * <p>Deleting a container (a group, or a schema database) first marks it "deleting", then counts its members
 * with a consistent query; any member → the mark is undone and the delete fails with the count. Because each
 * side writes before it reads the other's item, at least one of two racing operations sees the other: there is
 * never a database whose group or parent is gone.
 *
 * <p>Claims left by a crash ("creating" or "deleting" items) are invisible to reads and expire after a lease,
 * after which a new create of the same name takes them over.
 */
public interface Catalog {

    /** Creates the group; fails with CONFLICT if the name is taken. */
    Group createGroup(String org, Group group);

    Optional<Group> getGroup(String org, String name);

    List<Group> listGroups(String org);

    /** Deletes an empty group; NOT_FOUND if absent, CONFLICT naming the count if it holds databases. */
    Group deleteGroup(String org, String name);

    /** Claims the name and registers memberships; see the class comment. Returns the claimed database. */
    Database beginCreate(String org, Database database);

    /** Makes a claimed database visible. */
    Database finishCreate(String org, Database database);

    /** Undoes a claim (best effort: a claim left behind expires). */
    void abortCreate(String org, Database database);

    Optional<Database> getDatabase(String org, String name);

    List<Database> listDatabases(String org);

    /**
     * One page of databases in name order (children of {@code query.filter().schema()} if set, else every
     * database), reading about {@code query.limit()} items rather than the whole list.
     */
    DatabasePage pageDatabases(String org, DatabaseQuery query);

    /** The children of a schema database, from a strongly consistent query of its family. */
    List<Database> listChildren(String org, String parent);

    /** How many children a schema database has, consistently (counts claims in progress too). */
    int countChildren(String org, String parent);

    /**
     * A family's ready children and how many members it has in all (claims in progress too): what a migration's
     * prepare waits on. Adapters answer from one consistent read where they can.
     */
    record Family(List<Database> ready, int members) {
        public Family {
            ready = List.copyOf(ready);
        }

        /** No child create or delete is in flight. */
        public boolean settled() {
            return members == ready.size();
        }
    }

    default Family family(String org, String parent) {
        List<Database> ready = listChildren(org, parent);
        return new Family(ready, countChildren(org, parent));
    }

    /**
     * Marks the database "deleting" so that it is invisible and nothing new joins its family. For a schema
     * database with children: CONFLICT naming the count, and nothing changes. NOT_FOUND if absent.
     */
    Database beginDelete(String org, String name);

    /** Removes the database's items once its file is gone. */
    void finishDelete(String org, Database database);
}
