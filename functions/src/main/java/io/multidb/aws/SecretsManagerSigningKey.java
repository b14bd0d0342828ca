package io.multidb.aws;

import io.multidb.auth.SigningKey;
import io.multidb.auth.SigningKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The token signing key in AWS: one Secrets Manager secret, read once at construction (the function's cold
 * start) and kept in memory, so no request waits on Secrets Manager.
 *
 * <p>The secret (its AWSCURRENT version) is either binary, at least 32 bytes used as they are, or a string of at
 * least {@value #MIN_STRING_CHARS} characters whose UTF-8 bytes are the key, e.g. {@code openssl rand -base64 32}
 * or CDK's {@code generateSecretString} with {@code passwordLength: 64, excludePunctuation: true}. A JSON string
 * (what {@code secretStringTemplate} makes) is refused, so a key is never half a JSON document. Changing the
 * secret invalidates every token once the functions restart.
 */
public final class SecretsManagerSigningKey implements SigningKeys {
    /** 43 base64 characters carry 256 bits; a shorter string cannot hold a 256-bit key's worth of randomness. */
    static final int MIN_STRING_CHARS = 43;

    private final SigningKey key;

    /** Reads the secret now; throws IllegalStateException saying what to fix if it is absent or unusable. */
    public SecretsManagerSigningKey(SecretsManagerClient client, String secretId) {
        Objects.requireNonNull(client);
        Objects.requireNonNull(secretId);
        GetSecretValueResponse value;
        try {
            value = client.getSecretValue(b -> b.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw new IllegalStateException("the token signing key secret " + secretId + " does not exist: create it "
                    + "or fix the configuration", e);
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read the token signing key secret " + secretId + ": " + e.getMessage(), e);
        }
        this.key = parse(value, secretId);
    }

    /** Builds a client (url-connection HTTP, short timeouts), reads the secret, closes the client. */
    public static SecretsManagerSigningKey load(String secretId, Region region, URI endpointOverride) {
        try (SecretsManagerClient client = Secrets.client(region, endpointOverride)) {
            return new SecretsManagerSigningKey(client, secretId);
        }
    }

    static SigningKey parse(GetSecretValueResponse value, String secretId) {
        if (value.secretBinary() != null) {
            byte[] bytes = value.secretBinary().asByteArray();
            if (bytes.length < SigningKey.MIN_BYTES) {
                throw new IllegalStateException("the token signing key secret " + secretId + " has " + bytes.length
                        + " bytes; it needs at least " + SigningKey.MIN_BYTES + " random bytes");
            }
            return SigningKey.of(bytes);
        }
        String s = value.secretString();
        if (s == null) {
            throw new IllegalStateException("the token signing key secret " + secretId + " has no value");
        }
        if (s.strip().startsWith("{")) {
            throw new IllegalStateException("the token signing key secret " + secretId + " holds JSON; store the key "
                    + "as a plain string of at least " + MIN_STRING_CHARS + " random characters");
        }
        if (s.length() < MIN_STRING_CHARS) {
            throw new IllegalStateException("the token signing key secret " + secretId + " has " + s.length()
                    + " characters; it needs at least " + MIN_STRING_CHARS + " random characters (e.g. "
                    + "'openssl rand -base64 32')");
        }
        return SigningKey.of(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public SigningKey current() {
        return key;
    }
}
