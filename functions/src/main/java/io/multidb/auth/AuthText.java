package io.multidb.auth;

/** Echoing client input in messages: quoted, without control characters, and never at any length. */
final class AuthText {
    private static final int MAX = 64;

    private AuthText() {
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(MAX).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        if (s.codePointCount(0, s.length()) > MAX) {
            b.append('…');
        }
        return b.append('\'').toString();
    }
}
