package org.postern.lookup;

import java.util.Map;

/**
 * Translates the two regular expression dialects of Postfix tables into java.util.regex syntax:
 * POSIX extended regular expressions for {@code regexp:} (regexp_table(5), as compiled by the C
 * library's regcomp) and Perl-compatible ones for {@code pcre:} (pcre_table(5)). Java's syntax is
 * close to both; this class rewrites the places where they differ and rejects constructs Java
 * cannot express, with a message saying what to write instead.
 */
final class RegexTranslator {

    /** A construct that cannot be translated; the message says why and what would work. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message);
        }
    }

    private static final Map<String, String> POSIX_CLASSES = Map.ofEntries(
            Map.entry("alpha", "Alpha"), Map.entry("digit", "Digit"), Map.entry("alnum", "Alnum"),
            Map.entry("upper", "Upper"), Map.entry("lower", "Lower"), Map.entry("space", "Space"),
            Map.entry("blank", "Blank"), Map.entry("punct", "Punct"), Map.entry("print", "Print"),
            Map.entry("graph", "Graph"), Map.entry("cntrl", "Cntrl"), Map.entry("xdigit", "XDigit"),
            Map.entry("word", "Alnum_"));

    private RegexTranslator() {
    }

    // ---------------------------------------------------------------- POSIX ERE

    /**
     * POSIX ERE to Java. Differences handled: in a bracket expression a backslash is an ordinary
     * character, {@code ]} first is literal and {@code [:class:]} names a class; outside brackets
     * the GNU escapes {@code \w \W \s \S \b \B \< \>} and back-references work, other escaped
     * letters are rejected; without the {@code m} flag {@code $} matches only at the very end.
     */
    static String ere(String re, boolean multiline) throws Unsupported {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                if (i + 1 >= re.length()) {
                    throw new Unsupported("pattern ends with a backslash; escape it as \\\\");
                }
                char n = re.charAt(++i);
                if ("wWsSbB".indexOf(n) >= 0 || (n >= '1' && n <= '9')) {
                    out.append('\\').append(n);
                } else if (n == '<') {
                    out.append("\\b(?=\\w)");
                } else if (n == '>') {
                    out.append("\\b(?<=\\w)");
                } else if (Character.isLetterOrDigit(n)) {
                    throw new Unsupported("\\" + n + " is not a POSIX regular expression escape (the C library would"
                            + " match a plain \"" + n + "\"); use a bracket expression such as [0-9] or [[:digit:]],"
                            + " or use a pcre: table for Perl syntax");
                } else {
                    out.append('\\').append(n);
                }
            } else if (c == '[') {
                i = bracket(re, i, out, false);
            } else if (c == '$' && !multiline) {
                out.append("\\z");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- PCRE

    /**
     * Perl-compatible syntax to Java. Handled: {@code (?P<name>} and {@code (?'name'} groups,
     * {@code (?P=name)}, {@code \g} and {@code \k} back-references, {@code (?#...)} comments,
     * {@code [:class:]} in brackets, a literal {@code [} inside brackets, {@code {} that is not a
     * quantifier, the {@code U} (ungreedy) and {@code E} (dollar end only) flags. Rejected:
     * recursion, conditionals, branch reset, {@code \K}, backtracking verbs, callouts.
     */
    static String pcre(String re, boolean ungreedy, boolean dollarEndOnly, boolean extended) throws Unsupported {
        StringBuilder out = new StringBuilder();
        int n = re.length();
        for (int i = 0; i < n; i++) {
            char c = re.charAt(i);
            switch (c) {
                case '\\' -> i = pcreEscape(re, i, out);
                case '[' -> i = bracket(re, i, out, true);
                case '(' -> i = pcreGroup(re, i, out);
                case '$' -> out.append(dollarEndOnly ? "\\z" : "$");
                case '#' -> {
                    if (extended) {
                        // x flag: a comment to the end of the line; copy it so Java skips it too.
                        int end = re.indexOf('\n', i);
                        end = end < 0 ? n : end;
                        out.append(re, i, end);
                        i = end - 1;
                    } else {
                        out.append(c);
                    }
                }
                case '*', '+', '?' -> i = quantifierSuffix(re, i, out.append(c), ungreedy);
                case '{' -> {
                    int close = re.indexOf('}', i);
                    if (close > 0 && re.substring(i + 1, close).matches("[0-9]+(,[0-9]*)?")) {
                        out.append(re, i, close + 1);
                        i = quantifierSuffix(re, close, out, ungreedy);
                    } else {
                        // Perl takes a brace that does not start a quantifier literally; Java rejects it.
                        out.append("\\{");
                    }
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** After a quantifier: with U, swap greedy and lazy (a possessive + stays as it is). */
    private static int quantifierSuffix(String re, int i, StringBuilder out, boolean ungreedy) {
        if (!ungreedy) {
            return i;
        }
        char next = i + 1 < re.length() ? re.charAt(i + 1) : 0;
        if (next == '?') {
            return i + 1;
        }
        if (next != '+') {
            out.append('?');
        }
        return i;
    }

    private static int pcreEscape(String re, int i, StringBuilder out) throws Unsupported {
        if (i + 1 >= re.length()) {
            throw new Unsupported("pattern ends with a backslash; escape it as \\\\");
        }
        char n = re.charAt(i + 1);
        switch (n) {
            case 'Q' -> {
                int end = re.indexOf("\\E", i + 2);
                int stop = end < 0 ? re.length() : end + 2;
                out.append(re, i, stop);
                if (end < 0) {
                    out.append("\\E");
                }
                return stop - 1;
            }
            case 'K' -> throw new Unsupported("\\K (reset match start) is not supported; use a lookbehind (?<=...)");
            case 'C' -> throw new Unsupported("\\C (single code unit) is not supported; use . instead");
            case 'N' -> {
                if (i + 2 < re.length() && re.charAt(i + 2) == '{') {
                    out.append("\\N");
                } else {
                    out.append("[^\\n]");
                }
                return i + 1;
            }
            case 'g' -> {
                String rest = re.substring(i + 2);
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("^(?:\\{([0-9]+)\\}|([0-9]+)|\\{([A-Za-z_][A-Za-z0-9_]*)\\}|<([A-Za-z_][A-Za-z0-9_]*)>)")
                        .matcher(rest);
                if (!m.find()) {
                    throw new Unsupported("\\g" + rest.substring(0, Math.min(4, rest.length()))
                            + " (relative back-reference or subroutine call) is not supported; use \\1..\\9 or \\k<name>");
                }
                String num = m.group(1) != null ? m.group(1) : m.group(2);
                if (num != null) {
                    out.append('\\').append(num);
                } else {
                    out.append("\\k<").append(m.group(3) != null ? m.group(3) : m.group(4)).append('>');
                }
                return i + 1 + m.end();
            }
            case 'k' -> {
                char open = i + 2 < re.length() ? re.charAt(i + 2) : 0;
                char close = open == '{' ? '}' : open == '\'' ? '\'' : open == '<' ? '>' : 0;
                int end = close == 0 ? -1 : re.indexOf(close, i + 3);
                if (end < 0) {
                    throw new Unsupported("bad named back-reference; write \\k<name>");
                }
                out.append("\\k<").append(re, i + 3, end).append('>');
                return end;
            }
            default -> {
                out.append('\\').append(n);
                return i + 1;
            }
        }
    }

    private static int pcreGroup(String re, int i, StringBuilder out) throws Unsupported {
        String rest = re.substring(i);
        if (rest.startsWith("(*")) {
            throw new Unsupported("backtracking control verbs such as (*FAIL) are not supported");
        }
        if (!rest.startsWith("(?")) {
            out.append('(');
            return i;
        }
        if (rest.startsWith("(?#")) {
            int end = re.indexOf(')', i);
            if (end < 0) {
                throw new Unsupported("unterminated (?# comment; add \")\"");
            }
            return end;
        }
        if (rest.startsWith("(?P<")) {
            out.append("(?<");
            return i + 3;
        }
        if (rest.startsWith("(?'")) {
            int end = re.indexOf('\'', i + 3);
            if (end < 0) {
                throw new Unsupported("unterminated group name; write (?<name>...)");
            }
            out.append("(?<").append(re, i + 3, end).append('>');
            return end;
        }
        if (rest.startsWith("(?P=")) {
            int end = re.indexOf(')', i);
            if (end < 0) {
                throw new Unsupported("unterminated (?P=name); add \")\"");
            }
            out.append("\\k<").append(re, i + 4, end).append('>');
            return end;
        }
        if (rest.matches("(?s)^\\(\\?(R|[+-]?[0-9]|&|P>).*")) {
            throw new Unsupported("recursion and subroutine calls such as (?R) or (?1) are not supported");
        }
        if (rest.startsWith("(?(")) {
            throw new Unsupported("conditional groups (?(...)...) are not supported; use alternation");
        }
        if (rest.startsWith("(?|")) {
            throw new Unsupported("branch reset groups (?|...) are not supported; number the groups explicitly");
        }
        if (rest.startsWith("(?C")) {
            throw new Unsupported("callouts (?C...) are not supported");
        }
        java.util.regex.Matcher flags = java.util.regex.Pattern.compile("^\\(\\?\\^?([A-Za-z]*)(?:-([A-Za-z]*))?[:)]").matcher(rest);
        if (flags.find()) {
            String letters = flags.group(1) + (flags.group(2) == null ? "" : flags.group(2));
            for (char f : letters.toCharArray()) {
                if ("imsx".indexOf(f) < 0) {
                    throw new Unsupported("inline option (?" + f + ") is not supported; only i, m, s and x are");
                }
            }
        }
        out.append("(?");
        return i + 1;
    }

    // ---------------------------------------------------------------- brackets

    /**
     * Copies one bracket expression starting at {@code re[start] == '['} and returns the index of
     * its closing {@code ]}. Java treats {@code [} and {@code &&} inside a class specially, so both
     * are escaped; {@code [:name:]} becomes {@code \p{Name}}. In POSIX (perl == false) a backslash
     * is an ordinary character inside brackets.
     */
    private static int bracket(String re, int start, StringBuilder out, boolean perl) throws Unsupported {
        int i = start + 1;
        out.append('[');
        if (i < re.length() && re.charAt(i) == '^') {
            out.append('^');
            i++;
        }
        boolean first = true;
        for (; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == ']' && !first) {
                out.append(']');
                return i;
            }
            first = false;
            if (c == '[' && i + 1 < re.length() && ":.=".indexOf(re.charAt(i + 1)) >= 0) {
                char kind = re.charAt(i + 1);
                int end = re.indexOf(kind + "]", i + 2);
                if (end < 0) {
                    throw new Unsupported("unterminated [" + kind + " in a bracket expression; write e.g. [[:alpha:]]");
                }
                String name = re.substring(i + 2, end);
                if (kind != ':') {
                    throw new Unsupported("collating elements and equivalence classes ([." + name + ".], [=" + name
                            + "=]) are not supported; list the characters instead");
                }
                boolean negate = perl && name.startsWith("^");
                String javaName = POSIX_CLASSES.get(negate ? name.substring(1) : name);
                if (javaName == null) {
                    throw new Unsupported("unknown character class [:" + name + ":]; valid classes are "
                            + String.join(", ", new java.util.TreeSet<>(POSIX_CLASSES.keySet())));
                }
                out.append(javaName.equals("Alnum_") ? (negate ? "\\W" : "\\w")
                        : (negate ? "\\P{" : "\\p{") + javaName + "}");
                i = end + 1;
                continue;
            }
            if (c == '\\') {
                if (!perl) {
                    out.append("\\\\");
                } else if (i + 1 < re.length()) {
                    out.append(c).append(re.charAt(++i));
                }
                continue;
            }
            switch (c) {
                case '[', '&', '#' -> out.append('\\').append(c);
                case ' ' -> out.append("\\x20");
                case '\t' -> out.append("\\t");
                case '^' -> out.append("\\^");
                case ']' -> out.append("\\]");
                default -> out.append(c);
            }
        }
        throw new Unsupported("missing \"]\" at the end of a bracket expression; close it, or escape a literal [");
    }
}
