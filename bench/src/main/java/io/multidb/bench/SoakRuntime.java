package io.multidb.bench;

import io.multidb.local.LocalConfig;
import io.multidb.local.LocalRuntime;
import io.multidb.migrations.FaultyMigrator;

/**
 * The local runtime as the soak starts it (bench/soak/runtime.mjs): exactly {@code bin/multidb-local}'s, except
 * that the apply of a migration on one named database fails, as a SQL error after a passed dry-run would (the tests'
 * {@link FaultyMigrator}, from the functions test-jar). That is the soak's "failure after the dry-run"; the
 * production launcher has no such hook.
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
        LocalRuntime runtime = LocalRuntime.start(config, FaultyMigrator.failApplyOf(failOn));
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "soak-runtime-shutdown"));
        System.out.println("soak runtime on " + runtime.baseUri() + " (applies on " + failOn + " fail)");
        System.out.flush();
        runtime.awaitClose();
    }
}
