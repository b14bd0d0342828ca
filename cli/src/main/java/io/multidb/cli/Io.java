package io.multidb.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The process's streams and environment, passed in so tests run commands in process with their own.
 *
 * @param stdinTty  standard input is a terminal (the interactive shell, confirmation prompts)
 * @param stdoutTty standard output is a terminal (the live progress bar, colours)
 */
record Io(InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, boolean stdinTty,
          boolean stdoutTty) {

    static Io system() {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        return new Io(System.in, out, err, System.getenv(), tty("multidb.stdin.tty"), tty("multidb.stdout.tty"));
    }

    /** bin/multidb says which streams are terminals ({@code [ -t 0 ]}); else System.console() decides for both. */
    private static boolean tty(String property) {
        String v = System.getProperty(property);
        if (v != null) {
            return Boolean.parseBoolean(v);
        }
        return System.console() != null;
    }

    /** Terminal width: bin/multidb passes it (stty), else COLUMNS, else 80. */
    int columns() {
        for (String v : new String[] {System.getProperty("multidb.columns"), env.get("COLUMNS")}) {
            try {
                if (v != null && Integer.parseInt(v.strip()) > 0) {
                    return Integer.parseInt(v.strip());
                }
            } catch (NumberFormatException e) {
                // next source
            }
        }
        return 80;
    }
}
