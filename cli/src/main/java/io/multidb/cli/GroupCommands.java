package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "group", description = "Groups: containers of databases (a family lives in one group).",
        subcommands = {GroupCommands.Create.class, GroupCommands.List.class, GroupCommands.Destroy.class,
                GroupCommands.TokenCommands.class},
        footer = {"", "Example:", "  multidb group create default", "  multidb group list"})
final class GroupCommands extends Container {

    @Command(name = "create", description = "Create a group.",
            footer = {"", "Example:", "  multidb group create default --location eu-west-1"})
    static final class Create extends Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "lower-case letters, digits and -")
        String name;

        @Option(names = "--location", paramLabel = "LOCATION",
                description = "free text, e.g. an AWS region (default: $AWS_REGION, else local)")
        String location;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            String loc = location != null ? location : io().env().getOrDefault("AWS_REGION", "local");
            JsonNode r = api.post(api.org("/groups"), Api.object().put("name", name).put("location", loc));
            if (json) {
                printJson(r);
            } else {
                out().println("created group " + name + " (" + loc + ")");
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the groups.",
            footer = {"", "Example:", "  multidb group list --json"})
    static final class List extends Base {
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Api api = api();
            JsonNode r = api.get(api.org("/groups"));
            if (json) {
                printJson(r);
                return 0;
            }
            Table t = Table.of("NAME", "LOCATION", "CREATED");
            r.path("groups").forEach(g -> t.row(g.path("name").asText(), g.path("primary").asText(),
                    g.path("created_at").asText()));
            if (t.size() == 0) {
                out().println("no groups yet: multidb group create NAME");
            } else {
                t.printPlain(out());
            }
            return 0;
        }
    }

    @Command(name = "destroy",
            description = "Destroy an empty group (the server refuses while it holds databases).",
            footer = {"", "Example:", "  multidb group destroy old --yes"})
    static final class Destroy extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-y", "--yes"}, description = "do not ask")
        boolean yes;

        @Override
        public Integer call() {
            if (!yes && !confirm("Destroy group '" + name + "'?", "--yes")) {
                out().println("nothing destroyed");
                return CliException.FAILED;
            }
            Api api = api();
            api.delete(api.org("/groups/" + Api.enc(name)));
            out().println("destroyed group " + name);
            return 0;
        }
    }

    @Command(name = "tokens", description = "Tokens for every database of a group.",
            subcommands = {TokenCommands.Create.class, TokenCommands.Invalidate.class},
            footer = {"", "Example:", "  multidb group tokens create default --expiration 2w --read-only"})
    static final class TokenCommands extends Container {
        @Command(name = "create", description = "Issue a group token (prints the JWT).",
                footer = {"", "Example:", "  multidb group tokens create default --expiration 2w --read-only"})
        static final class Create extends Tokens.Create {
            @Override
            String collection() {
                return "groups";
            }
        }

        @Command(name = "invalidate",
                description = "Invalidate every token issued so far for the group.",
                footer = {"", "Example:", "  multidb group tokens invalidate default --yes"})
        static final class Invalidate extends Tokens.Invalidate {
            @Override
            String collection() {
                return "groups";
            }
        }
    }
}
