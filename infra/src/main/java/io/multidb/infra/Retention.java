package io.multidb.infra;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * Every log group in the stack is made here, so that none is left to a service's default (never expire).
 * Logs go with the stack on teardown: they describe the deployment, not the customers' data, which is retained.
 */
final class Retention {

    static final RetentionDays LOGS = RetentionDays.ONE_MONTH;

    private Retention() {
    }

    /** A log group with the stack's retention; {@code name} null lets CloudFormation name it. */
    static LogGroup logGroup(Construct scope, String id, String name) {
        LogGroup.Builder builder = LogGroup.Builder.create(scope, id)
                .retention(LOGS)
                .removalPolicy(RemovalPolicy.DESTROY);
        if (name != null) {
            builder.logGroupName(name);
        }
        return builder.build();
    }
}
