package io.multidb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command needs: the streams, the connection, JSON output. */
abstract class Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    Multidb root() {
        return (Multidb) spec.root().userObject();
    }

    Io io() {
        return root().io();
    }

    PrintWriter out() {
        return io().out();
    }

    Connection.Resolved connection() {
        return root().connection.resolve(io().env());
    }

    Api api() {
        return new Api(connection());
    }

    void printJson(JsonNode n) {
        try {
            out().println(Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asks on the terminal; without one, refuses (the user must pass --yes). */
    boolean confirm(String question, String flag) {
        if (!io().stdinTty()) {
            throw CliException.usage("no terminal to ask \"" + question + "\" on: pass " + flag + " to go ahead");
        }
        out().print(question + " [y/N] ");
        out().flush();
        try {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = io().in().read()) >= 0 && c != '\n') {
                b.append((char) c);
            }
            String answer = b.toString().strip().toLowerCase(java.util.Locale.ROOT);
            return answer.equals("y") || answer.equals("yes");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
