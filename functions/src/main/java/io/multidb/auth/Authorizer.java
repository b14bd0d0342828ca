package io.multidb.auth;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.util.Objects;

/**
 * The one place that decides who may do what. The table (also in the README):
 * <pre>
 * principal            control plane   data plane of database D           jobs of schema database S
 * none / bad token     401             401                                401
 * admin                yes             yes (read-write)                   yes
 * group G              403             yes if D is in G, else 403         yes if S is in G, else 403
 * database X           403             yes if D = X, else 403             yes if S = X, else 403
 * read-only G or X     403             as above, read-only                as above
 * </pre>
 * An unknown database is refused to group tokens exactly like a database of another group, so a token never
 * tells which databases exist; a database token for a name that no longer exists is let through (the caller
 * answers 404), which tells its holder nothing they did not know.
 */
public final class Authorizer {
    private final TokenService tokens;

    public Authorizer(TokenService tokens) {
        this.tokens = Objects.requireNonNull(tokens);
    }

    /** Verifies the bearer token (UNAUTHORIZED if missing or invalid). */
    public Principal authenticate(String bearerToken) {
        return tokens.verify(bearerToken);
    }

    /** Verifies the token, then decides. */
    public Grant authorize(String bearerToken, Action action) {
        return authorize(authenticate(bearerToken), action);
    }

    /** Allows (with a read-only flag) or throws UNAUTHORIZED (no principal) or FORBIDDEN. */
    public Grant authorize(Principal principal, Action action) {
        Objects.requireNonNull(action);
        if (principal == null) {
            throw new MultidbException(ErrorKind.UNAUTHORIZED, TokenService.MISSING);
        }
        return switch (principal) {
            case Principal.Admin admin -> new Grant(admin, false);
            case Principal.GroupPrincipal g -> switch (action) {
                case Action.ControlPlane c -> throw controlPlane(g);
                case Action.DataPlane d -> allowIf(g.group().equals(d.group()), g, d.database());
                case Action.Jobs j -> allowIf(g.group().equals(j.group()), g, j.schemaDatabase());
            };
            case Principal.DatabasePrincipal db -> switch (action) {
                case Action.ControlPlane c -> throw controlPlane(db);
                case Action.DataPlane d -> allowIf(db.database().equals(d.database()), db, d.database());
                case Action.Jobs j -> allowIf(db.database().equals(j.schemaDatabase()), db, j.schemaDatabase());
            };
        };
    }

    private static Grant allowIf(boolean allowed, Principal p, String requested) {
        if (!allowed) {
            throw new MultidbException(ErrorKind.FORBIDDEN, "forbidden: " + describe(p)
                    + "; it does not grant access to database " + AuthText.quote(requested));
        }
        return new Grant(p, p.readOnly());
    }

    private static MultidbException controlPlane(Principal p) {
        return new MultidbException(ErrorKind.FORBIDDEN, "forbidden: the control plane takes the admin token; "
                + describe(p) + " (SQL only)");
    }

    private static String describe(Principal p) {
        String access = p.readOnly() ? "read-only " : "";
        return switch (p) {
            case Principal.Admin a -> "this is the admin token";
            case Principal.GroupPrincipal g -> "this " + access + "token is for the databases of group '" + g.group() + "'";
            case Principal.DatabasePrincipal d -> "this " + access + "token is for database '" + d.database() + "'";
        };
    }
}
