package io.multidb.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/** cdk-nag's AwsSolutions pack, run by the app itself: nothing unsuppressed, and every suppression explained. */
class NagTest {

    private final Synthesized s = Synthesized.get();

    record Row(String rule, String path, String compliance, String reason) {
    }

    private List<Row> report() throws Exception {
        // Written by cdk-nag next to the template: one row per rule and resource it checked. Each synthesis of
        // the app in this JVM (the assertions libraries synthesize again) writes the same rows again.
        Path csv = Synthesized.OUTDIR.resolve("AwsSolutions-" + s.stack.getStackName() + "-NagReport.csv");
        Pattern row = Pattern.compile("^\"(.*?)\",\"(.*?)\",\"(.*?)\",\"(.*?)\",\".*$");
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                rows.add(new Row(m.group(1), m.group(2), m.group(3), m.group(4)));
            }
        }
        return rows.stream().distinct().toList();
    }

    @Test
    void noUnsuppressedFindings() throws Exception {
        assertThat(Annotations.fromStack(s.stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(Annotations.fromStack(s.stack).findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(MultidbApp.problems(s.assembly)).isEmpty();
        assertThat(report()).extracting(Row::compliance).doesNotContain("Non-Compliant");
        // The pack really ran over the stack: the rules the design answers (flow logs, EFS encryption, state
        // machine logging and tracing, API access logs, PITR) were checked and found compliant.
        assertThat(report()).filteredOn(r -> r.compliance().equals("Compliant")).extracting(Row::rule)
                .contains("AwsSolutions-VPC7", "AwsSolutions-EFS1", "AwsSolutions-SF1", "AwsSolutions-SF2",
                        "AwsSolutions-APIG1", "AwsSolutions-DDB3", "AwsSolutions-IAM4", "AwsSolutions-EC23");
    }

    @Test
    void noCdkWarningsOrErrorsEither() {
        // CDK's own annotations (e.g. an ignored security group rule) point at a construct doing less than
        // the code says.
        assertThat(Annotations.fromStack(s.stack).findWarning("*", Match.anyValue())).isEmpty();
        assertThat(Annotations.fromStack(s.stack).findError("*", Match.anyValue())).isEmpty();
    }

    @Test
    void exactlyTheseSuppressionsEachWithItsReason() throws Exception {
        List<Row> suppressed = report().stream().filter(r -> r.compliance().equals("Suppressed")).toList();
        assertThat(suppressed).extracting(r -> r.rule() + " " + r.path()).containsExactlyInAnyOrder(
                "AwsSolutions-SMG4 Multidb/AdminTokenSecret/Resource",
                "AwsSolutions-SMG4 Multidb/SigningKeySecret/Resource",
                "AwsSolutions-L1 Multidb/ApiFunction/Resource",
                "AwsSolutions-L1 Multidb/MigrationTaskFunction/Resource",
                "AwsSolutions-IAM5 Multidb/ApiFunctionRole/DefaultPolicy/Resource", // ENIs
                "AwsSolutions-IAM5 Multidb/ApiFunctionRole/DefaultPolicy/Resource", // executions of the machine
                "AwsSolutions-IAM5 Multidb/MigrationTaskFunctionRole/DefaultPolicy/Resource",
                "AwsSolutions-IAM5 Multidb/SchemaMigration/Role/DefaultPolicy/Resource",
                "AwsSolutions-APIG4 Multidb/HttpApi/ANY--v1--{proxy+}/Resource",
                "AwsSolutions-APIG4 Multidb/HttpApi/ANY--db--{proxy+}/Resource",
                "AwsSolutions-APIG4 Multidb/HttpApi/ANY--console/Resource",
                "AwsSolutions-APIG4 Multidb/HttpApi/ANY--console--{proxy+}/Resource");
        assertThat(suppressed).allSatisfy(r -> assertThat(r.reason()).hasSizeGreaterThan(60));
    }
}
