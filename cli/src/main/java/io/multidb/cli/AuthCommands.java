package io.multidb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "auth", description = "Which server and token the client uses.",
        subcommands = {AuthCommands.Whoami.class},
        footer = {"", "Example:", "  multidb auth whoami"})
final class AuthCommands extends Container {

    @Command(name = "whoami",
            description = "Say where the client points and with which kind of token, and check both.",
            footer = {"", "Example:", "  MULTIDB_URL=https://abc.execute-api.eu-west-1.amazonaws.com multidb auth whoami"})
    static final class Whoami extends Base {
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Connection.Resolved c = connection();
            ObjectNode info = Api.object().put("url", c.url()).put("organization", c.org())
                    .put("token_source", c.tokenSource());
            JsonNode claims = c.token() == null ? null : claims(c.token());
            String kind;
            if (c.token() == null) {
                kind = "none";
            } else if (claims == null) {
                kind = "admin (platform token)";
            } else {
                kind = claims.path("scope").asText("?") + " token for '" + claims.path("name").asText("?") + "', "
                        + claims.path("access").asText("full-access")
                        + (claims.has("exp") ? ", expires " + Instant.ofEpochSecond(claims.path("exp").asLong()) : ", never expires");
            }
            info.put("token", kind);
            // Check: the admin token can list groups; any other token is checked where it is used.
            String check;
            Api api = new Api(c);
            if (c.token() == null) {
                check = "no token: pass --token or MULTIDB_TOKEN, or --data-dir of the local runtime";
            } else if (claims == null) {
                api.get(api.org("/groups"));
                check = "the server accepts this admin token";
            } else {
                api.get("/health");
                check = "the server answers (a " + claims.path("scope").asText() + " token is checked when it is used)";
            }
            info.put("check", check);
            if (json) {
                printJson(info);
            } else {
                out().println("url:          " + c.url());
                out().println("organization: " + c.org());
                out().println("token:        " + kind);
                out().println("token from:   " + c.tokenSource());
                out().println("check:        " + check);
            }
            return c.token() == null ? CliException.FAILED : 0;
        }

        /** The claims of a JWT (read, not verified: the server verifies), or null for the opaque admin token. */
        static JsonNode claims(String token) {
            String[] parts = token.split("\\.");
            if (parts.length != 3) {
                return null;
            }
            try {
                return Api.JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            } catch (Exception e) {
                return null;
            }
        }
    }
}
