package io.multidb.auth;

import io.multidb.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every (principal x action) cell. The world: group {@code g} holds schema database {@code app} and its child
 * {@code acme}; group {@code h} holds {@code globex} and schema database {@code tpl}; {@code ghost} does not exist.
 */
class AuthorizerTest {
    private final TokenService tokens = new TokenService("org", TokenServiceTest.ADMIN, () -> TokenServiceTest.KEY,
            new InMemoryTokenGenerations(), Duration.ofSeconds(5), new MutableClock());
    private final Authorizer authorizer = new Authorizer(tokens);

    private static final Map<String, Principal> PRINCIPALS = new LinkedHashMap<>();
    private static final Map<String, Action> ACTIONS = new LinkedHashMap<>();

    static {
        PRINCIPALS.put("none", null);
        PRINCIPALS.put("admin", Principal.Admin.INSTANCE);
        PRINCIPALS.put("group g", new Principal.GroupPrincipal("g", false));
        PRINCIPALS.put("group g ro", new Principal.GroupPrincipal("g", true));
        PRINCIPALS.put("db acme", new Principal.DatabasePrincipal("acme", false));
        PRINCIPALS.put("db acme ro", new Principal.DatabasePrincipal("acme", true));
        PRINCIPALS.put("db app", new Principal.DatabasePrincipal("app", false));
        PRINCIPALS.put("db app ro", new Principal.DatabasePrincipal("app", true));
        PRINCIPALS.put("db ghost", new Principal.DatabasePrincipal("ghost", false));

        ACTIONS.put("control", Action.ControlPlane.ANY);
        ACTIONS.put("sql acme", new Action.DataPlane("acme", "g"));
        ACTIONS.put("sql app", new Action.DataPlane("app", "g"));
        ACTIONS.put("sql globex", new Action.DataPlane("globex", "h"));
        ACTIONS.put("sql ghost", new Action.DataPlane("ghost", null));
        ACTIONS.put("jobs app", new Action.Jobs("app", "g"));
        ACTIONS.put("jobs tpl", new Action.Jobs("tpl", "h"));
        ACTIONS.put("jobs ghost", new Action.Jobs("ghost", null));
    }

    /** rw: allowed read-write; ro: allowed read-only; 401/403: refused. Columns in the order of ACTIONS. */
    private static final String TABLE = """
            principal    control  sql_acme sql_app  sql_globex sql_ghost jobs_app jobs_tpl jobs_ghost
            none         401      401      401      401        401       401      401      401
            admin        rw       rw       rw       rw         rw        rw       rw       rw
            group_g      403      rw       rw       403        403       rw       403      403
            group_g_ro   403      ro       ro       403        403       ro       403      403
            db_acme      403      rw       403      403        403       403      403      403
            db_acme_ro   403      ro       403      403        403       403      403      403
            db_app       403      403      rw       403        403       rw       403      403
            db_app_ro    403      403      ro       403        403       ro       403      403
            db_ghost     403      403      403      403        rw        403      403      rw
            """;

    @Test
    void everyCellOfThePermissionTable() {
        List<String> lines = TABLE.lines().toList();
        List<String> header = List.of(lines.get(0).trim().split("\\s+"));
        assertThat(header.subList(1, header.size()))
                .containsExactlyElementsOf(ACTIONS.keySet().stream().map(k -> k.replace(' ', '_')).toList());
        List<String> rows = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.trim().split("\\s+");
            String who = cells[0].replace('_', ' ');
            rows.add(who);
            assertThat(PRINCIPALS).containsKey(who);
            int col = 1;
            for (Map.Entry<String, Action> action : ACTIONS.entrySet()) {
                String got = outcome(PRINCIPALS.get(who), action.getValue());
                if (!got.equals(cells[col])) {
                    mismatches.add(who + " x " + action.getKey() + ": expected " + cells[col] + ", got " + got);
                }
                col++;
            }
        }
        assertThat(rows).containsExactlyElementsOf(PRINCIPALS.keySet());
        assertThat(mismatches).isEmpty();
    }

    private String outcome(Principal p, Action a) {
        try {
            Grant g = authorizer.authorize(p, a);
            assertThat(g.principal()).isEqualTo(p);
            assertThat(g.writeRefusalCode()).isEqualTo(g.readOnly() ? Grant.READONLY_TOKEN : null);
            return g.readOnly() ? "ro" : "rw";
        } catch (MultidbException e) {
            return switch (e.kind()) {
                case UNAUTHORIZED -> "401";
                case FORBIDDEN -> "403";
                default -> "unexpected " + e.kind();
            };
        }
    }

    @Test
    void aGroupTokenCannotTellAnotherGroupsDatabaseFromNoDatabase() {
        Principal g = new Principal.GroupPrincipal("g", false);
        String other = message(g, new Action.DataPlane("globex", "h"));
        String none = message(g, new Action.DataPlane("globex", null));
        assertThat(other).isEqualTo(none)
                .isEqualTo("forbidden: this token is for the databases of group 'g'; it does not grant access to "
                        + "database 'globex'");
        assertThat(message(g, new Action.Jobs("tpl", "h"))).isEqualTo(message(g, new Action.Jobs("tpl", null)));
    }

    @Test
    void refusalsSayWhatTheTokenIsFor() {
        assertThat(message(new Principal.DatabasePrincipal("acme", true), Action.ControlPlane.ANY))
                .isEqualTo("forbidden: the control plane takes the admin token; this read-only token is for "
                        + "database 'acme' (SQL only)");
        assertThat(message(new Principal.DatabasePrincipal("acme", false), new Action.DataPlane("globex", "h")))
                .isEqualTo("forbidden: this token is for database 'acme'; it does not grant access to database 'globex'");
        // A hostile name in the path is echoed harmlessly.
        assertThat(message(new Principal.DatabasePrincipal("acme", false), new Action.DataPlane("a\u0000\n" + "x".repeat(500), null)))
                .doesNotContain("\u0000", "\n").hasSizeLessThan(200);
    }

    @Test
    void bearerTokensGoThroughVerificationFirst() {
        String acmeRo = tokens.issue(Scope.DATABASE, "acme", Expiration.NEVER, Access.READ_ONLY);
        Grant grant = authorizer.authorize(acmeRo, new Action.DataPlane("acme", "g"));
        assertThat(grant.readOnly()).isTrue();
        assertThat(grant.writeRefusalCode()).isEqualTo("READONLY_TOKEN");
        assertThat(grant.writeRefusalMessage()).contains("read-only");

        String groupG = tokens.issue(Scope.GROUP, "g", Expiration.NEVER, Access.FULL_ACCESS);
        assertThat(authorizer.authorize(groupG, new Action.DataPlane("acme", "g")).writeRefusalCode()).isNull();
        assertThat(authorizer.authorize(TokenServiceTest.ADMIN, Action.ControlPlane.ANY).principal())
                .isEqualTo(Principal.Admin.INSTANCE);

        assertThatThrownBy(() -> authorizer.authorize(groupG, new Action.DataPlane("globex", "h")))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FORBIDDEN));
        assertThatThrownBy(() -> authorizer.authorize((String) null, new Action.DataPlane("acme", "g")))
                .isInstanceOfSatisfying(MultidbException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAUTHORIZED);
                    assertThat(e.getMessage()).startsWith("missing token");
                });
        assertThatThrownBy(() -> authorizer.authorize(groupG + "x", new Action.DataPlane("acme", "g")))
                .isInstanceOfSatisfying(MultidbException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAUTHORIZED));
    }

    private String message(Principal p, Action a) {
        try {
            authorizer.authorize(p, a);
            throw new AssertionError("allowed: " + p + " " + a);
        } catch (MultidbException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.FORBIDDEN);
            return e.getMessage();
        }
    }
}
