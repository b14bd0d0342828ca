package io.multidb.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.multidb.auth.Access;
import io.multidb.auth.Action;
import io.multidb.auth.Expiration;
import io.multidb.auth.Scope;
import io.multidb.common.MultidbException;
import io.multidb.databases.CreateDatabase;
import io.multidb.databases.Database;
import io.multidb.databases.DatabaseFilter;
import io.multidb.databases.Group;
import java.util.List;
import java.util.Set;

/** The Turso Platform API subset of ../shared/specs/platform-api.md: groups and databases. */
final class ControlPlane {
    /** Control-plane bodies are small records; anything bigger is a mistake. */
    static final int MAX_BODY = 64 * 1024;
    private static final Set<String> DATABASE_FIELDS = Set.of("name", "group", "is_schema", "schema");
    private static final Set<String> UNSUPPORTED_DATABASE_FIELDS = Set.of("seed", "group_id", "size_limit",
            "remote_encryption", "use_tursodb");

    private final Services services;
    private final MigrationsApi migrations;
    private final DriftApi drift;

    ControlPlane(Services services) {
        this.services = services;
        this.migrations = new MigrationsApi(services);
        this.drift = new DriftApi(services);
    }

    APIGatewayV2HTTPResponse handle(Request r) {
        List<String> s = r.segments();
        if (s.size() < 3 || !s.get(1).equals("organizations")) {
            throw notFound(r);
        }
        services.authorizer().authorize(r.bearerToken(), Action.ControlPlane.ANY);
        // The limit holds on every route, also those that ignore their body (tokens, rotate, GET, DELETE).
        r.limitBody(MAX_BODY);
        String org = s.get(2);
        if (!org.equals(services.org())) {
            throw MultidbException.notFound("organization '" + org + "' not found: this deployment serves '"
                    + services.org() + "'");
        }
        List<String> rest = s.subList(3, s.size());
        if (rest.isEmpty()) {
            throw notFound(r);
        }
        return switch (rest.get(0)) {
            case "groups" -> groups(r, org, rest.subList(1, rest.size()));
            case "databases" -> databases(r, org, rest.subList(1, rest.size()));
            default -> throw notFound(r);
        };
    }

    private APIGatewayV2HTTPResponse groups(Request r, String org, List<String> rest) {
        if (rest.isEmpty()) {
            return switch (r.method()) {
                case "GET" -> {
                    ArrayNode list = Json.MAPPER.createArrayNode();
                    services.databases().listGroups(org).forEach(g -> list.add(group(g)));
                    yield ok(Json.object().set("groups", list));
                }
                case "POST" -> {
                    ObjectNode body = body(r);
                    Group g = services.databases().createGroup(org, text(body, "name", true), text(body, "location", true));
                    yield ok(Json.object().set("group", group(g)));
                }
                default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, POST");
            };
        }
        if (rest.size() == 3 && rest.get(1).equals("auth")) {
            services.databases().getGroup(org, rest.get(0));
            return tokens(r, Scope.GROUP, rest.get(0), rest.get(2));
        }
        if (rest.size() == 1) {
            String name = rest.get(0);
            return switch (r.method()) {
                case "GET" -> ok(Json.object().set("group", group(services.databases().getGroup(org, name))));
                case "DELETE" -> {
                    Group deleted = services.databases().deleteGroup(org, name);
                    // A later group of the same name must not accept this one's tokens.
                    services.tokens().rotate(Scope.GROUP, name);
                    yield ok(Json.object().set("group", group(deleted)));
                }
                default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, DELETE");
            };
        }
        throw notFound(r);
    }

    private APIGatewayV2HTTPResponse databases(Request r, String org, List<String> rest) {
        if (rest.isEmpty()) {
            return switch (r.method()) {
                case "GET" -> {
                    if (DatabaseListing.paged(r.query())) {
                        yield ok(DatabaseListing.page(services, org, DatabaseListing.query(r, null), r));
                    }
                    String type = r.query().get("type");
                    if (type != null && !type.equals("schema")) {
                        throw MultidbException.invalid("'type' filter takes only 'schema'");
                    }
                    DatabaseFilter filter = new DatabaseFilter(emptyToNull(r.query().get("group")),
                            emptyToNull(r.query().get("schema")), "schema".equals(type));
                    ArrayNode list = Json.MAPPER.createArrayNode();
                    services.migrations().versions().resolveAll(org, services.databases().listDatabases(org, filter))
                            .forEach(d -> list.add(database(d, r)));
                    yield ok(Json.object().set("databases", list));
                }
                case "POST" -> {
                    ObjectNode body = body(r);
                    for (String f : UNSUPPORTED_DATABASE_FIELDS) {
                        if (body.has(f)) {
                            throw MultidbException.invalid("'" + f + "' is not supported by multidb; accepted fields: "
                                    + String.join(", ", DATABASE_FIELDS.stream().sorted().toList()));
                        }
                    }
                    JsonNode isSchema = body.get("is_schema");
                    if (isSchema != null && !isSchema.isBoolean() && !isSchema.isNull()) {
                        throw MultidbException.invalid("'is_schema' must be true or false");
                    }
                    CreateDatabase cmd = new CreateDatabase(text(body, "name", true), text(body, "group", true),
                            isSchema != null && isSchema.asBoolean(), text(body, "schema", false));
                    Database d = services.databases().createDatabase(org, cmd);
                    ObjectNode created = Json.object();
                    created.put("DbId", d.id());
                    created.put("Hostname", hostname(d, r));
                    created.put("Name", d.name());
                    created.put("url", url(d, r));
                    yield ok(Json.object().set("database", created));
                }
                default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, POST");
            };
        }
        if (rest.size() >= 2 && rest.get(1).equals("migrations")) {
            return migrations.control(r, org, rest.get(0), rest.subList(2, rest.size()));
        }
        if (rest.size() == 3 && rest.get(1).equals("drift") && rest.get(2).equals("repair")) {
            return migrations.repair(r, org, rest.get(0));
        }
        if (rest.size() == 2 && rest.get(1).equals("drift")) {
            return drift.handle(r, org, rest.get(0));
        }
        if (rest.size() == 3 && rest.get(1).equals("auth")) {
            services.databases().getDatabase(org, rest.get(0));
            return tokens(r, Scope.DATABASE, rest.get(0), rest.get(2));
        }
        if (rest.size() == 1) {
            String name = rest.get(0);
            return switch (r.method()) {
                case "GET" -> ok(Json.object().set("database",
                        database(services.migrations().withVersion(org, services.databases().getDatabase(org, name)), r)));
                case "DELETE" -> {
                    String deleted = services.databases().deleteDatabase(org, name).name();
                    // A later database of the same name must not accept this one's tokens.
                    services.tokens().rotate(Scope.DATABASE, name);
                    yield ok(Json.object().put("database", deleted));
                }
                default -> throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "GET, DELETE");
            };
        }
        throw notFound(r);
    }

    /** POST .../auth/tokens?expiration=&authorization= → {"jwt"}; POST .../auth/rotate → {}. */
    private APIGatewayV2HTTPResponse tokens(Request r, Scope scope, String name, String op) {
        if (!r.method().equals("POST")) {
            throw new Responses.MethodNotAllowed(r.method(), r.rawPath(), "POST");
        }
        return switch (op) {
            case "tokens" -> ok(Json.object().put("jwt", services.tokens().issue(scope, name,
                    Expiration.parse(r.query().get("expiration")), Access.parse(r.query().get("authorization")))));
            case "rotate" -> {
                services.tokens().rotate(scope, name);
                yield ok(Json.object());
            }
            default -> throw notFound(r);
        };
    }

    private static ObjectNode body(Request r) {
        r.requireJsonBody(MAX_BODY);
        return Json.parseObject(r.body());
    }

    private static String text(ObjectNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw MultidbException.invalid("'" + field + "' is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw MultidbException.invalid("'" + field + "' must be a string");
        }
        return n.asText();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static ObjectNode group(Group g) {
        ObjectNode n = Json.object();
        n.put("name", g.name());
        n.putArray("locations").add(g.location());
        n.put("primary", g.location());
        n.put("archived", false);
        n.put("created_at", g.createdAt().toString());
        return n;
    }

    static ObjectNode database(Database d, Request r) {
        ObjectNode n = Json.object();
        n.put("Name", d.name());
        n.put("DbId", d.id());
        n.put("Hostname", hostname(d, r));
        n.put("group", d.group());
        n.put("is_schema", d.isSchema());
        if (d.parent() != null) {
            n.put("schema", d.parent());
        } else {
            n.putNull("schema");
        }
        n.put("type", d.isSchema() ? "schema" : "logical");
        n.put("kind", d.kind().wire());
        n.put("block_reads", false);
        n.put("block_writes", d.blockWrites());
        n.put("allow_attach", false);
        n.put("sleeping", false);
        n.put("archived", false);
        n.put("version", "multidb");
        n.putArray("regions");
        n.putNull("primaryRegion");
        n.put("url", url(d, r));
        n.put("schema_version", d.schemaVersion());
        if (d.isChild()) {
            // A child a quarantining job left at its old version says so, with why (its SQLite error).
            n.put("schema_status", d.behind() == null ? "current" : "behind");
            if (d.behind() != null) {
                n.putObject("behind").put("schema_version", d.behind().version()).put("job_id", d.behind().jobId())
                        .put("error", d.behind().error());
            }
        }
        if (d.migrationJob() != null) {
            n.put("migration_job", d.migrationJob());
        } else {
            n.putNull("migration_job");
        }
        n.put("created_at", d.createdAt().toString());
        return n;
    }

    /** Host and path of the database's data plane; {@code url} adds the scheme and the trailing slash clients need. */
    private static String hostname(Database d, Request r) {
        String base = r.baseUrl();
        return base.substring(base.indexOf("://") + 3) + "/db/" + d.name();
    }

    private static String url(Database d, Request r) {
        return r.baseUrl() + "/db/" + d.name() + "/";
    }

    private static APIGatewayV2HTTPResponse ok(ObjectNode body) {
        return Responses.json(200, body);
    }

    private static MultidbException notFound(Request r) {
        return MultidbException.notFound("no such route: " + r.method() + " " + r.rawPath());
    }
}
