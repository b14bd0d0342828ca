package io.multidb.local;

import io.multidb.aws.DynamoCatalog;
import io.multidb.aws.DynamoClients;
import io.multidb.aws.SfnWorkflowStarter;
import io.multidb.emulators.Dynalite;
import io.multidb.emulators.StepFunctionsLocal;
import io.multidb.local.lambda.LambdaInvokeFront;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * The local runtime's pieces a workflow test drives without the runtime itself: dynalite with the metadata table,
 * the Lambda Invoke front (tests register the task function on it), and the local Step Functions service running the
 * REAL statemachines/schema-migration.asl.json, reached through the AWS SDK's SfnClient. One per test class.
 */
public record WorkflowEmulators(Dynalite dynalite, DynamoDbClient dynamo, LambdaInvokeFront lambda,
                                StepFunctionsLocal sfnLocal, SfnClient sfn, SfnWorkflowStarter starter)
        implements AutoCloseable {
    public static final String FUNCTION = "MigrationTaskFunction";
    public static final String MACHINE = "schema-migration";

    public static WorkflowEmulators start(String table) throws Exception {
        Dynalite dynalite = Dynalite.start(null, 0);
        DynamoDbClient dynamo = DynamoClients.create(dynalite.endpoint(), Region.US_EAST_1);
        DynamoCatalog.createTable(dynamo, table);
        LambdaInvokeFront lambda = LambdaInvokeFront.builder().start();
        StepFunctionsLocal sfnLocal = StepFunctionsLocal.builder()
                .stateMachine(MACHINE, StepFunctionsLocal.repositoryRoot().resolve("statemachines/schema-migration.asl.json"))
                .substitution(StepFunctionsLocal.MIGRATION_TASK_FUNCTION_ARN, lambda.functionArn(FUNCTION))
                .lambdaEndpoint(lambda.endpoint())
                .retryIntervalMillis(10) // the ASL's IntervalSeconds stay for AWS; a test need not wait them out
                .start();
        SfnClient sfn = SfnWorkflowStarter.createClient(sfnLocal.endpoint(), Region.of(sfnLocal.region()));
        SfnWorkflowStarter starter = SfnWorkflowStarter.builder().client(sfn)
                .stateMachineArn(sfnLocal.stateMachineArn(MACHINE)).build();
        return new WorkflowEmulators(dynalite, dynamo, lambda, sfnLocal, sfn, starter);
    }

    /** Closes everything, the last started first; a failure to close one does not keep the others open. */
    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {starter, sfn, sfnLocal, lambda, dynamo, dynalite}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }
}
