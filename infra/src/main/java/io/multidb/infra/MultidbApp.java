package io.multidb.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;

/**
 * The CDK app: `cdk synth`/`cdk deploy` run it through infra/cdk.json, `mvn -q compile exec:java` in infra/ runs
 * it directly (writing infra/cdk.out). Context: {@code org} (default "default"), {@code stackName} (default
 * "Multidb"), {@code functionsJar} (default: the jar the functions module built).
 */
public final class MultidbApp {

    public static final String DEFAULT_STACK_NAME = "Multidb";

    private MultidbApp() {
    }

    public static void main(String[] args) {
        RepoLayout repo = RepoLayout.find(Path.of(""));
        AppProps.Builder props = AppProps.builder().analyticsReporting(false);
        if (System.getenv("CDK_OUTDIR") == null) {
            // Run without the CLI (mvn exec:java): write where the CLI would, whatever the working directory.
            props.outdir(repo.root().resolve("infra/cdk.out").toString());
        }
        App app = new App(props.build());
        build(app, repo);
        CloudAssembly assembly = app.synth();
        List<String> errors = problems(assembly);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("synthesis found " + errors.size() + " error(s):\n"
                    + String.join("\n", errors));
        }
        System.out.println("synthesized " + assembly.getDirectory());
    }

    /** The error annotations (cdk-nag findings among them) of every stack, one line each. */
    static List<String> problems(CloudAssembly assembly) {
        List<String> errors = new ArrayList<>();
        for (CloudFormationStackArtifact stack : assembly.getStacks()) {
            for (SynthesisMessage message : stack.getMessages()) {
                if (message.getLevel() == SynthesisMessageLevel.ERROR) {
                    errors.add(message.getId() + ": " + message.getEntry().getData());
                }
            }
        }
        return errors;
    }

    /** The stack with the app's context applied, and cdk-nag's AwsSolutions checks on the whole app. */
    public static MultidbStack build(App app, RepoLayout repo) {
        String org = context(app, "org", MultidbSettings.DEFAULT_ORG);
        String jar = context(app, "functionsJar", null);
        MultidbSettings settings = jar == null
                ? MultidbSettings.fromRepo(repo, org)
                : new MultidbSettings(org, Path.of(jar), MultidbSettings.read(repo.stateMachineDefinition()));
        MultidbStack stack = new MultidbStack(app, context(app, "stackName", DEFAULT_STACK_NAME),
                StackProps.builder()
                        .description("multidb: one schema, many SQLite databases (Lambda, EFS, DynamoDB, Step Functions)")
                        .build(),
                settings);
        // Findings are errors at synth: `cdk synth` fails on an unsuppressed one, and so do the tests.
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }

    private static String context(App app, String key, String fallback) {
        Object value = app.getNode().tryGetContext(key);
        return value == null ? fallback : value.toString();
    }
}
