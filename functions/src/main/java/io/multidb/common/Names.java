package io.multidb.common;

import java.util.regex.Pattern;

/**
 * The one place where names from users are checked. Database and group names become file names and DynamoDB
 * keys, so only {@code ^[a-z0-9][a-z0-9-]{0,62}$} passes: no dots, slashes, upper case, unicode or NUL.
 */
public final class Names {
    public static final String RULE = "lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern ORG = NAME;

    private Names() {
    }

    public static String database(String name) {
        return check("database", name);
    }

    public static String group(String name) {
        return check("group", name);
    }

    public static String organization(String name) {
        return check("organization", name);
    }

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    private static String check(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw MultidbException.invalid(what + " name is required: use " + RULE);
        }
        if (!ORG.matcher(name).matches()) {
            throw MultidbException.invalid("invalid " + what + " name '" + printable(name) + "': use " + RULE);
        }
        return name;
    }

    /** Echo a rejected name without control characters, and not at any length. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 80 ? b + "…" : b.toString();
    }
}
