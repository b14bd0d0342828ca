package io.multidb.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.constructs.IConstruct;

/**
 * The stack synthesized once per test JVM (jsii starts a Node process and loads aws-cdk-lib: seconds, not
 * milliseconds), the way {@link MultidbApp#main} does it: same context, same cdk-nag aspect, the real Lambda jar
 * and the checked-in ASL. Every test class reads from this one synthesis.
 */
final class Synthesized {

    static final Path OUTDIR = Path.of("target/test-cdk.out").toAbsolutePath();

    private static Synthesized instance;

    final RepoLayout repo;
    final MultidbStack stack;
    final CloudAssembly assembly;
    final Template template;
    final Map<String, Object> json;

    private Synthesized() {
        deleteRecursively(OUTDIR); // a fresh assembly: nothing left from an earlier run can satisfy a test
        repo = RepoLayout.find(Path.of(""));
        App app = new App(AppProps.builder().analyticsReporting(false).outdir(OUTDIR.toString()).build());
        stack = MultidbApp.build(app, repo);
        assembly = app.synth();
        template = Template.fromStack(stack);
        json = template.toJSON();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static synchronized Synthesized get() {
        if (instance == null) {
            instance = new Synthesized();
        }
        return instance;
    }

    String logicalId(IConstruct construct) {
        return stack.getLogicalId((CfnElement) construct.getNode().getDefaultChild());
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> resources() {
        return (Map<String, Map<String, Object>>) (Map<String, ?>) json.get("Resources");
    }

    Map<String, Object> resource(String logicalId) {
        Map<String, Object> r = resources().get(logicalId);
        if (r == null) {
            throw new AssertionError("no resource " + logicalId + " in the template");
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    Map<String, Object> props(String logicalId) {
        return props(resource(logicalId));
    }

    /** The resources of one type, by logical id. */
    Map<String, Map<String, Object>> ofType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources().forEach((id, r) -> {
            if (type.equals(r.get("Type"))) {
                found.put(id, r);
            }
        });
        return found;
    }

    /** All policy statements attached to a role (its inline policies and every AWS::IAM::Policy naming it). */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> statementsOf(String roleLogicalId) {
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Map<String, Object> policy : (List<Map<String, Object>>) props(roleLogicalId)
                .getOrDefault("Policies", List.of())) {
            statements.addAll(statements(policy.get("PolicyDocument")));
        }
        for (Map<String, Object> policy : ofType("AWS::IAM::Policy").values()) {
            List<Object> roles = (List<Object>) props(policy).get("Roles");
            if (roles.contains(Map.of("Ref", roleLogicalId))) {
                statements.addAll(statements(props(policy).get("PolicyDocument")));
            }
        }
        return statements;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> statements(Object document) {
        return (List<Map<String, Object>>) ((Map<String, Object>) document).get("Statement");
    }

    /** A statement's Action or Resource as a list, whether the template has one value or several. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value instanceof List<?> l ? (List<Object>) l : value == null ? List.of() : List.of(value);
    }

    static Map<String, Object> ref(String logicalId) {
        return Map.of("Ref", logicalId);
    }

    static Map<String, Object> getAtt(String logicalId, String attribute) {
        return Map.of("Fn::GetAtt", List.of(logicalId, attribute));
    }

    static String readText(Path file) throws java.io.IOException {
        return Files.readString(file);
    }
}
