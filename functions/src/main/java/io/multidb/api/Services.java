package io.multidb.api;

import io.multidb.databases.DatabaseService;
import io.multidb.migrations.MigrationService;
import io.multidb.sql.SqlService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;

/**
 * What the API handler needs, built once per container.
 *
 * @param org        the organization name this deployment serves (the {org} in control-plane paths)
 * @param adminToken the platform token: whole control plane and every database
 * @param migrationWait how long a request that started a migration waits for it before answering "still running"
 */
public record Services(String org, String adminToken, DatabaseService databases, SqlService sql,
                       MigrationService migrations, Duration migrationWait) {
    public Services {
        Objects.requireNonNull(org);
        Objects.requireNonNull(databases);
        Objects.requireNonNull(sql);
        Objects.requireNonNull(migrations);
        Objects.requireNonNull(migrationWait);
        if (adminToken == null || adminToken.length() < 16) {
            throw new IllegalArgumentException("the admin token must be at least 16 characters");
        }
    }

    /** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
    public boolean isAdmin(String token) {
        return token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                adminToken.getBytes(StandardCharsets.UTF_8));
    }
}
