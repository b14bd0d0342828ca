package io.multidb.aws;

import static io.multidb.aws.CatalogItems.ACTIVE;
import static io.multidb.aws.CatalogItems.CHILD_PREFIX;
import static io.multidb.aws.CatalogItems.CLAIM;
import static io.multidb.aws.CatalogItems.CREATING;
import static io.multidb.aws.CatalogItems.DB_ID;
import static io.multidb.aws.CatalogItems.DB_PREFIX;
import static io.multidb.aws.CatalogItems.DELETING;
import static io.multidb.aws.CatalogItems.GROUP_PREFIX;
import static io.multidb.aws.CatalogItems.ID;
import static io.multidb.aws.CatalogItems.KIND;
import static io.multidb.aws.CatalogItems.LEASE_UNTIL;
import static io.multidb.aws.CatalogItems.MIGRATION_JOB;
import static io.multidb.aws.CatalogItems.NAME;
import static io.multidb.aws.CatalogItems.PK;
import static io.multidb.aws.CatalogItems.READY;
import static io.multidb.aws.CatalogItems.SK;
import static io.multidb.aws.CatalogItems.STATUS;
import static io.multidb.aws.CatalogItems.dbKey;
import static io.multidb.aws.CatalogItems.familyMemberKey;
import static io.multidb.aws.CatalogItems.familyPk;
import static io.multidb.aws.CatalogItems.groupKey;
import static io.multidb.aws.CatalogItems.groupMemberKey;
import static io.multidb.aws.CatalogItems.groupMembersPk;
import static io.multidb.aws.CatalogItems.key;
import static io.multidb.aws.CatalogItems.leaseUntil;
import static io.multidb.aws.CatalogItems.n;
import static io.multidb.aws.CatalogItems.orgPk;
import static io.multidb.aws.CatalogItems.s;
import static io.multidb.aws.CatalogItems.status;
import static io.multidb.aws.CatalogItems.str;

import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseKind;
import io.multidb.databases.DatabasePage;
import io.multidb.databases.DatabaseQuery;
import io.multidb.databases.Group;
import io.multidb.common.Names;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The {@link Catalog} in one DynamoDB table (partition key {@code pk}, sort key {@code sk}, both strings), using
 * only single-item conditional writes and strongly consistent reads, so that it runs the same on dynalite (no
 * transactions) and on DynamoDB. docs/metadata-table.md has the same design with examples.
 *
 * <h2>Items</h2>
 * <pre>
 * pk                        sk              type           attributes
 * ORG#{org}                 GROUP#{name}    group          name, location, created_at, status (active|deleting),
 *                                                          claim, lease_until (while deleting)
 * ORG#{org}                 DB#{name}       database       name, id, group, kind (standard|schema|child), parent,
 *                                                          created_at, schema_version (N), block_writes (BOOL),
 *                                                          migration_job, status (creating|ready|deleting),
 *                                                          claim, lease_until (N, epoch ms; while not ready)
 * ORG#{org}#GROUP#{group}   DB#{name}       group_member   name, db_id   (every database of the group)
 * ORG#{org}#FAMILY#{parent} CHILD#{name}    family_member  name, db_id   (every child of a schema database)
 * ORG#{org}#JOB#{id}        ...             (reserved for migration jobs and their tasks)
 * </pre>
 * Names pass {@link Names} before they become keys, and cannot contain {@code #}. Membership items exist so that a
 * container (a group, a schema database) can count its members with one strongly consistent Query; they carry
 * the id of the database incarnation that wrote them, and are only ever deleted on the condition that the id
 * still matches, so cleaning up after one incarnation never removes a newer one's membership.
 *
 * <h2>Protocol</h2>
 * Creating: (1) conditional put of the database item as a claim ({@code creating}, a random claim token, a
 * lease); the condition admits a new name or a claim whose lease has expired; (2) put the group membership and,
 * for a child, the family membership; (3) read the group (must be {@code active}) and, for a child, the parent
 * (must be {@code ready}, a schema database, in the same group, not locked by a migration job); any failure
 * undoes (2) and (1). {@link #finishCreate} flips {@code creating → ready} on the condition that the item is still
 * this incarnation's claim. Deleting a container: (1) mark it {@code deleting} with a claim token; (2) count its
 * members consistently; members → revert the mark (on the condition that the token is still ours) and fail.
 *
 * <p>Why races resolve: a creator writes its membership before it reads the container; a deleter writes its mark
 * before it counts the members. Of two racing operations at least one therefore sees the other's write: either
 * the count includes the membership (the delete fails and reverts) or the creator reads the mark (and undoes its
 * claim). A container item is only deleted on the condition that it still carries the deleter's token, so it was
 * marked without a break from the mark to the delete: a creator that read it as active read it before the mark,
 * hence wrote its membership before the count. The same argument with the parent's {@code migration_job} in
 * place of the mark covers migrations (a later issue): the lock is written before the family is listed, and a
 * child create or delete writes its own item before it reads the parent.
 *
 * <p>Crashes: claims ({@code creating}, {@code deleting}) are invisible to reads and carry a lease. A new create
 * of the same name takes over an expired claim (and drops the old incarnation's memberships), except a
 * half-deleted <em>schema</em> database, which only a repeated delete may take over, so that children can never
 * end up under a database of another kind. A delete takes over an expired {@code deleting} mark (a repeated
 * delete finishes a crashed one). When a container's count is small, expired {@code creating} claims and
 * memberships whose database is gone are swept before the count is reported, so a crash cannot make a group or
 * schema database undeletable. The lease must exceed the longest invocation that holds a claim (the Lambda
 * timeout), so that a claim past its lease has a dead owner.
 *
 * <h2>Reads</h2>
 * All reads are strongly consistent. Reads show only {@code ready} databases (groups in any state: a group being
 * deleted still exists until its item is gone). {@link #listDatabases} queries the org partition with
 * {@code begins_with(sk, "DB#")}; {@link #listChildren} queries the family partition and then batch-gets the
 * children's items, rather than copying their attributes onto the membership items, because those attributes
 * (schema_version, block_writes) change during migrations and a copy could only be kept in step by a second
 * write that could fail on its own. Member partitions are counted and listed by sort key prefix
 * ({@code DB#}, {@code CHILD#}), leaving room for other item types there. Every Query is paginated.
 *
 * <p>Every SDK failure becomes a {@link MultidbException}: UNAVAILABLE for throttling, network, a missing table or
 * other service errors; CONFLICT where a condition failure means a conflict.
 */
public final class DynamoCatalog implements Catalog {
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** Up to this many members a container's members are checked one by one, sweeping dead claims. */
    static final int SWEEP_LIMIT = 100;
    private static final Pattern PLACEHOLDER = Pattern.compile("#[a-z]+");
    private static final Map<String, String> ATTRIBUTES = Map.of(
            "#pk", PK, "#sk", SK, "#status", STATUS, "#lease", LEASE_UNTIL, "#claim", CLAIM,
            "#id", ID, "#kind", KIND, "#job", MIGRATION_JOB, "#dbid", DB_ID);

    private final DynamoDbClient client;
    private final String table;
    private final Clock clock;
    private final long leaseMillis;

    private DynamoCatalog(Builder builder) {
        this.client = Objects.requireNonNull(builder.client, "client");
        this.table = Objects.requireNonNull(builder.tableName, "tableName");
        this.clock = Objects.requireNonNull(builder.clock, "clock");
        if (builder.leaseDuration.isNegative() || builder.leaseDuration.isZero()) {
            throw new IllegalArgumentException("leaseDuration must be positive");
        }
        this.leaseMillis = builder.leaseDuration.toMillis();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private DynamoDbClient client;
        private String tableName;
        private Clock clock = Clock.systemUTC();
        private Duration leaseDuration = DEFAULT_LEASE;

        private Builder() {
        }

        public Builder client(DynamoDbClient client) {
            this.client = client;
            return this;
        }

        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        /** Decides when a claim's lease has expired (tests move it forward). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** How long a create or delete claim holds; must exceed the Lambda timeout of whoever holds one. */
        public Builder leaseDuration(Duration leaseDuration) {
            this.leaseDuration = Objects.requireNonNull(leaseDuration);
            return this;
        }

        public DynamoCatalog build() {
            return new DynamoCatalog(this);
        }
    }

    /**
     * Creates the metadata table (on-demand capacity) unless it exists, and waits until it is ACTIVE. For the local
     * runtime and tests; in AWS the infrastructure creates it.
     */
    public static void createTable(DynamoDbClient client, String table) {
        call(table, "creating the metadata table", () -> {
            try {
                client.createTable(b -> b.tableName(table)
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(
                                AttributeDefinition.builder().attributeName(PK).attributeType(ScalarAttributeType.S).build(),
                                AttributeDefinition.builder().attributeName(SK).attributeType(ScalarAttributeType.S).build())
                        .keySchema(
                                KeySchemaElement.builder().attributeName(PK).keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName(SK).keyType(KeyType.RANGE).build()));
            } catch (ResourceInUseException e) {
                // It exists (or is being created): wait for it below.
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (client.describeTable(b -> b.tableName(table)).table().tableStatus() != TableStatus.ACTIVE) {
                if (System.nanoTime() > deadline) {
                    throw MultidbException.unavailable("the metadata table " + table + " did not become ACTIVE", null);
                }
                try {
                    // DescribeTable is the only way to learn the status; there is nothing to wait on.
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw MultidbException.unavailable("interrupted while waiting for the metadata table", e);
                }
            }
            return null;
        });
    }

    // ---------------------------------------------------------------------------------------------- groups

    @Override
    public Group createGroup(String org, Group group) {
        boolean created = putIf("creating group " + group.name(),
                CatalogItems.groupItem(org, group), "attribute_not_exists(#pk)", Map.of()) != null;
        if (!created) {
            throw MultidbException.conflict("group " + group.name() + " already exists: choose another name");
        }
        return group;
    }

    @Override
    public Optional<Group> getGroup(String org, String name) {
        // A group being deleted still exists (the delete may yet fail), so it stays visible.
        return Optional.ofNullable(get("reading group " + name, groupKey(org, name))).map(CatalogItems::toGroup);
    }

    @Override
    public List<Group> listGroups(String org) {
        return query("listing groups", orgPk(org), GROUP_PREFIX).stream().map(CatalogItems::toGroup).toList();
    }

    @Override
    public Group deleteGroup(String org, String name) {
        String what = "deleting group " + name;
        String token = newToken();
        long now = clock.millis();
        Map<String, AttributeValue> marked = updateIf(what, groupKey(org, name),
                "SET #status = :deleting, #claim = :claim, #lease = :lease",
                "attribute_exists(#pk) AND (#status = :active OR #lease < :now)",
                Map.of(":deleting", s(DELETING), ":claim", s(token), ":lease", n(now + leaseMillis),
                        ":active", s(ACTIVE), ":now", n(now)));
        if (marked == null) {
            if (get(what, groupKey(org, name)) == null) {
                throw MultidbException.notFound("group " + name + " not found");
            }
            throw MultidbException.conflict("group " + name + " is already being deleted; try again shortly");
        }
        int members;
        try {
            members = liveMembers(what, org, groupMembersPk(org, name), DB_PREFIX);
        } catch (RuntimeException e) {
            revert(what, groupKey(org, name), "SET #status = :active REMOVE #claim, #lease", token, e);
            throw e;
        }
        if (members > 0) {
            MultidbException conflict = MultidbException.conflict(
                    "group " + name + " still holds " + plural(members, "database") + ": delete them first");
            revert(what, groupKey(org, name), "SET #status = :active REMOVE #claim, #lease", token, conflict);
            throw conflict;
        }
        if (!deleteIf(what, groupKey(org, name), "#claim = :claim", Map.of(":claim", s(token)))) {
            throw MultidbException.conflict("another delete of group " + name + " took over this one; try again");
        }
        return CatalogItems.toGroup(marked);
    }

    // ------------------------------------------------------------------------------------------- databases

    @Override
    public Database beginCreate(String org, Database db) {
        String what = "creating database " + db.name();
        String token = newToken();
        long now = clock.millis();
        // A new name, or an expired claim; not a half-deleted schema database (its children would be adopted).
        Map<String, AttributeValue> old = putIf(what, CatalogItems.claimItem(org, db, token, now + leaseMillis),
                "attribute_not_exists(#pk)"
                        + " OR (#status = :creating AND #lease < :now)"
                        + " OR (#status = :deleting AND #lease < :now AND #kind <> :schema)",
                Map.of(":creating", s(CREATING), ":deleting", s(DELETING), ":now", n(now),
                        ":schema", s(DatabaseKind.SCHEMA.wire())));
        if (old == null) {
            throw claimRefused(what, org, db.name(), now);
        }
        try {
            if (!old.isEmpty()) {
                dropMemberships(what, org, CatalogItems.toDatabase(old));
            }
            put(what, CatalogItems.groupMemberItem(org, db));
            if (db.isChild()) {
                put(what, CatalogItems.familyMemberItem(org, db));
            }
            // Only now, after our writes, read the containers (see the class comment).
            checkContainers(what, org, db);
            return db;
        } catch (RuntimeException e) {
            try {
                dropMemberships(what, org, db);
                deleteIf(what, dbKey(org, db.name()), "#claim = :claim", Map.of(":claim", s(token)));
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    private MultidbException claimRefused(String what, String org, String name, long now) {
        Map<String, AttributeValue> current = get(what, dbKey(org, name));
        if (current == null) {
            return MultidbException.conflict("database " + name + " changed concurrently; try again");
        }
        return switch (status(current)) {
            case READY -> MultidbException.conflict("database " + name + " already exists: choose another name");
            case CREATING -> MultidbException.conflict(
                    "database " + name + " is being created by another request; try again shortly");
            default -> leaseUntil(current) < now && DatabaseKind.SCHEMA.wire().equals(str(current, KIND))
                    ? MultidbException.conflict("schema database " + name
                            + " was left half-deleted: delete it again to finish, then create it")
                    : MultidbException.conflict("database " + name + " is being deleted; try again shortly");
        };
    }

    private void checkContainers(String what, String org, Database db) {
        Map<String, AttributeValue> group = get(what, groupKey(org, db.group()));
        if (group == null) {
            throw MultidbException.notFound("group " + db.group() + " not found: create it first");
        }
        long now = clock.millis();
        if (DELETING.equals(status(group))) {
            // Even an expired mark blocks: its slow owner may still delete the group (see the class comment).
            throw MultidbException.conflict(leaseUntil(group) < now
                    ? "group " + db.group() + " was left half-deleted: delete it again (which restores it if it"
                            + " still holds databases), or use another group"
                    : "group " + db.group() + " is being deleted: use another group");
        }
        if (!db.isChild()) {
            return;
        }
        Map<String, AttributeValue> item = get(what, dbKey(org, db.parent()));
        if (item == null || CREATING.equals(status(item))) {
            throw MultidbException.notFound(
                    "parent database " + db.parent() + " not found: create the schema database first");
        }
        if (DELETING.equals(status(item))) {
            throw MultidbException.conflict(leaseUntil(item) < now
                    ? "parent database " + db.parent() + " was left half-deleted: delete it again (which restores it"
                            + " if it still has children)"
                    : "parent database " + db.parent() + " is being deleted");
        }
        Database parent = CatalogItems.toDatabase(item);
        if (!parent.isSchema()) {
            throw MultidbException.invalid("database " + parent.name()
                    + " is not a schema database: only a schema database can have children");
        }
        if (!parent.group().equals(db.group())) {
            throw MultidbException.invalid("child database " + db.name() + " must be in its parent's group "
                    + parent.group() + ", not " + db.group());
        }
        if (parent.migrationJob() != null) {
            throw locked(parent);
        }
    }

    @Override
    public Database finishCreate(String org, Database db) {
        Map<String, AttributeValue> item = updateIf("creating database " + db.name(), dbKey(org, db.name()),
                "SET #status = :ready REMOVE #claim, #lease",
                "#status = :creating AND #id = :id",
                Map.of(":ready", s(READY), ":creating", s(CREATING), ":id", s(db.id())));
        if (item == null) {
            throw MultidbException.conflict("the claim on database " + db.name()
                    + " was lost (it outlived its lease and was taken over or removed): create it again");
        }
        return CatalogItems.toDatabase(item);
    }

    @Override
    public void abortCreate(String org, Database db) {
        String what = "undoing the creation of database " + db.name();
        dropMemberships(what, org, db);
        deleteIf(what, dbKey(org, db.name()), "#status = :creating AND #id = :id",
                Map.of(":creating", s(CREATING), ":id", s(db.id())));
    }

    @Override
    public Optional<Database> getDatabase(String org, String name) {
        Map<String, AttributeValue> item = get("reading database " + name, dbKey(org, name));
        return item != null && READY.equals(status(item)) ? Optional.of(CatalogItems.toDatabase(item)) : Optional.empty();
    }

    @Override
    public List<Database> listDatabases(String org) {
        return query("listing databases", orgPk(org), DB_PREFIX).stream()
                .filter(item -> READY.equals(status(item)))
                .map(CatalogItems::toDatabase)
                .toList();
    }

    /** At most this many Query pages per list page, so that a filter matching little still answers promptly. */
    static final int PAGE_READS = 8;
    /** Items per Query page when filters skip items of the organization's partition. */
    static final int FILTERED_READ = 500;

    @Override
    public DatabasePage pageDatabases(String org, DatabaseQuery q) {
        String parent = q.filter().schema();
        String what = parent != null ? "listing the children of " + parent : "listing databases";
        String pk = parent != null ? familyPk(org, parent) : orgPk(org);
        String prefix = parent != null ? CHILD_PREFIX : DB_PREFIX;
        Map<String, AttributeValue> start = q.cursor() == null ? null : key(pk, prefix + q.cursor());
        // Filters the key cannot express (group, kind) skip items: read wider pages then, so that a list of a few
        // standalone databases among thousands of children still fills in a request or two.
        boolean skips = q.filter().group() != null || q.filter().schemaOnly() || q.kind() != null;
        List<Database> out = new ArrayList<>();
        for (int reads = 0; reads < PAGE_READS; reads++) {
            // One more than still wanted, so a full page knows whether another follows.
            int wanted = q.limit() - out.size() + 1;
            QueryRequest request = queryRequest(pk, prefix + q.search()).exclusiveStartKey(start)
                    .limit(skips && parent == null ? Math.max(wanted, FILTERED_READ) : wanted).build();
            QueryResponse response = call(what, () -> client.query(request));
            List<Map<String, AttributeValue>> items = response.items();
            List<Database> resolved = parent != null ? children(what, org, parent, items) : ready(items);
            for (int i = 0; i < items.size(); i++) {
                Database d = resolved.get(i);
                if (d != null && q.filter().matches(d) && (q.kind() == null || d.kind() == q.kind())) {
                    if (out.size() == q.limit()) {
                        return new DatabasePage(out, out.get(out.size() - 1).name());
                    }
                    out.add(d);
                }
            }
            if (!response.hasLastEvaluatedKey() || response.lastEvaluatedKey().isEmpty()) {
                return new DatabasePage(out, null);
            }
            start = response.lastEvaluatedKey();
        }
        // Read bound reached: resume after the last item examined (it may not have matched the filters).
        String examined = str(start, SK).substring(prefix.length());
        return new DatabasePage(out, examined);
    }

    /** The ready databases among org partition items, position for position (null where not ready). */
    private static List<Database> ready(List<Map<String, AttributeValue>> items) {
        List<Database> out = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            out.add(READY.equals(status(item)) ? CatalogItems.toDatabase(item) : null);
        }
        return out;
    }

    /** The ready children named by family membership items, position for position (null where not a child now). */
    private List<Database> children(String what, String org, String parent, List<Map<String, AttributeValue>> members) {
        Map<String, Map<String, AttributeValue>> items = batchGet(what, org, members.stream().map(m -> str(m, NAME)).toList());
        List<Database> out = new ArrayList<>(members.size());
        for (Map<String, AttributeValue> member : members) {
            Map<String, AttributeValue> item = items.get(str(member, NAME));
            Database child = item != null && READY.equals(status(item)) && str(member, DB_ID).equals(str(item, ID))
                    ? CatalogItems.toDatabase(item) : null;
            out.add(child != null && parent.equals(child.parent()) ? child : null);
        }
        return out;
    }

    @Override
    public List<Database> listChildren(String org, String parent) {
        return family(org, parent).ready();
    }

    /** One query of the family's memberships answers both: the ready children, and every member (claims too). */
    @Override
    public Family family(String org, String parent) {
        String what = "listing the children of " + parent;
        List<Map<String, AttributeValue>> members = query(what, familyPk(org, parent), CHILD_PREFIX);
        Map<String, Map<String, AttributeValue>> items =
                batchGet(what, org, members.stream().map(m -> str(m, NAME)).toList());
        List<Database> children = new ArrayList<>();
        for (Map<String, AttributeValue> member : members) {
            Map<String, AttributeValue> item = items.get(str(member, NAME));
            // Only the incarnation that wrote the membership, and only once it is ready.
            if (item != null && READY.equals(status(item)) && str(member, DB_ID).equals(str(item, ID))) {
                Database child = CatalogItems.toDatabase(item);
                if (parent.equals(child.parent())) {
                    children.add(child);
                }
            }
        }
        return new Family(children, members.size());
    }

    @Override
    public int countChildren(String org, String parent) {
        return count("counting the children of " + parent, familyPk(org, parent), CHILD_PREFIX);
    }

    @Override
    public Database beginDelete(String org, String name) {
        String what = "deleting database " + name;
        String token = newToken();
        long now = clock.millis();
        // A ready database not locked by a migration, or an expired delete (a repeated delete finishes it).
        Map<String, AttributeValue> marked = updateIf(what, dbKey(org, name),
                "SET #status = :deleting, #claim = :claim, #lease = :lease",
                "attribute_exists(#pk) AND attribute_not_exists(#job)"
                        + " AND (#status = :ready OR (#status = :deleting AND #lease < :now))",
                Map.of(":deleting", s(DELETING), ":claim", s(token), ":lease", n(now + leaseMillis),
                        ":ready", s(READY), ":now", n(now)));
        if (marked == null) {
            Map<String, AttributeValue> current = get(what, dbKey(org, name));
            if (current == null || CREATING.equals(status(current))) {
                throw MultidbException.notFound("database " + name + " not found");
            }
            Database db = CatalogItems.toDatabase(current);
            if (db.migrationJob() != null) {
                throw locked(db);
            }
            if (DELETING.equals(status(current))) {
                throw MultidbException.conflict("database " + name + " is already being deleted; try again shortly");
            }
            throw MultidbException.conflict("database " + name + " changed concurrently; try again");
        }
        Database db = CatalogItems.toDatabase(marked);
        String restore = "SET #status = :ready REMOVE #claim, #lease";
        MultidbException refusal = null;
        try {
            if (db.isChild()) {
                // Our mark is written; now the family root's lock (a migration lists the family after locking).
                Map<String, AttributeValue> parent = get(what, dbKey(org, db.parent()));
                if (parent != null && CatalogItems.optStr(parent, MIGRATION_JOB) != null) {
                    refusal = MultidbException.conflict("schema database " + db.parent() + " is locked by migration job "
                            + CatalogItems.optStr(parent, MIGRATION_JOB) + ": wait for it to finish, then delete " + name);
                }
            } else if (db.isSchema()) {
                int children = liveMembers(what, org, familyPk(org, name), CHILD_PREFIX);
                if (children > 0) {
                    refusal = MultidbException.conflict("schema database " + name + " still has "
                            + plural(children, "child", "children") + ": delete them first");
                }
            }
        } catch (RuntimeException e) {
            revert(what, dbKey(org, name), restore, token, e);
            throw e;
        }
        if (refusal != null) {
            revert(what, dbKey(org, name), restore, token, refusal);
            throw refusal;
        }
        return db;
    }

    @Override
    public void finishDelete(String org, Database db) {
        String what = "deleting database " + db.name();
        dropMemberships(what, org, db);
        deleteIf(what, dbKey(org, db.name()), "#status = :deleting AND #id = :id",
                Map.of(":deleting", s(DELETING), ":id", s(db.id())));
    }

    // ------------------------------------------------------------------------------------------- internals

    private static MultidbException locked(Database schema) {
        return MultidbException.conflict("schema database " + schema.name() + " is locked by migration job "
                + schema.migrationJob() + ": wait for it to finish, then try again");
    }

    /** Removes the memberships written by this incarnation (by id), leaving any newer one's alone. */
    private void dropMemberships(String what, String org, Database db) {
        Map<String, AttributeValue> id = Map.of(":id", s(db.id()));
        deleteIf(what, groupMemberKey(org, db.group(), db.name()), "#dbid = :id", id);
        if (db.isChild()) {
            deleteIf(what, familyMemberKey(org, db.parent(), db.name()), "#dbid = :id", id);
        }
    }

    /** Undoes a deleting mark if it is still ours; a failure is attached to {@code cause}, which the caller throws. */
    private void revert(String what, Map<String, AttributeValue> key, String update, String token, Throwable cause) {
        try {
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":claim", s(token)));
            if (update.contains(":ready")) {
                values.put(":ready", s(READY));
            }
            if (update.contains(":active")) {
                values.put(":active", s(ACTIVE));
            }
            updateIf(what, key, update, "#claim = :claim", values);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * The members of a container partition that are alive. Called while the container is marked deleting, so no
     * new member can succeed meanwhile. A small partition is checked member by member: a membership whose
     * database incarnation is gone, and an expired "creating" claim (its owner died), are removed and not
     * counted. A large one is reported by its count alone (it is plainly not empty).
     */
    private int liveMembers(String what, String org, String memberPk, String memberPrefix) {
        int counted = count(what, memberPk, memberPrefix);
        if (counted == 0 || counted > SWEEP_LIMIT) {
            return counted;
        }
        List<Map<String, AttributeValue>> members = query(what, memberPk, memberPrefix);
        Map<String, Map<String, AttributeValue>> items =
                batchGet(what, org, members.stream().map(m -> str(m, NAME)).toList());
        long now = clock.millis();
        int live = 0;
        for (Map<String, AttributeValue> member : members) {
            String dbId = str(member, DB_ID);
            Map<String, AttributeValue> item = items.get(str(member, NAME));
            boolean swept = false;
            if (item == null || !dbId.equals(str(item, ID))) {
                swept = deleteIf(what, key(str(member, PK), str(member, SK)), "#dbid = :id", Map.of(":id", s(dbId)));
            } else if (CREATING.equals(status(item)) && leaseUntil(item) < now) {
                swept = deleteIf(what, key(str(item, PK), str(item, SK)),
                        "#claim = :claim AND #status = :creating AND #lease < :now",
                        Map.of(":claim", item.get(CLAIM), ":creating", s(CREATING), ":now", n(now)));
                if (swept) {
                    dropMemberships(what, org, CatalogItems.toDatabase(item));
                }
            }
            if (!swept) {
                live++;
            }
        }
        return live;
    }

    private static String plural(int count, String one) {
        return plural(count, one, one + "s");
    }

    private static String plural(int count, String one, String many) {
        return count + " " + (count == 1 ? one : many);
    }

    private static String newToken() {
        return UUID.randomUUID().toString();
    }

    // Single SDK calls, each mapped to MultidbException. A failed condition is a return value, never an exception.

    private Map<String, AttributeValue> get(String what, Map<String, AttributeValue> key) {
        return call(what, () -> {
            var response = client.getItem(b -> b.tableName(table).key(key).consistentRead(true));
            return response.hasItem() && !response.item().isEmpty() ? response.item() : null;
        });
    }

    private void put(String what, Map<String, AttributeValue> item) {
        call(what, () -> client.putItem(b -> b.tableName(table).item(item)));
    }

    /** The replaced item (empty if there was none), or null if the condition failed. */
    private Map<String, AttributeValue> putIf(String what, Map<String, AttributeValue> item, String condition,
                                              Map<String, AttributeValue> values) {
        PutItemRequest.Builder request = PutItemRequest.builder().tableName(table).item(item)
                .conditionExpression(condition)
                .expressionAttributeNames(names(condition))
                .returnValues(ReturnValue.ALL_OLD);
        if (!values.isEmpty()) {
            request.expressionAttributeValues(values);
        }
        return call(what, () -> {
            try {
                PutItemResponse response = client.putItem(request.build());
                return response.hasAttributes() ? response.attributes() : Map.of();
            } catch (ConditionalCheckFailedException e) {
                return null;
            }
        });
    }

    /** The item after the update, or null if the condition failed. */
    private Map<String, AttributeValue> updateIf(String what, Map<String, AttributeValue> key, String update,
                                                 String condition, Map<String, AttributeValue> values) {
        UpdateItemRequest request = UpdateItemRequest.builder().tableName(table).key(key)
                .updateExpression(update)
                .conditionExpression(condition)
                .expressionAttributeNames(names(update, condition))
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW)
                .build();
        return call(what, () -> {
            try {
                return client.updateItem(request).attributes();
            } catch (ConditionalCheckFailedException e) {
                return null;
            }
        });
    }

    /** True if the item was deleted (or was absent and the condition allowed that), false if the condition failed. */
    private boolean deleteIf(String what, Map<String, AttributeValue> key, String condition,
                             Map<String, AttributeValue> values) {
        DeleteItemRequest request = DeleteItemRequest.builder().tableName(table).key(key)
                .conditionExpression(condition)
                .expressionAttributeNames(names(condition))
                .expressionAttributeValues(values)
                .build();
        return call(what, () -> {
            try {
                client.deleteItem(request);
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    /** Every item of a partition (optionally with a sort key prefix), in sort key order, read consistently. */
    private List<Map<String, AttributeValue>> query(String what, String pk, String skPrefix) {
        QueryRequest request = queryRequest(pk, skPrefix).build();
        return call(what, () -> {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            for (QueryResponse page : client.queryPaginator(request)) {
                items.addAll(page.items());
            }
            return items;
        });
    }

    /**
     * How many items of a partition have the sort key prefix, counted consistently over every page. The prefix
     * leaves room for other item types in a member partition later (they would not be counted as members).
     */
    private int count(String what, String pk, String skPrefix) {
        QueryRequest request = queryRequest(pk, skPrefix).select(Select.COUNT).build();
        return call(what, () -> {
            int total = 0;
            for (QueryResponse page : client.queryPaginator(request)) {
                total += page.count();
            }
            return total;
        });
    }

    private QueryRequest.Builder queryRequest(String pk, String skPrefix) {
        String condition = skPrefix == null ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)";
        Map<String, AttributeValue> values = skPrefix == null
                ? Map.of(":pk", s(pk))
                : Map.of(":pk", s(pk), ":prefix", s(skPrefix));
        return QueryRequest.builder().tableName(table).consistentRead(true)
                .keyConditionExpression(condition)
                .expressionAttributeNames(names(condition))
                .expressionAttributeValues(values);
    }

    /** Database items by name, read consistently; absent names are missing from the map. */
    private Map<String, Map<String, AttributeValue>> batchGet(String what, String org, List<String> names) {
        Map<String, Map<String, AttributeValue>> found = new LinkedHashMap<>();
        for (Map<String, AttributeValue> item : DynamoTable.batchGet(client, table, what,
                names.stream().map(name -> dbKey(org, name)).toList())) {
            found.put(str(item, NAME), item);
        }
        return found;
    }

    /** The expression attribute names an expression uses (DynamoDB rejects unused ones). */
    private static Map<String, String> names(String... expressions) {
        Map<String, String> names = new HashMap<>();
        for (String expression : expressions) {
            Matcher m = PLACEHOLDER.matcher(expression);
            while (m.find()) {
                String attribute = ATTRIBUTES.get(m.group());
                if (attribute == null) {
                    throw new IllegalArgumentException("unknown placeholder " + m.group());
                }
                names.put(m.group(), attribute);
            }
        }
        return names;
    }

    private <T> T call(String what, Supplier<T> op) {
        return call(table, what, op);
    }

    private static <T> T call(String table, String what, Supplier<T> op) {
        return DynamoTable.call(table, what, op);
    }
}
