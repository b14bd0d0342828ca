package io.multidb.aws;

import io.multidb.databases.Database;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.Group;
import io.multidb.common.Names;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Keys and attributes of the metadata table (docs/metadata-table.md). Every name that goes into a key passes
 * {@link Names} first: names cannot contain {@code #}, so no name can forge another item's key.
 */
final class CatalogItems {
    static final String PK = "pk";
    static final String SK = "sk";
    static final String TYPE = "type";
    static final String NAME = "name";
    static final String LOCATION = "location";
    static final String CREATED_AT = "created_at";
    static final String STATUS = "status";
    static final String ID = "id";
    static final String GROUP = "group";
    static final String KIND = "kind";
    static final String PARENT = "parent";
    static final String SCHEMA_VERSION = "schema_version";
    static final String BLOCK_WRITES = "block_writes";
    static final String MIGRATION_JOB = "migration_job";
    /** A child left behind by a quarantining job: a map {version, job_id, error}. */
    static final String BEHIND = "behind";
    static final String LEASE_UNTIL = "lease_until";
    static final String CLAIM = "claim";
    /** On a membership item: the id of the database incarnation that wrote it. */
    static final String DB_ID = "db_id";

    static final String TYPE_GROUP = "group";
    static final String TYPE_DATABASE = "database";
    static final String TYPE_GROUP_MEMBER = "group_member";
    static final String TYPE_FAMILY_MEMBER = "family_member";

    static final String ACTIVE = "active";
    static final String CREATING = "creating";
    static final String READY = "ready";
    static final String DELETING = "deleting";

    static final String GROUP_PREFIX = "GROUP#";
    static final String DB_PREFIX = "DB#";
    static final String CHILD_PREFIX = "CHILD#";

    private CatalogItems() {
    }

    /** The organization's partition: its groups and databases. */
    static String orgPk(String org) {
        return "ORG#" + Names.organization(org);
    }

    static String groupSk(String group) {
        return GROUP_PREFIX + Names.group(group);
    }

    static String dbSk(String database) {
        return DB_PREFIX + Names.database(database);
    }

    /** The partition listing a group's databases, one item each, counted before the group is deleted. */
    static String groupMembersPk(String org, String group) {
        return orgPk(org) + "#GROUP#" + Names.group(group);
    }

    /** The partition listing a schema database's children, counted before it is deleted or migrated. */
    static String familyPk(String org, String parent) {
        return orgPk(org) + "#FAMILY#" + Names.database(parent);
    }

    static String childSk(String child) {
        return CHILD_PREFIX + Names.database(child);
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(PK, s(pk), SK, s(sk));
    }

    static Map<String, AttributeValue> groupKey(String org, String group) {
        return key(orgPk(org), groupSk(group));
    }

    static Map<String, AttributeValue> dbKey(String org, String database) {
        return key(orgPk(org), dbSk(database));
    }

    static Map<String, AttributeValue> groupMemberKey(String org, String group, String database) {
        return key(groupMembersPk(org, group), dbSk(database));
    }

    static Map<String, AttributeValue> familyMemberKey(String org, String parent, String child) {
        return key(familyPk(org, parent), childSk(child));
    }

    static Map<String, AttributeValue> groupItem(String org, Group group) {
        Map<String, AttributeValue> item = new HashMap<>(groupKey(org, group.name()));
        item.put(TYPE, s(TYPE_GROUP));
        item.put(NAME, s(group.name()));
        item.put(LOCATION, s(group.location()));
        item.put(CREATED_AT, s(group.createdAt().toString()));
        item.put(STATUS, s(ACTIVE));
        return item;
    }

    static Group toGroup(Map<String, AttributeValue> item) {
        return new Group(str(item, NAME), str(item, LOCATION), Instant.parse(str(item, CREATED_AT)));
    }

    /** A database item in state "creating", claimed by {@code claim} until {@code leaseUntil}. */
    static Map<String, AttributeValue> claimItem(String org, Database db, String claim, long leaseUntil) {
        Map<String, AttributeValue> item = new HashMap<>(dbKey(org, db.name()));
        item.put(TYPE, s(TYPE_DATABASE));
        item.put(NAME, s(db.name()));
        item.put(ID, s(db.id()));
        item.put(GROUP, s(db.group()));
        item.put(KIND, s(db.kind().wire()));
        if (db.parent() != null) {
            item.put(PARENT, s(db.parent()));
        }
        item.put(CREATED_AT, s(db.createdAt().toString()));
        item.put(SCHEMA_VERSION, n(db.schemaVersion()));
        item.put(BLOCK_WRITES, AttributeValue.fromBool(db.blockWrites()));
        if (db.migrationJob() != null) {
            item.put(MIGRATION_JOB, s(db.migrationJob()));
        }
        item.put(STATUS, s(CREATING));
        item.put(LEASE_UNTIL, n(leaseUntil));
        item.put(CLAIM, s(claim));
        return item;
    }

    static Database toDatabase(Map<String, AttributeValue> item) {
        return new Database(
                str(item, NAME),
                str(item, ID),
                str(item, GROUP),
                DatabaseKind.fromWire(str(item, KIND)),
                optStr(item, PARENT),
                Instant.parse(str(item, CREATED_AT)),
                Long.parseLong(item.get(SCHEMA_VERSION).n()),
                Boolean.TRUE.equals(item.get(BLOCK_WRITES).bool()),
                optStr(item, MIGRATION_JOB),
                behind(item.get(BEHIND)));
    }

    static AttributeValue behindValue(Database.Behind b) {
        return AttributeValue.fromM(Map.of("version", n(b.version()), "job_id", s(b.jobId()),
                "error", s(b.error() == null ? "" : b.error())));
    }

    private static Database.Behind behind(AttributeValue v) {
        if (v == null || !v.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = v.m();
        String error = optStr(m, "error");
        return new Database.Behind(Long.parseLong(m.get("version").n()), str(m, "job_id"),
                error == null || error.isEmpty() ? null : error);
    }

    static Map<String, AttributeValue> groupMemberItem(String org, Database db) {
        Map<String, AttributeValue> item = new HashMap<>(groupMemberKey(org, db.group(), db.name()));
        item.put(TYPE, s(TYPE_GROUP_MEMBER));
        item.put(NAME, s(db.name()));
        item.put(DB_ID, s(db.id()));
        return item;
    }

    static Map<String, AttributeValue> familyMemberItem(String org, Database child) {
        Map<String, AttributeValue> item = new HashMap<>(familyMemberKey(org, child.parent(), child.name()));
        item.put(TYPE, s(TYPE_FAMILY_MEMBER));
        item.put(NAME, s(child.name()));
        item.put(DB_ID, s(child.id()));
        return item;
    }

    static String status(Map<String, AttributeValue> item) {
        return str(item, STATUS);
    }

    /** The lease of a claim, or 0 when the item holds none. */
    static long leaseUntil(Map<String, AttributeValue> item) {
        AttributeValue v = item.get(LEASE_UNTIL);
        return v == null ? 0 : Long.parseLong(v.n());
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.s() == null) {
            throw new IllegalStateException("metadata item " + item.get(PK) + "/" + item.get(SK) + " has no " + name);
        }
        return v.s();
    }

    static String optStr(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }
}
