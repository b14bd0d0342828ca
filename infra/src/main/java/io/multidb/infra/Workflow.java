package io.multidb.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;

/**
 * The schema-migration state machine from statemachines/schema-migration.asl.json. The file is inlined as the
 * definition string and CloudFormation fills in its {@code ${...}} placeholders (DefinitionSubstitutions), so the
 * template holds the file's text unchanged and tests can compare the two.
 */
final class Workflow {

    static final String TASK_FUNCTION_PLACEHOLDER = "MigrationTaskFunctionArn";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    final StateMachine stateMachine;
    final LogGroup logGroup;

    Workflow(Construct scope, String definition, Functions.Deployed task) {
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put(TASK_FUNCTION_PLACEHOLDER, task.alias().getFunctionArn());
        requireSubstitutions(definition, substitutions.keySet());

        // Vended-log group names under /aws/vendedlogs/ keep the account's CloudWatch Logs resource policy small.
        logGroup = Retention.logGroup(scope, "StateMachineLogs",
                "/aws/vendedlogs/states/" + Stack.of(scope).getStackName() + "-schema-migration");
        stateMachine = StateMachine.Builder.create(scope, "SchemaMigration")
                .stateMachineType(StateMachineType.STANDARD) // exactly-once task starts, up to a year, full history
                .definitionBody(DefinitionBody.fromString(definition))
                .definitionSubstitutions(substitutions)
                .tracingEnabled(true)
                .logs(LogOptions.builder()
                        .destination(logGroup)
                        .level(LogLevel.ALL)
                        // Event types and errors, not inputs and outputs: those can carry migration SQL, which
                        // stays in the execution history (kept by Step Functions for 90 days) instead.
                        .includeExecutionData(false)
                        .build())
                .build();
        // The definition is opaque to CDK, so it cannot infer what the machine calls: exactly the task alias.
        stateMachine.addToRolePolicy(PolicyStatement.Builder.create()
                .sid("InvokeMigrationTasks")
                .actions(List.of("lambda:InvokeFunction"))
                .resources(List.of(task.alias().getFunctionArn()))
                .build());
    }

    /** The names of the {@code ${...}} placeholders in an ASL text. */
    static Set<String> placeholders(String definition) {
        Set<String> names = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(definition);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Fails the synth when the ASL and the substitutions disagree: a placeholder nobody fills would reach
     * Step Functions as a literal and fail at deploy or at run time, an unused substitution means a renamed one.
     */
    static void requireSubstitutions(String definition, Set<String> provided) {
        Set<String> used = placeholders(definition);
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(provided);
        Set<String> unused = new TreeSet<>(provided);
        unused.removeAll(used);
        if (!missing.isEmpty() || !unused.isEmpty()) {
            throw new IllegalStateException("the state machine definition and the stack disagree: placeholders "
                    + "without a value " + missing + ", values without a placeholder " + unused
                    + "; update Workflow (infra/) together with " + RepoLayout.STATE_MACHINE_FILE);
        }
    }
}
