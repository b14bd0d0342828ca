package io.multidb.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Rows printed as an aligned text table (the human default), as CSV, or (elsewhere) as JSON. */
final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    Table(List<String> header) {
        this.header = List.copyOf(header);
    }

    static Table of(String... header) {
        return new Table(List.of(header));
    }

    Table row(Object... cells) {
        List<String> r = new ArrayList<>(cells.length);
        for (Object c : cells) {
            r.add(c == null ? "" : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    Table row(List<String> cells) {
        rows.add(cells);
        return this;
    }

    int size() {
        return rows.size();
    }

    /** Plain columns separated by two spaces (listings). */
    void printPlain(PrintWriter out) {
        int[] w = widths();
        out.println(line(header, w, "  ").stripTrailing());
        for (List<String> r : rows) {
            out.println(line(r, w, "  ").stripTrailing());
        }
    }

    /** A boxed table (query results), as sqlite3's .mode table draws it. */
    void printBoxed(PrintWriter out) {
        int[] w = widths();
        StringBuilder rule = new StringBuilder("+");
        for (int x : w) {
            rule.append("-".repeat(x + 2)).append('+');
        }
        out.println(rule);
        out.println("| " + line(header, w, " | ") + " |");
        out.println(rule);
        for (List<String> r : rows) {
            out.println("| " + line(r, w, " | ") + " |");
        }
        out.println(rule);
    }

    void printCsv(PrintWriter out) {
        out.println(csv(header));
        for (List<String> r : rows) {
            out.println(csv(r));
        }
    }

    private int[] widths() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = width(header.get(i));
        }
        for (List<String> r : rows) {
            for (int i = 0; i < w.length && i < r.size(); i++) {
                w[i] = Math.max(w[i], width(r.get(i)));
            }
        }
        return w;
    }

    private static String line(List<String> cells, int[] w, String sep) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            if (i > 0) {
                b.append(sep);
            }
            String c = i < cells.size() ? oneLine(cells.get(i)) : "";
            b.append(c).append(" ".repeat(Math.max(0, w[i] - width(c))));
        }
        return b.toString();
    }

    /** Newlines and tabs inside a cell would break the alignment: shown escaped. */
    static String oneLine(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\t') < 0 ? s
                : s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
    }

    private static int width(String s) {
        return oneLine(s).codePointCount(0, oneLine(s).length());
    }

    private static String csv(List<String> cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            String c = cells.get(i);
            if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
                b.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
