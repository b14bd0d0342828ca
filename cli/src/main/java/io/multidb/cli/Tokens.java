package io.multidb.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Token commands, shared by databases and groups: {@code .../{kind}/{name}/auth/tokens|rotate}. */
final class Tokens {
    private Tokens() {
    }

    abstract static class Create extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-e", "--expiration"}, paramLabel = "DURATION",
                description = "how long the token lives: never (default) or e.g. 2w, 1d12h, 30m")
        String expiration;

        @Option(names = {"-r", "--read-only"}, description = "reads only (writes fail with READONLY_TOKEN)")
        boolean readOnly;

        @Option(names = "--json", description = "print JSON ({\"jwt\": ...})")
        boolean json;

        abstract String collection();

        @Override
        public Integer call() {
            Api api = api();
            var r = api.post(api.org("/" + collection() + "/" + Api.enc(name) + "/auth/tokens"
                    + Api.query(Api.params("expiration", expiration, "authorization", readOnly ? "read-only" : null))), null);
            if (json) {
                printJson(r);
            } else {
                out().println(r.path("jwt").asText());
            }
            return 0;
        }
    }

    abstract static class Invalidate extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-y", "--yes"}, description = "do not ask")
        boolean yes;

        abstract String collection();

        @Override
        public Integer call() {
            String what = collection().equals("groups") ? "group" : "database";
            if (!yes && !confirm("Invalidate every token issued so far for " + what + " '" + name + "'?", "--yes")) {
                out().println("nothing invalidated");
                return CliException.FAILED;
            }
            Api api = api();
            api.post(api.org("/" + collection() + "/" + Api.enc(name) + "/auth/rotate"), null);
            out().println("every earlier token of " + what + " '" + name
                    + "' is invalid now (honoured everywhere within 5 s); new ones work at once");
            return 0;
        }
    }
}
