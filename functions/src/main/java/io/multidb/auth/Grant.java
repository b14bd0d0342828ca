package io.multidb.auth;

import java.util.Objects;

/**
 * What the {@link Authorizer} allowed. A read-only grant lets the request run with writes refused by SQLite
 * itself (the executor's {@code PRAGMA query_only}), reported as an error result with code
 * {@link #READONLY_TOKEN}.
 */
public record Grant(Principal principal, boolean readOnly) {
    /**
     * The SQL error code of a write refused because the token is read-only. Not BLOCKED: BLOCKED means "not
     * now" (a migration, an operator), and clients may retry it; this one does not pass with time, only with
     * another token.
     */
    public static final String READONLY_TOKEN = "READONLY_TOKEN";

    public Grant {
        Objects.requireNonNull(principal);
    }

    /** For {@code ExecutionPolicy.writeRefusalCode}: {@link #READONLY_TOKEN}, or null if writes are allowed. */
    public String writeRefusalCode() {
        return readOnly ? READONLY_TOKEN : null;
    }

    /** For {@code ExecutionPolicy.writeRefusalMessage}, or null if writes are allowed. */
    public String writeRefusalMessage() {
        return readOnly ? "this token is read-only: writes are refused; use a full-access token to write" : null;
    }
}
