package io.multidb.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import io.multidb.emulators.Dynalite;
import io.multidb.migrations.JobStatus;
import io.multidb.migrations.MigrationJob;
import io.multidb.migrations.MigrationService;
import io.multidb.migrations.WorkflowStarter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The task function's wiring from the environment variables the API function's wiring uses too. */
class TaskWiringTest {
    @TempDir
    Path root;

    @Test
    void theEnvironmentNamesTheTableTheEndpointAndTheDataRoot() {
        try (Dynalite dynalite = Dynalite.start(null, 0);
                DynamoDbClient client = DynamoClients.create(dynalite.endpoint(), Region.EU_WEST_1)) {
            DynamoCatalog.createTable(client, "wired");
            MigrationService service = TaskWiring.fromEnvironment(Map.of(
                    "MULTIDB_DATA_ROOT", root.toString(),
                    "MULTIDB_TABLE", "wired",
                    "MULTIDB_DYNAMODB_ENDPOINT", dynalite.endpoint().toString(),
                    "AWS_REGION", "eu-west-1"));

            // Reads go to that table on that endpoint (another table would be UNAVAILABLE), files under that root.
            assertThat(service.listJobs("acme", "app")).isEmpty();
            assertThatThrownBy(() -> service.start("acme", "app", "SELECT 1", null))
                    .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
            assertThat(root.resolve("databases")).isDirectory();
        }
    }

    @Test
    void withoutAStateMachineTheStarterRefusesAndWithOneItIsStepFunctions() {
        WorkflowStarter none = TaskWiring.workflowStarter(Map.of());
        MigrationJob job = new MigrationJob("j1", "acme", "app", "SELECT 1", io.multidb.migrations.MigrationSql.parse("SELECT 1"), JobStatus.PENDING, 0, 1, null,
                Instant.now(), null, 1, 0, List.of(), false);
        assertThatThrownBy(() -> none.start(job)).hasMessageContaining("MULTIDB_STATE_MACHINE_ARN");
        assertThatThrownBy(() -> none.describe("j1")).hasMessageContaining("MULTIDB_STATE_MACHINE_ARN");

        String arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:schema-migration";
        WorkflowStarter sfn = TaskWiring.workflowStarter(Map.of("MULTIDB_STATE_MACHINE_ARN", arn,
                "MULTIDB_SFN_ENDPOINT", "http://127.0.0.1:1", "AWS_REGION", "eu-west-1"));
        assertThat(sfn).isInstanceOfSatisfying(SfnWorkflowStarter.class, s -> {
            assertThat(s.stateMachineArn()).isEqualTo(arn);
            assertThat(s.executionArn("j1")).isEqualTo("arn:aws:states:eu-west-1:123456789012:execution:schema-migration:j1");
            s.close();
        });
    }
}
