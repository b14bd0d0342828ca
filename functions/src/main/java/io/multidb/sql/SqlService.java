package io.multidb.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.multidb.common.MultidbException;
import io.multidb.databases.Catalog;
import io.multidb.databases.Database;
import io.multidb.common.Names;
import io.multidb.migrations.ChildFailure;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationService;
import io.multidb.storage.SqliteStore;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The data plane's use case: run one pipeline on one database under the rules of its kind.
 * <ul>
 *   <li>standard: as sent;</li>
 *   <li>child: schema changes are refused (they go through the schema database); while its family is being
 *       migrated, writes are refused with BLOCKED naming the job, reads go on. The request holds its family's
 *       lock file shared, and a migration fences the family exclusively, so no write let through before the fence
 *       can land after it (and be lost by a rollback);</li>
 *   <li>schema database without children: as sent (setting up the schema and seed rows), under the family's
 *       write lock, which child creation also takes to copy the parent, so a new child never misses a change;</li>
 *   <li>schema database with children: the pipeline runs with writes refused; if it wanted to write, its statements
 *       become one migration job carried to every child, and the request waits for the job (bounded): success →
 *       the normal results; failure → {@code SCHEMA_MIGRATION_FAILED} naming the failing children; still running →
 *       {@code SCHEMA_MIGRATION_RUNNING} with the job id to poll;</li>
 *   <li>block_writes, or a read-only token: writes refused.</li>
 * </ul>
 * Interactive transactions (streams kept open across requests, see the package documentation) are served when
 * the service has {@link Streams}. On a schema database with children they may read but not write (a change
 * there must be one request to become a migration), and a stream's pipeline never becomes a migration job.
 */
public final class SqlService {
    private final Catalog catalog;
    private final SqliteStore store;
    private final PipelineExecutor executor;
    private final SqlLimits limits;
    private final MigrationService migrations;
    private final Duration migrationWait;
    /** null: interactive transactions are refused with STREAM_NOT_SUPPORTED. */
    private final Streams streams;
    private final LongSupplier ticker;
    /** Catalog entries read recently, by org and name (see {@link #lookup}). */
    private final Map<String, Recent> recent = new ConcurrentHashMap<>();
    /** Catalog reads in flight, by org and name. */
    private final Map<String, java.util.concurrent.CompletableFuture<Database>> reading = new ConcurrentHashMap<>();

    /** How long a catalog entry read for a request serves later requests to the same database file. */
    public static final Duration RECENT_TTL = Duration.ofSeconds(1);
    /** Past this many databases the remembered entries are dropped: bounded memory whatever names requests carry. */
    static final int MAX_RECENT = 10_000;

    private record Recent(Database db, SqliteStore.FileIdentity file, long readAtNanos) {
    }

    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits, MigrationService migrations,
                      Duration migrationWait) {
        this(catalog, store, limits, migrations, migrationWait, null);
    }

    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits, MigrationService migrations,
                      Duration migrationWait, Streams streams) {
        this(catalog, store, limits, migrations, migrationWait, streams, System::nanoTime);
    }

    /** @param ticker nanoseconds, for the age of remembered catalog entries (tests pass their own) */
    public SqlService(Catalog catalog, SqliteStore store, SqlLimits limits, MigrationService migrations,
                      Duration migrationWait, Streams streams, LongSupplier ticker) {
        this.ticker = Objects.requireNonNull(ticker);
        this.catalog = Objects.requireNonNull(catalog);
        this.store = Objects.requireNonNull(store);
        this.limits = Objects.requireNonNull(limits);
        this.executor = new PipelineExecutor(limits);
        this.migrations = Objects.requireNonNull(migrations);
        this.migrationWait = Objects.requireNonNull(migrationWait);
        this.streams = streams;
    }

    /** Who is asking: read-only access has writes refused with {@code code} and {@code message}. */
    public record Caller(String readOnlyCode, String readOnlyMessage) {
        public static final Caller FULL_ACCESS = new Caller(null, null);
    }

    private record Outcome(PipelineResult result, boolean migrate) {
    }

    public PipelineResult execute(String org, String name, JsonNode request, Caller caller) {
        Names.database(name);
        Database db = lookup(org, name);
        try {
            return switch (db.kind()) {
                case STANDARD -> run(db, policy(db, null, 0, caller), request, streamScope(org, db, 0));
                case CHILD -> store.families().shared(db.parent(),
                        job -> run(db, policy(db, job, 0, caller), request, streamScope(org, db, 0)));
                case SCHEMA -> {
                    boolean continued = continuesStream(request);
                    Outcome o = store.families().write(db.name(), job -> {
                        Database current = database(org, name);
                        int children = catalog.countChildren(org, name);
                        // A continued stream gets the stream rule (and its message) for the children instead.
                        PipelineResult r = run(current, policy(current, job, continued ? 0 : children, caller),
                                request, streamScope(org, current, children));
                        return new Outcome(r, job == null && children > 0 && caller.readOnlyCode() == null
                                && !current.blockWrites() && r.writeRefused() && !continued && !r.streamOpen());
                    });
                    yield o.migrate() ? migrate(org, name, request) : o.result();
                }
            };
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The database's catalog entry, read from the catalog at most every {@link #RECENT_TTL} per database file: a
     * metadata read per request cost more than the SQL (docs/benchmarks.md). What a request takes from the entry is
     * its kind and parent, which never change while the file exists (a database deleted and created again has a new
     * file, whose identity is checked at every use, and a schema database's request reads the entry again under its
     * lock), and block_writes, which another container may thus see up to RECENT_TTL late (token rotation: 5 s).
     * The time to live is short because the file's identity is only as good as the file system's: one that handed
     * a new file the id of a file another container deleted a moment before would leave the old entry in use here
     * until it expires.
     */
    /**
     * The group of a database, from the same remembered catalog entries the requests use (the authorizer needs it
     * for group tokens); null if there is no such database.
     */
    public String groupOf(String org, String name) {
        try {
            return lookup(org, Names.database(name)).group();
        } catch (MultidbException e) {
            if (e.kind() == io.multidb.common.ErrorKind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private Database lookup(String org, String name) {
        String key = org + "/" + name;
        // The file's identity first: were the database replaced between the two reads, the entry would carry the
        // old file's identity and be read again next time, never the other way round.
        SqliteStore.FileIdentity file = store.fileIdentity(name);
        Recent r = recent.get(key);
        long now = ticker.getAsLong();
        if (r != null && file != null && file.equals(r.file()) && now - r.readAtNanos() < RECENT_TTL.toNanos()) {
            return r.db();
        }
        // One catalog read per database at a time: the requests that find the entry expired together wait for it
        // (they would all have read the same item), instead of each sending its own read.
        java.util.concurrent.CompletableFuture<Database> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Database> running = reading.putIfAbsent(key, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        try {
            Database db = database(org, name);
            if (file == null) {
                recent.remove(key);
            } else {
                if (recent.size() >= MAX_RECENT) {
                    recent.clear();
                }
                recent.put(key, new Recent(db, file, now));
            }
            mine.complete(db);
            return db;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            reading.remove(key, mine);
        }
    }

    private Database database(String org, String name) {
        return catalog.getDatabase(org, name)
                .orElseThrow(() -> MultidbException.notFound("database '" + name + "' does not exist"));
    }

    /** Outside the family lock: the workflow's steps take it themselves. */
    private PipelineResult migrate(String org, String parent, JsonNode request) {
        String sql = PipelineMigration.sql(request, limits);
        MigrationJob job;
        try {
            job = migrations.start(org, parent, sql, null);
        } catch (MultidbException e) {
            String code = e.kind() == io.multidb.common.ErrorKind.CONFLICT ? SqlErrorCodes.BLOCKED : SqlErrorCodes.SCHEMA_MIGRATION_FAILED;
            return new PipelineResult(PipelineMigration.failed(request, limits, code, e.getMessage()), true);
        }
        job = migrations.await(org, parent, job.id(), migrationWait, Duration.ofMillis(50));
        return switch (job.status()) {
            case SUCCEEDED -> new PipelineResult(PipelineMigration.succeeded(request, limits), false);
            case PENDING, DRY_RUNNING, APPLYING, PAUSED, ROLLING_BACK -> new PipelineResult(PipelineMigration.failed(request, limits,
                    SqlErrorCodes.SCHEMA_MIGRATION_RUNNING, "the change became migration job " + job.id()
                            + ", which is still " + job.status().wire() + ": poll GET /db/" + parent + "/v1/jobs/" + job.id()), true);
            default -> new PipelineResult(PipelineMigration.failed(request, limits, SqlErrorCodes.SCHEMA_MIGRATION_FAILED,
                    "migration job " + job.id() + " " + job.status().wire() + ": " + describe(job)), true);
        };
    }

    private static String describe(MigrationJob job) {
        if (job.failedChildren().isEmpty()) {
            return job.error() == null ? "no database was changed" : job.error();
        }
        return job.failedChildren().stream().map(ChildFailure::toString).collect(Collectors.joining("; "))
                + "; no database was changed";
    }

    private PipelineResult run(Database db, ExecutionPolicy policy, JsonNode request, StreamScope scope) {
        try (SqliteStore.Lease lease = store.open(db.name()).orElseThrow(() -> MultidbException.notFound(
                "database '" + db.name() + "' does not exist"))) {
            try {
                ConnectionCache cache = (ConnectionCache) lease.attachment();
                if (cache == null) {
                    cache = new ConnectionCache(lease.connection());
                    lease.attach(cache);
                }
                return executor.execute(cache, request, policy, scope);
            } catch (RuntimeException e) {
                lease.discard();
                throw e;
            }
        }
    }

    // ---- interactive transactions (streams) ----

    private static boolean continuesStream(JsonNode request) {
        return request != null && request.path("baton").isTextual();
    }

    /**
     * Streams are bound to the organization and the database incarnation. On a schema database with children a
     * stream may not write: a change there reaches the children only as a migration, which runs as one request
     * and cannot wait for a transaction spread over several.
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

    private ExecutionPolicy policy(Database db, String migratingJob, int children, Caller caller) {
        String code = SqlErrorCodes.BLOCKED;
        String blocked = null;
        if (caller.readOnlyCode() != null) {
            code = caller.readOnlyCode();
            blocked = caller.readOnlyMessage();
        } else if (db.blockWrites()) {
            blocked = "writes to database '" + db.name() + "' are blocked by an operator";
        } else if (migratingJob != null) {
            blocked = "the family of '" + (db.isChild() ? db.parent() : db.name()) + "' is being migrated by job "
                    + migratingJob + ": writes are refused until it ends (reads go on); retry then";
        } else if (db.isSchema() && children > 0) {
            // Refused here, then turned into a migration by execute().
            blocked = "'" + db.name() + "' is a schema database with " + children + " children: its changes reach them by migration";
        }
        String ddl = db.isChild()
                ? "'" + db.name() + "' is a child of schema database '" + db.parent() + "': schema changes go through '"
                        + db.parent() + "' and reach every child by migration"
                : null;
        return new ExecutionPolicy(blocked == null ? null : code, blocked, ddl, limits);
    }
}
