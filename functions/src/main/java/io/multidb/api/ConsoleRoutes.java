package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.auth.Action;
import io.multidb.auth.Principal;
import io.multidb.common.ErrorKind;
import io.multidb.common.MultidbException;
import java.util.List;
import java.util.Map;

/**
 * The web console under {@code /console}: its static files (no token needed: they hold no data), and two reads the
 * page needs beyond the Platform API, authorized like everything else:
 * <ul>
 *   <li>{@code GET /console/api/session}: who the token speaks for, so the page shows only what it may do
 *       (the API still decides every request);</li>
 *   <li>{@code GET /console/api/databases?group=&schema=&type=&search=&limit=&cursor=}: the paged database list
 *       for the admin token and for a group token, restricted to that token's group (the Platform API's list takes
 *       the admin token only).</li>
 * </ul>
 */
final class ConsoleRoutes {
    private final Services services;
    private final ConsoleAssets assets = new ConsoleAssets();

    ConsoleRoutes(Services services) {
        this.services = services;
    }

    /** segments: the request's, starting with "console". */
    APIGatewayV2HTTPResponse handle(Request r, List<String> s) {
        if (s.size() >= 2 && s.get(1).equals("api")) {
            return api(r, s.subList(2, s.size()));
        }
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
        }
        if (s.size() == 1) {
            // To a URL under /console/ so that the page's relative links resolve; relative, so that it holds behind a
            // stage or a path mapping too.
            return APIGatewayV2HTTPResponse.builder().withStatusCode(308)
                    .withHeaders(Map.of("location", "console/index.html", "content-type", "text/plain")).withBody("").build();
        }
        if (s.size() == 2) {
            return assets.serve(s.get(1).isEmpty() ? "index.html" : s.get(1));
        }
        throw MultidbException.notFound("no such console file: " + r.rawPath());
    }

    private APIGatewayV2HTTPResponse api(Request r, List<String> rest) {
        if (!r.method().equals("GET")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET");
        }
        Principal p = services.authorizer().authenticate(r.bearerToken());
        if (rest.size() == 1 && rest.get(0).equals("session")) {
            return Responses.json(200, session(p));
        }
        if (rest.size() == 1 && rest.get(0).equals("databases")) {
            String group = switch (p) {
                case Principal.Admin a -> null;
                case Principal.GroupPrincipal g -> g.group();
                case Principal.DatabasePrincipal d -> throw new MultidbException(ErrorKind.FORBIDDEN,
                        "forbidden: the database list takes the admin token or a group token; this token is for"
                                + " database '" + d.database() + "' only");
            };
            if (group == null) {
                services.authorizer().authorize(p, Action.ControlPlane.ANY);
            }
            return Responses.json(200, DatabaseListing.page(services, services.org(), DatabaseListing.query(r, group), r));
        }
        throw MultidbException.notFound("no such route: " + r.method() + " " + r.rawPath());
    }

    private ObjectNode session(Principal p) {
        ObjectNode out = Json.object();
        out.put("org", services.org());
        out.put("read_only", p.readOnly());
        // Starting, retrying, aborting and unlocking migrations are control-plane routes: the admin token's.
        out.put("can_manage_migrations", p instanceof Principal.Admin);
        switch (p) {
            case Principal.Admin a -> out.put("kind", "admin").putNull("group").putNull("database");
            case Principal.GroupPrincipal g -> out.put("kind", "group").put("group", g.group()).putNull("database");
            case Principal.DatabasePrincipal d -> out.put("kind", "database").putNull("group").put("database", d.database());
        }
        return out;
    }
}
