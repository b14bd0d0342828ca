package io.multidb.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * SQLite's tokenizer rules (tokenize.c, sqlite3GetToken), so that what the sandbox looks at is what SQLite will
 * parse: where strings, quoted identifiers, blobs, comments and parameters begin and end, and therefore where a
 * statement ends. Whitespace and comments are dropped; every other token is kept with its position.
 *
 * <p>SQLite stops reading SQL text at a NUL character, and so does this tokenizer ({@link #end}).
 */
final class SqlTokenizer {

    enum Kind {
        /** An unquoted word: a keyword or an identifier. */
        WORD,
        /** "x", `x` or [x]: an identifier (SQLite may also read "x" as a string, never the other way). */
        QUOTED_ID,
        /** 'x': a string literal (SQLite reads it as an identifier where only an identifier fits). */
        STRING,
        BLOB,
        NUMBER,
        /** ?, ?NNN, :name, @name, $name, #name. */
        VARIABLE,
        SEMI,
        LP,
        RP,
        DOT,
        COMMA,
        OPERATOR,
        /** Something SQLite refuses (unterminated string, stray character): SQLite reports the error. */
        ILLEGAL
    }

    /**
     * @param text for WORD the word in upper case; for QUOTED_ID and STRING the unquoted content; for VARIABLE
     *             the parameter as written (":a", "?3"); otherwise null
     */
    record Token(Kind kind, int start, int end, String text) {

        boolean isWord(String upper) {
            return kind == Kind.WORD && text.equals(upper);
        }

        /** The name this token denotes where SQLite expects a name (lower case), or null if it is no name. */
        String name() {
            return switch (kind) {
                case WORD, QUOTED_ID, STRING -> asciiLower(text);
                default -> null;
            };
        }

        /** The identifier this token denotes where SQLite expects an identifier but not a string. */
        String identifier() {
            return kind == Kind.WORD || kind == Kind.QUOTED_ID ? asciiLower(text) : null;
        }
    }

    private SqlTokenizer() {
    }

    /** Where SQLite stops reading {@code sql}: at the first NUL character, or at its end. */
    static int end(String sql) {
        int nul = sql.indexOf('\0');
        return nul < 0 ? sql.length() : nul;
    }

    static List<Token> tokenize(String sql) {
        int n = end(sql);
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            switch (c) {
                case ' ', '\t', '\n', '\f', '\r', '\uFEFF' -> i++;
                case '-' -> {
                    if (at(sql, n, i + 1) == '-') {
                        int nl = sql.indexOf('\n', i + 2);
                        i = nl < 0 || nl > n ? n : nl;
                    } else if (at(sql, n, i + 1) == '>') {
                        int len = at(sql, n, i + 2) == '>' ? 3 : 2;
                        out.add(new Token(Kind.OPERATOR, i, i + len, null));
                        i += len;
                    } else {
                        i = op(out, i, 1);
                    }
                }
                case '/' -> {
                    if (at(sql, n, i + 1) == '*') {
                        int close = sql.indexOf("*/", i + 2);
                        i = close < 0 || close + 2 > n ? n : close + 2;
                    } else {
                        i = op(out, i, 1);
                    }
                }
                case '(' -> i = single(out, Kind.LP, i);
                case ')' -> i = single(out, Kind.RP, i);
                case ';' -> i = single(out, Kind.SEMI, i);
                case ',' -> i = single(out, Kind.COMMA, i);
                case '+', '*', '%', '~', '&' -> i = op(out, i, 1);
                case '=' -> i = op(out, i, at(sql, n, i + 1) == '=' ? 2 : 1);
                case '<' -> {
                    char d = at(sql, n, i + 1);
                    i = op(out, i, d == '=' || d == '>' || d == '<' ? 2 : 1);
                }
                case '>' -> {
                    char d = at(sql, n, i + 1);
                    i = op(out, i, d == '=' || d == '>' ? 2 : 1);
                }
                case '!' -> {
                    if (at(sql, n, i + 1) == '=') {
                        i = op(out, i, 2);
                    } else {
                        out.add(new Token(Kind.ILLEGAL, i, i + 1, null));
                        i++;
                    }
                }
                case '|' -> i = op(out, i, at(sql, n, i + 1) == '|' ? 2 : 1);
                case '\'', '"', '`' -> i = quoted(sql, n, i, c, out);
                case '[' -> {
                    int close = sql.indexOf(']', i + 1);
                    if (close < 0 || close >= n) {
                        out.add(new Token(Kind.ILLEGAL, i, n, null));
                        i = n;
                    } else {
                        out.add(new Token(Kind.QUOTED_ID, i, close + 1, sql.substring(i + 1, close)));
                        i = close + 1;
                    }
                }
                case '.' -> {
                    if (isDigit(at(sql, n, i + 1))) {
                        i = number(sql, n, i, out);
                    } else {
                        i = single(out, Kind.DOT, i);
                    }
                }
                case '?' -> {
                    int j = i + 1;
                    while (j < n && isDigit(sql.charAt(j))) {
                        j++;
                    }
                    out.add(new Token(Kind.VARIABLE, i, j, sql.substring(i, j)));
                    i = j;
                }
                case '$', '@', ':', '#' -> i = namedVariable(sql, n, i, out);
                default -> {
                    if (isDigit(c)) {
                        i = number(sql, n, i, out);
                    } else if ((c == 'x' || c == 'X') && at(sql, n, i + 1) == '\'') {
                        i = blob(sql, n, i, out);
                    } else if (isIdStart(c)) {
                        int j = i + 1;
                        while (j < n && isIdChar(sql.charAt(j))) {
                            j++;
                        }
                        out.add(new Token(Kind.WORD, i, j, asciiUpper(sql.substring(i, j))));
                        i = j;
                    } else {
                        out.add(new Token(Kind.ILLEGAL, i, i + 1, null));
                        i++;
                    }
                }
            }
        }
        return out;
    }

    private static char at(String s, int n, int i) {
        return i < n ? s.charAt(i) : '\0';
    }

    private static int single(List<Token> out, Kind kind, int i) {
        out.add(new Token(kind, i, i + 1, null));
        return i + 1;
    }

    private static int op(List<Token> out, int i, int len) {
        out.add(new Token(Kind.OPERATOR, i, i + len, null));
        return i + len;
    }

    private static int quoted(String sql, int n, int i, char delim, List<Token> out) {
        StringBuilder content = new StringBuilder();
        int j = i + 1;
        while (j < n) {
            char d = sql.charAt(j);
            if (d == delim) {
                if (j + 1 < n && sql.charAt(j + 1) == delim) {
                    content.append(delim);
                    j += 2;
                    continue;
                }
                out.add(new Token(delim == '\'' ? Kind.STRING : Kind.QUOTED_ID, i, j + 1, content.toString()));
                return j + 1;
            }
            content.append(d);
            j++;
        }
        // Unterminated: SQLite swallows the rest of the text into one illegal token.
        out.add(new Token(Kind.ILLEGAL, i, n, null));
        return n;
    }

    /** Digits, hex, decimals, exponents, underscores; a number running into letters is one illegal token. */
    private static int number(String sql, int n, int i, List<Token> out) {
        int j = i;
        boolean hex = sql.charAt(i) == '0' && (at(sql, n, i + 1) == 'x' || at(sql, n, i + 1) == 'X')
                && isHex(at(sql, n, i + 2));
        if (hex) {
            j = i + 2;
            while (j < n && (isHex(sql.charAt(j)) || sql.charAt(j) == '_')) {
                j++;
            }
        } else {
            while (j < n && (isDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                j++;
            }
            if (j < n && sql.charAt(j) == '.') {
                j++;
                while (j < n && (isDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                    j++;
                }
            }
            char e = at(sql, n, j);
            if ((e == 'e' || e == 'E') && (isDigit(at(sql, n, j + 1))
                    || ((at(sql, n, j + 1) == '+' || at(sql, n, j + 1) == '-') && isDigit(at(sql, n, j + 2))))) {
                j += 2;
                while (j < n && (isDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                    j++;
                }
            }
        }
        Kind kind = Kind.NUMBER;
        while (j < n && isIdChar(sql.charAt(j))) {
            kind = Kind.ILLEGAL;
            j++;
        }
        out.add(new Token(kind, i, j, null));
        return j;
    }

    private static int blob(String sql, int n, int i, List<Token> out) {
        int j = i + 2;
        while (j < n && isHex(sql.charAt(j))) {
            j++;
        }
        if (j < n && sql.charAt(j) == '\'' && (j - i - 2) % 2 == 0) {
            out.add(new Token(Kind.BLOB, i, j + 1, null));
            return j + 1;
        }
        while (j < n && sql.charAt(j) != '\'') {
            j++;
        }
        if (j < n) {
            j++;
        }
        out.add(new Token(Kind.ILLEGAL, i, j, null));
        return j;
    }

    /** :name, @name, $name, #name, including the Tcl forms SQLite accepts ($a::b, $a(anything-but-space)). */
    private static int namedVariable(String sql, int n, int i, List<Token> out) {
        int j = i + 1;
        int idChars = 0;
        Kind kind = Kind.VARIABLE;
        while (j < n) {
            char c = sql.charAt(j);
            if (isIdChar(c)) {
                idChars++;
                j++;
            } else if (c == '(' && idChars > 0) {
                do {
                    j++;
                } while (j < n && !isSpace(sql.charAt(j)) && sql.charAt(j) != ')');
                if (j < n && sql.charAt(j) == ')') {
                    j++;
                } else {
                    kind = Kind.ILLEGAL;
                }
                break;
            } else if (c == ':' && at(sql, n, j + 1) == ':') {
                j += 2;
            } else {
                break;
            }
        }
        if (idChars == 0) {
            kind = Kind.ILLEGAL;
        }
        out.add(new Token(kind, i, j, kind == Kind.VARIABLE ? sql.substring(i, j) : null));
        return j;
    }

    /**
     * SQLite folds case for ASCII letters only (keywords, pragma and function names): so must we, or a character
     * like U+017F (which Java upper-cases to 'S') would make a word SQLite does not know look like a keyword.
     */
    static String asciiUpper(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'a' && c[i] <= 'z') {
                c[i] -= 32;
            }
        }
        return new String(c);
    }

    static String asciiLower(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] += 32;
            }
        }
        return new String(c);
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** sqlite3Isspace, used by the Tcl variable form. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isIdStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    /** SQLite's IdChar: letters, digits, '_', '$' and every non-ASCII character. */
    private static boolean isIdChar(char c) {
        return isIdStart(c) || isDigit(c) || c == '$';
    }
}
