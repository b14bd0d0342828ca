package io.multidb.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The domain stays free of AWS SDK and Lambda types; only adapters (aws, api, tasks) and local/ touch them. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.multidb");

    @Test
    void domainPackagesDoNotDependOnAwsOrLambda() {
        noClasses().that().resideInAnyPackage("io.multidb.databases..", "io.multidb.sql..", "io.multidb.storage..",
                        "io.multidb.migrations..", "io.multidb.common..", "io.multidb.auth..", "io.multidb.drift..",
                        "io.multidb.schema..")
                .should().dependOnClassesThat().resideInAnyPackage("software.amazon..", "com.amazonaws..")
                .check(CLASSES);
    }

    @Test
    void domainDoesNotDependOnAdapters() {
        noClasses().that().resideInAnyPackage("io.multidb.databases..", "io.multidb.sql..", "io.multidb.storage..",
                        "io.multidb.migrations..", "io.multidb.common..", "io.multidb.drift..", "io.multidb.schema..")
                .should().dependOnClassesThat().resideInAnyPackage("io.multidb.api..", "io.multidb.aws..",
                        "io.multidb.tasks..")
                .check(CLASSES);
    }

    @Test
    void schemaShapesArePureJdbc() {
        noClasses().that().resideInAPackage("io.multidb.schema..").should().dependOnClassesThat()
                .resideInAnyPackage("io.multidb.databases..", "io.multidb.migrations..", "io.multidb.drift..",
                        "io.multidb.sql..", "io.multidb.auth..")
                .check(CLASSES);
    }

    /**
     * No two packages depend on each other, directly or around a loop. One seam is named and left: the migrations
     * split their SQL with the data plane's own splitter (SqlScript, so that a statement is cut the same way on both
     * planes), while the data plane starts migrations.
     */
    @Test
    void packagesAreFreeOfCycles() {
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices().matching("io.multidb.(*)..")
                .should().beFreeOfCycles()
                .ignoreDependency(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("io.multidb.migrations.."),
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(io.multidb.sql.SqlScript.class))
                .check(CLASSES);
    }

    @Test
    void theMigrationEngineHasNoTestHooks() {
        // Failures are injected by decorating DatabaseMigrator in tests; nothing in production reads a fault setting.
        noClasses().that().resideInAPackage("io.multidb..").should().dependOnClassesThat()
                .haveSimpleNameContaining("Fault").check(CLASSES);
    }
}
