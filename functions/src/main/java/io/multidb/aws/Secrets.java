package io.multidb.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Secrets Manager, read once at cold start (the admin token; the signing key has its own adapter). */
public final class Secrets {
    private Secrets() {
    }

    /** A client with the url-connection HTTP client and short timeouts; static credentials for an endpoint override. */
    public static SecretsManagerClient client(Region region, URI endpointOverride) {
        return AwsClients.build(SecretsManagerClient.builder(), endpointOverride, region, Duration.ofSeconds(5));
    }

    /** The secret's string value; IllegalStateException saying what to fix if it cannot be read. */
    public static String readString(Region region, URI endpointOverride, String secretId) {
        try (SecretsManagerClient client = client(region, endpointOverride)) {
            String s = client.getSecretValue(b -> b.secretId(secretId)).secretString();
            if (s == null || s.isBlank()) {
                throw new IllegalStateException("secret " + secretId + " has no string value");
            }
            return s.strip();
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read secret " + secretId + ": " + e.getMessage(), e);
        }
    }
}
