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
 */
public final class SqlService {
    private final Catalog catalog;
    private final SqliteStore store;
    private final PipelineExecutor executor;
    private final SqlLimits limits;

    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits) {
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.limits = Objects.requireNonNull(limits);
        this.executor = new PipelineExecutor(limits);
    }

    public PipelineResult execute(String org, String name, JsonNode request) {
        Names.database(name);
        Database db = catalog.getDatabase(org, name)
                .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
        if (!db.isSchema()) {
            return run(db, policyFor(org, db, 0), request);
        }
        try {
            return store.withFamilyLock(db.name(), () -> {
                Database current = catalog.getDatabase(org, name)
                        .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
                int children = catalog.countChildren(org, name);
                return run(current, policyFor(org, current, children), request);
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private PipelineResult run(Database db, ExecutionPolicy policy, JsonNode request) {
        try (SqliteStore.Lease lease = store.open(db.name()).orElseThrow(() -> MultidbException.notFound(
                "database '" + db.name() + "' does not exist"))) {
            try {
                return executor.execute(lease.connection(), request, policy);
            } catch (RuntimeException e) {
                lease.discard();
                throw e;
            }
        }
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
