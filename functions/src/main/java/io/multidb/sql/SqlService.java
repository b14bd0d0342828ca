package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.databases.Names;
import io.multidb.storage.SqliteStore;
import java.util.Objects;

/**
 * The data plane's use case: run one pipeline on one database under the rules of its kind.
 * <ul>
 *   <li>child: schema changes are refused (they go through the schema database);</li>
 *   <li>schema database with children: writes and schema changes are refused until migrations run them;
 *       without children they apply directly (initial schema setup). The check and the write happen under the
 *       family's lock, which child creation also takes to copy the parent, so a new child never misses a
 *       change;</li>
 *   <li>a database with block_writes, or a family under migration: writes refused with BLOCKED.</li>
 * </ul>
 * Interactive transactions (streams kept open across requests, see the package documentation) are served when
 * the service has {@link Streams}; on a schema database with children they may read but not write.
 */
public final class SqlService {
    private final Catalog catalog;
    private final SqliteStore store;
    private final PipelineExecutor executor;
    private final SqlLimits limits;
    /** null: interactive transactions are refused with STREAM_NOT_SUPPORTED. */
    private final Streams streams;

    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits) {
        this(catalog, store, limits, null);
    }

    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits, Streams streams) {
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.limits = Objects.requireNonNull(limits);
        this.executor = new PipelineExecutor(limits);
        this.streams = streams;
    }

    public PipelineResult execute(String org, String name, JsonNode request) {
        Names.database(name);
        Database db = catalog.getDatabase(org, name)
                .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
        if (!db.isSchema()) {
            return run(db, policyFor(org, db, 0), request, streamScope(org, db, 0));
        }
        try {
            return store.withFamilyLock(db.name(), () -> {
                Database current = catalog.getDatabase(org, name)
                        .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
                int children = catalog.countChildren(org, name);
                return run(current, policyFor(org, current, children), request,
                        streamScope(org, current, children));
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private PipelineResult run(Database db, ExecutionPolicy policy, JsonNode request, StreamScope scope) {
        try (SqliteStore.Lease lease = store.open(db.name()).orElseThrow(() -> MultidbException.notFound(
                "database '" + db.name() + "' does not exist"))) {
            try {
                return executor.execute(lease.connection(), request, policy, scope);
            } catch (RuntimeException e) {
                lease.discard();
                throw e;
            }
        }
    }

    // ---- interactive transactions (streams) ----

    /**
     * Streams are bound to the organization and the database incarnation. On a schema database with children a
     * stream may not write: a change there reaches the children only as a migration, which runs as one request
     * and cannot wait for a transaction that spans several; non-stream requests take the migration path.
     */
    private StreamScope streamScope(String org, Database db, int children) {
        if (streams == null) {
            return null;
        }
        String refusal = db.isSchema() && children > 0
                ? "'" + db.name() + "' is a schema database with " + children + " child" + (children == 1 ? "" : "ren")
                        + ": an interactive transaction (client.transaction(), db.transaction()) may read it but "
                        + "not write it, because a change to a schema database reaches its children only as a "
                        + "migration. Send the change as one request (execute, batch or executeMultiple) instead."
                : null;
        return new StreamScope(streams, org, db.name(), db.id(), refusal);
    }

    private ExecutionPolicy policyFor(String org, Database db, int children) {
        String blocked = null;
        if (db.blockWrites()) {
            blocked = "writes to database '" + db.name() + "' are blocked by an operator";
        } else if (db.isSchema() && children > 0) {
            blocked = "'" + db.name() + "' is a schema database with " + children + " child"
                    + (children == 1 ? "" : "ren") + ": its schema and rows reach the children only through a "
                    + "migration, which this version does not run yet; change it before creating children";
        } else if (db.isSchema() && db.migrationJob() != null) {
            blocked = "family of '" + db.name() + "' is being migrated (job " + db.migrationJob() + "): retry the write when it ends";
        }
        String ddl = db.isChild()
                ? "'" + db.name() + "' is a child of schema database '" + db.parent() + "': schema changes go through '"
                        + db.parent() + "' and reach every child by migration"
                : null;
        return new ExecutionPolicy(blocked == null ? null : SqlErrorCodes.BLOCKED, blocked, ddl, limits);
    }
}
