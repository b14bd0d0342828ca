package io.multidb.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run alone, it is a usage error naming them. */
abstract class Container implements Runnable {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a subcommand of '" + spec.qualifiedName() + "': "
                + String.join(", ", spec.subcommands().keySet()) + " (--help says more)");
    }
}
