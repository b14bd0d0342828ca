package io.multidb.local;

import io.multidb.migrations.DatabaseMigrator;
import io.multidb.migrations.FaultyMigrator;
import java.util.function.UnaryOperator;

/**
 * The local runtime's main with injected migration failures, for suites that run the runtime as its own process
 * (the crash-injection suite): {@code MULTIDB_FAULT_APPLY_FAIL=<child>} makes that child's apply fail after its
 * dry-run passed. Test code only: the production main has no fault hooks.
 */
public final class FaultyLocalRuntime {
    private FaultyLocalRuntime() {
    }

    public static void main(String[] args) throws Exception {
        String child = System.getenv("MULTIDB_FAULT_APPLY_FAIL");
        UnaryOperator<DatabaseMigrator> migrators = child == null || child.isBlank()
                ? UnaryOperator.identity() : FaultyMigrator.failApplyOf(child.strip());
        LocalRuntime.run(args, migrators);
    }
}
