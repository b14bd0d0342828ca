package io.multidb.infra;

import static io.multidb.infra.Synthesized.getAtt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The state machine: the checked-in ASL, substituted, logged, traced. */
class WorkflowTest {

    private final Synthesized s = Synthesized.get();

    private Map<String, Object> stateMachine() {
        return s.props(s.logicalId(s.stack.workflow.stateMachine));
    }

    /**
     * The deployed definition is the file with each placeholder replaced by what CloudFormation will put there.
     * Both sides are built from the file as it is today, so this keeps holding as the workflow is rewritten,
     * and fails when the file gains a placeholder the stack does not fill.
     */
    @Test
    @SuppressWarnings("unchecked")
    void definitionIsTheFileWithTheTaskAliasArnSubstituted() throws Exception {
        String file = Synthesized.readText(s.repo.stateMachineDefinition());
        Map<String, Object> p = stateMachine();
        String definition = (String) p.get("DefinitionString");
        Map<String, Object> substitutions = (Map<String, Object>) p.get("DefinitionSubstitutions");

        // What CloudFormation does at deploy: ${Name} → the resolved value; here a readable stand-in.
        Matcher m = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}").matcher(definition);
        StringBuilder deployed = new StringBuilder();
        while (m.find()) {
            Object value = substitutions.get(m.group(1));
            assertThat(value).as("substitution for ${%s}", m.group(1)).isNotNull();
            m.appendReplacement(deployed, Matcher.quoteReplacement(
                    "arn-of:" + ((Map<String, Object>) value).get("Ref")));
        }
        m.appendTail(deployed);

        String expected = file.replace("${MigrationTaskFunctionArn}",
                "arn-of:" + s.logicalId(s.stack.taskFunction.alias()));
        assertThat(deployed.toString()).isEqualTo(expected).doesNotContain("${");
        // Step Functions takes JSON; the file must stay JSON after substitution.
        new ObjectMapper().readTree(deployed.toString());
    }

    @Test
    void standardLoggedAndTraced() {
        Map<String, Object> p = stateMachine();
        assertThat(p).containsEntry("StateMachineType", "STANDARD")
                .containsEntry("TracingConfiguration", Map.of("Enabled", true))
                .containsEntry("LoggingConfiguration", Map.of(
                        "Destinations", List.of(Map.of("CloudWatchLogsLogGroup", Map.of(
                                "LogGroupArn", getAtt(s.logicalId(s.stack.workflow.logGroup), "Arn")))),
                        "IncludeExecutionData", false,
                        "Level", "ALL"));
        assertThat(s.props(s.logicalId(s.stack.workflow.logGroup)).get("LogGroupName").toString())
                .startsWith("/aws/vendedlogs/states/");
    }

    @Test
    void placeholdersAreFoundAndMustAllBeFilled() {
        String asl = "{\"A\":\"${MigrationTaskFunctionArn}\",\"B\":\"${Other_1}\",\"C\":\"$.not_one\"}";
        assertThat(Workflow.placeholders(asl)).containsExactly("MigrationTaskFunctionArn", "Other_1");

        Workflow.requireSubstitutions(asl, Set.of("MigrationTaskFunctionArn", "Other_1"));
        assertThatThrownBy(() -> Workflow.requireSubstitutions(asl, Set.of("MigrationTaskFunctionArn")))
                .hasMessageContaining("placeholders without a value [Other_1]")
                .hasMessageContaining("statemachines/schema-migration.asl.json");
        assertThatThrownBy(() -> Workflow.requireSubstitutions("{}", Set.of("MigrationTaskFunctionArn")))
                .hasMessageContaining("values without a placeholder [MigrationTaskFunctionArn]");
    }
}
