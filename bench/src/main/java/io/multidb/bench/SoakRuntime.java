package io.multidb.bench;

import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.MigrationJob;

/**
 * The local runtime as the soak starts it (bench/soak/runtime.mjs): exactly {@code bin/multidb-local}'s, except
 * that the apply of a migration on one named database fails, as a SQL error after a passed dry-run would. That is
 * the soak's "failure after the dry-run"; the production launcher has no such hook.
 *
 * <pre>java -cp ... io.multidb.bench.SoakRuntime --port N --data-dir DIR --fail-apply-on DATABASE</pre>
 */
public final class SoakRuntime {
    private SoakRuntime() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6 || !args[0].equals("--port") || !args[2].equals("--data-dir")
                || !args[4].equals("--fail-apply-on")) {
            System.err.println("usage: SoakRuntime --port N --data-dir DIR --fail-apply-on DATABASE");
            System.exit(2);
        }
        String failOn = args[5];
        LocalConfig config = LocalConfig.load(LocalConfig.parseFlags(args[0], args[1], args[2], args[3]), System.getenv());
        LocalRuntime runtime = LocalRuntime.start(config, real -> new FailingApply(real, failOn));
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "soak-runtime-shutdown"));
        System.out.println("soak runtime on " + runtime.baseUri() + " (applies on " + failOn + " fail)");
        System.out.flush();
        runtime.awaitClose();
    }

    /** Delegates everything; the apply on one database fails before it changes anything. */
    record FailingApply(DatabaseMigrator real, String failOn) implements DatabaseMigrator {
        @Override
        public String dryRun(String database, MigrationJob job) {
            return real.dryRun(database, job);
        }

        @Override
        public Applied apply(String database, String family, MigrationJob job, boolean keepUndo) {
            if (database.equals(failOn)) {
                throw new MigrationFailed("injected failure (soak: every apply on " + failOn + " fails)");
            }
            return real.apply(database, family, job, keepUndo);
        }

        @Override
        public Undone undo(String database, MigrationJob job) {
            return real.undo(database, job);
        }

        @Override
        public boolean hasApplied(String database, String jobId, boolean waitForWriter) {
            return real.hasApplied(database, jobId, waitForWriter);
        }

        @Override
        public long version(String database) {
            return real.version(database);
        }

        @Override
        public void forget(String jobId, String database) {
            real.forget(jobId, database);
        }
    }
}
