package io.multidb.api;

import io.multidb.auth.Authorizer;
import io.multidb.auth.TokenService;
import io.multidb.databases.DatabaseService;
import io.multidb.drift.DriftService;
import io.multidb.migrations.MigrationService;
import io.multidb.sql.SqlService;
import java.time.Duration;
import java.util.Objects;

/**
 * What the API handler needs, built once per container.
 *
 * @param org           the organization name this deployment serves (the {org} in control-plane paths)
 * @param tokens        issues, verifies and rotates tokens (the admin token included)
 * @param authorizer    the one place that decides who may do what
 * @param migrationWait how long a request that started a migration waits for it before answering "still running"
 * @param drift         the drift reports; null where no drift store is wired (its routes answer UNAVAILABLE)
 */
public record Services(String org, TokenService tokens, Authorizer authorizer, DatabaseService databases,
                       SqlService sql, MigrationService migrations, Duration migrationWait, DriftService drift) {
    public Services {
        Objects.requireNonNull(org);
        Objects.requireNonNull(tokens);
        Objects.requireNonNull(authorizer);
        Objects.requireNonNull(databases);
        Objects.requireNonNull(sql);
        Objects.requireNonNull(migrations);
        Objects.requireNonNull(migrationWait);
    }
}
