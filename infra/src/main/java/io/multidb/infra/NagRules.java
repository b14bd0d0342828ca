package io.multidb.infra;

import java.util.List;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.CfnElement;
import software.constructs.IConstruct;

/**
 * Every cdk-nag (AwsSolutions) finding this stack accepts, each with its reason, in one place. Wildcard
 * suppressions name the exact finding (appliesTo) so that a new wildcard elsewhere in the same policy is still
 * reported; the tests also check which actions may have "*" as their resource.
 */
final class NagRules {

    static final String L1 = "The functions are built for Java 21 (maven.compiler.release 21), an LTS runtime that "
            + "Lambda supports; moving to a newer Java runtime is a deliberate change tested with the functions, "
            + "not something a linter should force.";
    static final String SMG4 = "Generated random values without a rotation Lambda: the admin token is rotated by "
            + "putting a new value (docs/deploy.md), and rotating the signing key invalidates every issued "
            + "database token, which is an operator's decision, not a schedule.";
    static final String IAM5_ENI = "Lambda manages the VPC network interfaces of a function with its execution "
            + "role; these EC2 actions (the list of the AWSLambdaVPCAccessExecutionRole managed policy) do not "
            + "support resource-level permissions that could name resources that do not exist yet. The same holds "
            + "for the X-Ray actions CDK adds for active tracing (PutTraceSegments, PutTelemetryRecords).";
    static final String IAM5_EXECUTIONS = "Execution ARNs end with the execution name, one per migration job, "
            + "chosen at run time; the ARN is fixed up to this state machine's name, so only its executions match.";
    static final String IAM5_STATE_MACHINE = "Written by CDK for the state machine's logging and tracing: "
            + "CloudWatch Logs vended-log delivery actions and X-Ray segment and sampling actions do not support "
            + "resource-level permissions.";
    static final String APIG4 = "Authorization is done by the API function: the control plane requires the admin "
            + "token, the data plane a database token signed with the stack's signing key, in the "
            + "Authorization header exactly as Turso's clients send it. An API Gateway authorizer could not "
            + "check those tokens without a second Lambda invocation per request. The console's static files "
            + "are public (they hold no data); its reads take the same tokens.";

    private NagRules() {
    }

    static void suppress(MultidbStack stack) {
        for (var secret : List.of(stack.adminToken, stack.signingKey)) {
            add(secret, "AwsSolutions-SMG4", SMG4);
        }
        for (var fn : List.of(stack.apiFunction, stack.taskFunction)) {
            add(fn.function(), "AwsSolutions-L1", L1);
            add(fn.role(), "AwsSolutions-IAM5", IAM5_ENI, "Resource::*");
        }
        String stateMachine = stack.getLogicalId((CfnElement) stack.workflow.stateMachine.getNode().getDefaultChild());
        add(stack.apiFunction.role(), "AwsSolutions-IAM5", IAM5_EXECUTIONS,
                "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<"
                        + stateMachine + ".Name>:*");
        add(stack.workflow.stateMachine.getRole(), "AwsSolutions-IAM5", IAM5_STATE_MACHINE, "Resource::*");
        for (var route : stack.api.httpApi.getNode().getChildren()) {
            if (route instanceof software.amazon.awscdk.services.apigatewayv2.HttpRoute) {
                add(route, "AwsSolutions-APIG4", APIG4);
            }
        }
    }

    private static void add(IConstruct construct, String rule, String reason, String... appliesTo) {
        NagPackSuppression.Builder suppression = NagPackSuppression.builder().id(rule).reason(reason);
        if (appliesTo.length > 0) {
            suppression.appliesTo(List.of((Object[]) appliesTo));
        }
        NagSuppressions.addResourceSuppressions(construct, List.of(suppression.build()), true);
    }
}
