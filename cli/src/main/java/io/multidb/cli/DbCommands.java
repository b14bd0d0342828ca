package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "db",
        description = "Databases: standard ones, schema databases (parents) and their children.",
        subcommands = {DbCommands.Create.class, DbCommands.List.class, DbCommands.Show.class, DbCommands.Destroy.class,
                DbCommands.TokenCommands.class, ShellCommand.class},
        footer = {"", "Example:", "  multidb db create app --group default --type schema",
                "  multidb db create acme --group default --schema app", "  multidb db list --schema app"})
final class DbCommands extends Container {

    @Command(name = "create",
            description = "Create a database: standard, a schema database (--type schema) or a child of one (--schema).",
            footer = {"", "Examples:", "  multidb db create app --group default --type schema",
                    "  multidb db create acme --group default --schema app"})
    static final class Create extends Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "lower-case letters, digits and -")
        String name;

        @Option(names = {"-g", "--group"}, required = true, paramLabel = "GROUP", description = "the group it lives in")
        String group;

        @ArgGroup(exclusive = true)
        Kind kind;

        static final class Kind {
            @Option(names = "--type", paramLabel = "schema",
                    description = "'schema': a schema database, whose changes reach every child as a migration")
            String type;

            @Option(names = "--schema", paramLabel = "PARENT",
                    description = "a child of this schema database: starts as a copy of its schema and rows")
            String parent;
        }

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            ObjectNode body = Api.object().put("name", name).put("group", group);
            if (kind != null && kind.type != null) {
                if (!kind.type.equals("schema")) {
                    throw CliException.usage("--type takes only 'schema' (got '" + kind.type + "')");
                }
                body.put("is_schema", true);
            }
            if (kind != null && kind.parent != null) {
                body.put("schema", kind.parent);
            }
            Api api = api();
            JsonNode r = api.post(api.org("/databases"), body);
            if (json) {
                printJson(r);
                return 0;
            }
            String what = kind == null ? "database" : kind.type != null ? "schema database" : "child of " + kind.parent;
            out().println("created " + what + " " + name + " in group " + group);
            out().println("  url: " + r.path("database").path("url").asText());
            return 0;
        }
    }

    @Command(name = "list", description = "List databases.",
            footer = {"", "Examples:", "  multidb db list", "  multidb db list --schema app --json"})
    static final class List extends Base {
        @Option(names = "--schema", paramLabel = "PARENT", description = "only the children of this schema database")
        String schema;

        @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "only the databases of this group")
        String group;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            JsonNode r = api.get(api.org("/databases" + Api.query(Api.params("schema", schema, "group", group))));
            if (json) {
                printJson(r);
                return 0;
            }
            Table t = Table.of("NAME", "KIND", "GROUP", "PARENT", "VERSION", "STATE");
            r.path("databases").forEach(d -> t.row(d.path("Name").asText(), d.path("kind").asText(),
                    d.path("group").asText(), d.path("schema").isTextual() ? d.path("schema").asText() : "-",
                    d.path("schema_version").asText(), state(d)));
            if (t.size() == 0) {
                out().println(schema != null || group != null ? "no databases match" : "no databases yet: multidb db create NAME --group G");
            } else {
                t.printPlain(out());
                behindNotes(r.path("databases"), out());
            }
            return 0;
        }
    }

    /** Under a listing: each behind child with the job that left it and why, and how to bring them forward. */
    static void behindNotes(JsonNode databases, java.io.PrintWriter o) {
        java.util.Map<String, java.util.List<String>> byParent = new java.util.TreeMap<>();
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (JsonNode d : databases) {
            JsonNode b = d.path("behind");
            if (d.path("schema_status").asText().equals("behind") && b.isObject()) {
                lines.add("  " + d.path("Name").asText() + " (left at version " + b.path("schema_version").asText()
                        + " by job " + b.path("job_id").asText() + "): " + b.path("error").asText());
                byParent.computeIfAbsent(d.path("schema").asText(), k -> new java.util.ArrayList<>()).add(d.path("Name").asText());
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        o.println();
        o.println(lines.size() + " behind " + (lines.size() == 1 ? "child" : "children") + " (a migration failed on them; "
                + "they serve on their old schema):");
        lines.forEach(o::println);
        byParent.keySet().forEach(p -> o.println("  once fixed, bring them forward: multidb drift repair " + p));
    }

    static String state(JsonNode d) {
        if (d.path("schema_status").asText().equals("behind")) {
            return "behind (at v" + d.path("behind").path("schema_version").asText() + ")"
                    + (d.path("migration_job").isTextual() ? ", migrating" : "");
        }
        if (d.path("migration_job").isTextual()) {
            return "migrating (" + d.path("migration_job").asText() + ")";
        }
        return d.path("block_writes").asBoolean() ? "writes blocked" : "ok";
    }

    @Command(name = "show",
            description = "Show a database: kind, parent, schema version, URL, size, children.",
            footer = {"", "Example:", "  multidb db show app"})
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            JsonNode d = api.get(api.org("/databases/" + Api.enc(name))).path("database");
            ObjectNode shown = d.deepCopy();
            boolean schema = d.path("is_schema").asBoolean();
            if (schema) {
                JsonNode children = api.get(api.org("/databases" + Api.query(Api.params("schema", name))));
                shown.put("children", children.path("databases").size());
            }
            Long size = size(api, name);
            if (size != null) {
                shown.put("size_bytes", size);
            } else {
                shown.putNull("size_bytes");
            }
            if (json) {
                printJson(shown);
                return 0;
            }
            var o = out();
            o.println("name:           " + d.path("Name").asText());
            o.println("kind:           " + d.path("kind").asText());
            o.println("group:          " + d.path("group").asText());
            if (d.path("schema").isTextual()) {
                o.println("parent:         " + d.path("schema").asText());
            }
            o.println("schema version: " + d.path("schema_version").asText());
            if (d.path("schema_status").isTextual()) {
                JsonNode b = d.path("behind");
                o.println("schema status:  " + (b.isObject() ? "behind: job " + b.path("job_id").asText()
                        + " failed here and left it at version " + b.path("schema_version").asText()
                        : d.path("schema_status").asText()));
                if (b.isObject()) {
                    o.println("  error:        " + b.path("error").asText());
                    o.println("  once fixed:   multidb drift repair " + d.path("schema").asText() + " --children "
                            + d.path("Name").asText());
                }
            }
            if (schema) {
                o.println("children:       " + shown.path("children").asInt());
            }
            o.println("url:            " + d.path("url").asText());
            o.println("size:           " + (size == null ? "unknown (this token cannot read it)" : human(size)));
            o.println("state:          " + state(d));
            o.println("created:        " + d.path("created_at").asText());
            return 0;
        }

        /** The file's size, read with SQL (page_count × page_size); null if the token may not read it. */
        static Long size(Api api, String name) {
            try (SqlSession s = new SqlSession(api, name)) {
                if (s.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
                        instanceof SqlSession.Rows r && !r.values().isEmpty()) {
                    return Long.parseLong(SqlSession.display(r.values().get(0).get(0), "0"));
                }
            } catch (CliException | NumberFormatException e) {
                return null;
            }
            return null;
        }

        static String human(long bytes) {
            if (bytes < 1024) {
                return bytes + " B";
            }
            String[] units = {"KiB", "MiB", "GiB", "TiB"};
            double v = bytes;
            int u = -1;
            while (v >= 1024 && u < units.length - 1) {
                v /= 1024;
                u++;
            }
            return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
        }
    }

    @Command(name = "destroy",
            description = "Destroy a database and its data (asks first). The server refuses a schema database that "
                    + "still has children, and any database of a family being migrated.",
            footer = {"", "Example:", "  multidb db destroy acme --yes"})
    static final class Destroy extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-y", "--yes"}, description = "do not ask")
        boolean yes;

        @Override
        public Integer call() {
            if (!yes && !confirm("Destroy database '" + name + "' and all its data?", "--yes")) {
                out().println("nothing destroyed");
                return CliException.FAILED;
            }
            Api api = api();
            api.delete(api.org("/databases/" + Api.enc(name)));
            out().println("destroyed database " + name);
            return 0;
        }
    }

    @Command(name = "tokens", description = "Tokens for one database.",
            subcommands = {TokenCommands.Create.class, TokenCommands.Invalidate.class},
            footer = {"", "Example:", "  multidb db tokens create acme --expiration 2w --read-only"})
    static final class TokenCommands extends Container {
        @Command(name = "create", description = "Issue a database token (prints the JWT).",
                footer = {"", "Example:", "  multidb db tokens create acme --expiration 2w --read-only"})
        static final class Create extends Tokens.Create {
            @Override
            String collection() {
                return "databases";
            }
        }

        @Command(name = "invalidate",
                description = "Invalidate every token issued so far for the database.",
                footer = {"", "Example:", "  multidb db tokens invalidate acme --yes"})
        static final class Invalidate extends Tokens.Invalidate {
            @Override
            String collection() {
                return "databases";
            }
        }
    }
}
