package io.multidb.infra;

import static io.multidb.infra.Synthesized.getAtt;
import static io.multidb.infra.Synthesized.props;
import static io.multidb.infra.Synthesized.ref;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** What the stack is made of, resource by resource: counts, network, storage, retention, outputs. */
class StackShapeTest {

    private final Synthesized s = Synthesized.get();

    @Test
    void resourceCountsPerType() {
        Map<String, Integer> counts = new TreeMap<>();
        s.resources().values().forEach(r -> counts.merge((String) r.get("Type"), 1, Integer::sum));

        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("AWS::EC2::VPC", 1),
                Map.entry("AWS::EC2::Subnet", 2),
                Map.entry("AWS::EC2::RouteTable", 2),
                Map.entry("AWS::EC2::SubnetRouteTableAssociation", 2),
                Map.entry("AWS::EC2::FlowLog", 1),
                Map.entry("AWS::EC2::SecurityGroup", 3),
                Map.entry("AWS::EC2::SecurityGroupIngress", 2),
                Map.entry("AWS::EC2::SecurityGroupEgress", 1),
                Map.entry("AWS::EC2::VPCEndpoint", 3),
                Map.entry("AWS::DynamoDB::Table", 1),
                Map.entry("AWS::EFS::FileSystem", 1),
                Map.entry("AWS::EFS::MountTarget", Network.AZS),
                Map.entry("AWS::EFS::AccessPoint", 1),
                Map.entry("AWS::SecretsManager::Secret", 2),
                Map.entry("AWS::IAM::Role", 4), // two functions, the state machine, the flow log
                Map.entry("AWS::IAM::Policy", 4),
                Map.entry("AWS::Lambda::Function", 2),
                Map.entry("AWS::Lambda::Version", 2),
                Map.entry("AWS::Lambda::Alias", 2),
                Map.entry("AWS::Lambda::Permission", 4), // API Gateway may invoke the API alias, one per route
                Map.entry("AWS::StepFunctions::StateMachine", 1),
                Map.entry("AWS::ApiGatewayV2::Api", 1),
                Map.entry("AWS::ApiGatewayV2::Integration", 1),
                Map.entry("AWS::ApiGatewayV2::Route", 4), // /v1, /db, /console and /console/{proxy+}
                Map.entry("AWS::ApiGatewayV2::Stage", 1),
                Map.entry("AWS::Logs::LogGroup", 5), // two functions, state machine, API access, flow log
                Map.entry("AWS::CloudWatch::Alarm", MonitoringTest.ALARMS.size()), // to the AlarmTopicArn parameter
                Map.entry("AWS::CloudWatch::Dashboard", 1)));
        assertThat(s.resources()).hasSize(55 + MonitoringTest.ALARMS.size() + 1);
    }

    @Test
    void vpcIsIsolatedWithTheEndpointsTheFunctionsUse() {
        assertThat(s.ofType("AWS::EC2::InternetGateway")).isEmpty();
        assertThat(s.ofType("AWS::EC2::NatGateway")).isEmpty();
        assertThat(s.ofType("AWS::EC2::EIP")).isEmpty();
        assertThat(s.ofType("AWS::EC2::Route")).as("no route leaves the VPC except the gateway endpoint's").isEmpty();
        s.ofType("AWS::EC2::Subnet").values().forEach(subnet ->
                assertThat(props(subnet)).containsEntry("MapPublicIpOnLaunch", false));

        Map<String, String> endpoints = new TreeMap<>();
        s.ofType("AWS::EC2::VPCEndpoint").values().forEach(e -> {
            Map<String, Object> p = props(e);
            String service = p.get("ServiceName").toString().replaceAll(".*\\.", "").replaceAll("[^a-z]", "");
            endpoints.put(service, (String) p.get("VpcEndpointType"));
            if ("Interface".equals(p.get("VpcEndpointType"))) {
                assertThat(p).containsEntry("PrivateDnsEnabled", true)
                        .containsEntry("SecurityGroupIds", List.of(getAtt(s.logicalId(s.stack.network.endpoints), "GroupId")));
            } else {
                assertThat((List<?>) p.get("RouteTableIds")).hasSize(Network.AZS);
            }
        });
        assertThat(endpoints).containsExactlyInAnyOrderEntriesOf(Map.of(
                "dynamodb", "Gateway", "states", "Interface", "secretsmanager", "Interface"));

        assertThat(props(s.ofType("AWS::EC2::FlowLog").values().iterator().next()))
                .containsEntry("TrafficType", "REJECT")
                .containsEntry("LogDestinationType", "cloud-watch-logs");
    }

    @Test
    void securityGroupsLetOnlyTheFunctionsIn() {
        String functions = s.logicalId(s.stack.network.functions);
        String fileSystem = s.logicalId(s.stack.storage.fileSystemSecurityGroup);
        String endpoints = s.logicalId(s.stack.network.endpoints);

        Map<String, Integer> ingressPorts = new TreeMap<>();
        s.ofType("AWS::EC2::SecurityGroupIngress").values().forEach(rule -> {
            Map<String, Object> p = props(rule);
            assertThat(p).containsEntry("IpProtocol", "tcp")
                    .containsEntry("SourceSecurityGroupId", getAtt(functions, "GroupId"))
                    .doesNotContainKey("CidrIp").doesNotContainKey("CidrIpv6");
            assertThat(((Number) p.get("FromPort")).intValue()).isEqualTo(((Number) p.get("ToPort")).intValue());
            @SuppressWarnings("unchecked")
            List<String> group = (List<String>) ((Map<String, Object>) p.get("GroupId")).get("Fn::GetAtt");
            ingressPorts.put(group.getFirst(), ((Number) p.get("FromPort")).intValue());
        });
        assertThat(ingressPorts).containsExactlyInAnyOrderEntriesOf(Map.of(fileSystem, Storage.NFS_PORT, endpoints, 443));

        s.ofType("AWS::EC2::SecurityGroup").forEach((id, sg) -> {
            assertThat(props(sg)).as(id).doesNotContainKey("SecurityGroupIngress");
            if (id.equals(functions)) {
                assertThat(props(sg).get("SecurityGroupEgress")).isEqualTo(List.of(Map.of("CidrIp", "0.0.0.0/0",
                        "Description", "HTTPS to the VPC endpoints and DynamoDB",
                        "FromPort", 443, "IpProtocol", "tcp", "ToPort", 443)));
            } else {
                // CDK's marker for "no egress": a rule that matches nothing.
                assertThat(props(sg).get("SecurityGroupEgress").toString()).as(id).contains("255.255.255.255/32");
            }
        });
        // The functions' only other way out: NFS to the file system's security group.
        assertThat(s.ofType("AWS::EC2::SecurityGroupEgress").values()).singleElement().satisfies(rule ->
                assertThat(props(rule)).containsEntry("GroupId", getAtt(functions, "GroupId"))
                        .containsEntry("DestinationSecurityGroupId", getAtt(fileSystem, "GroupId"))
                        .containsEntry("IpProtocol", "tcp"));
        s.ofType("AWS::EFS::MountTarget").values().forEach(mt ->
                assertThat(props(mt)).containsEntry("SecurityGroups", List.of(getAtt(fileSystem, "GroupId"))));
    }

    @Test
    void tableMatchesTheCatalogDesignAndIsKept() {
        Map<String, Object> table = s.resource(s.logicalId(s.stack.storage.table));
        assertThat(table).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
        assertThat(props(table))
                .containsEntry("KeySchema", List.of(
                        Map.of("AttributeName", "pk", "KeyType", "HASH"),
                        Map.of("AttributeName", "sk", "KeyType", "RANGE")))
                .containsEntry("AttributeDefinitions", List.of(
                        Map.of("AttributeName", "pk", "AttributeType", "S"),
                        Map.of("AttributeName", "sk", "AttributeType", "S")))
                .containsEntry("BillingMode", "PAY_PER_REQUEST")
                .containsEntry("PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true))
                .containsEntry("TimeToLiveSpecification", Map.of("AttributeName", "ttl", "Enabled", true))
                .doesNotContainKey("GlobalSecondaryIndexes")
                .doesNotContainKey("LocalSecondaryIndexes");
    }

    @Test
    void fileSystemIsEncryptedBackedUpKeptAndOpenOnlyToIam() {
        Map<String, Object> fs = s.resource(s.logicalId(s.stack.storage.fileSystem));
        assertThat(fs).containsEntry("DeletionPolicy", "Retain").containsEntry("UpdateReplacePolicy", "Retain");
        Map<String, Object> p = props(fs);
        assertThat(p).containsEntry("Encrypted", true)
                .containsEntry("BackupPolicy", Map.of("Status", "ENABLED"));
        // A policy is present (so EFS does not fall back to "everyone may mount") and grants nothing itself.
        List<Map<String, Object>> statements = Synthesized.statements(p.get("FileSystemPolicy"));
        assertThat(statements).isNotEmpty().allSatisfy(st -> assertThat(st).containsEntry("Effect", "Deny"));
        assertThat(s.ofType("AWS::EFS::MountTarget")).hasSize(Network.AZS);
    }

    @Test
    void accessPointFixesTheIdentityAndTheRootDirectory() {
        Map<String, Object> p = s.props(s.logicalId(s.stack.storage.accessPoint));
        assertThat(p).containsEntry("FileSystemId", ref(s.logicalId(s.stack.storage.fileSystem)))
                .containsEntry("PosixUser", Map.of("Uid", "1000", "Gid", "1000"))
                .containsEntry("RootDirectory", Map.of("Path", "/multidb",
                        "CreationInfo", Map.of("OwnerUid", "1000", "OwnerGid", "1000", "Permissions", "750")));
    }

    @Test
    void everyLogGroupExpiresAndGoesWithTheStack() {
        assertThat(s.ofType("AWS::Logs::LogGroup")).isNotEmpty().allSatisfy((id, group) -> {
            assertThat(((Number) props(group).get("RetentionInDays")).intValue()).as(id).isEqualTo(30);
            assertThat(group).as(id).containsEntry("DeletionPolicy", "Delete");
        });
        // Only customer data is retained: nothing else carries a Retain policy.
        List<String> retained = s.resources().entrySet().stream()
                .filter(e -> "Retain".equals(e.getValue().get("DeletionPolicy")))
                .map(Map.Entry::getKey).sorted().toList();
        assertThat(retained).containsExactlyInAnyOrder(
                s.logicalId(s.stack.storage.table), s.logicalId(s.stack.storage.fileSystem));
    }

    @Test
    void secretsAreGeneratedAtDeployAndNeverInTheTemplate() {
        s.ofType("AWS::SecretsManager::Secret").values().forEach(secret -> {
            assertThat(props(secret)).containsKey("GenerateSecretString").doesNotContainKey("SecretString");
        });
        assertThat(s.props(s.logicalId(s.stack.adminToken))).containsEntry("Name", "multidb/Multidb/admin-token");
    }

    @Test
    @SuppressWarnings("unchecked")
    void outputsNameTheApiTheStateMachineAndTheAdminTokenSecret() {
        Map<String, Map<String, Object>> outputs = (Map<String, Map<String, Object>>) s.json.get("Outputs");
        assertThat(outputs).containsKeys("ApiUrl", "StateMachineArn", "AdminTokenSecretName");
        assertThat(outputs.get("StateMachineArn").get("Value"))
                .isEqualTo(ref(s.logicalId(s.stack.workflow.stateMachine)));
        assertThat(outputs.get("AdminTokenSecretName").get("Value"))
                .isEqualTo(s.props(s.logicalId(s.stack.adminToken)).get("Name"));
        String url = outputs.get("ApiUrl").get("Value").toString();
        assertThat(url).startsWith("{Fn::Join=[, [https://, {Ref=" + s.logicalId(s.stack.api.httpApi) + "}")
                .endsWith("/]]}");
    }
}
