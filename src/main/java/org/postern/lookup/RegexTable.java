package org.postern.lookup;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code regexp:} (regexp_table(5)) and {@code pcre:} (pcre_table(5)) tables. Both have the same
 * structure: {@code /pattern/flags result}, {@code !/pattern/flags result}, nestable
 * {@code if /pattern/flags} ... {@code endif}; any non-blank character may replace {@code /} as
 * delimiter. The first matching pattern wins, and {@code $1}..{@code $9}, {@code ${n}},
 * {@code $(n)} in its result are replaced by the matched groups ({@code $$} is a literal
 * {@code $}). Keys are not case-folded: the pattern's flags decide.
 */
final class RegexTable {

    /** Which dialect: POSIX ERE (regexp:) or Perl (pcre:). */
    enum Dialect {
        REGEXP("imx"), PCRE("imsxAEUX");

        final String validFlags;

        Dialect(String validFlags) {
            this.validFlags = validFlags;
        }
    }

    /** One result template, pre-split into literal text and group references (negative = literal). */
    private record Template(List<Object> parts) {
        String expand(Matcher m) {
            StringBuilder sb = new StringBuilder();
            for (Object p : parts) {
                if (p instanceof Integer g) {
                    String s = m.group(g);
                    sb.append(s == null ? "" : s);
                } else {
                    sb.append((String) p);
                }
            }
            return sb.toString();
        }
    }

    private record Rule(Pattern pattern, boolean anchored, boolean negated, Template result, List<Rule> children) {
        Matcher matchOrNull(String key) {
            Matcher m = pattern.matcher(key);
            boolean hit = anchored ? m.lookingAt() : m.find();
            return hit != negated ? m : null;
        }
    }

    private RegexTable() {
    }

    static FileTable.Parser parser(Dialect dialect) {
        return (file, lines) -> parse(file, lines, dialect);
    }

    static FileTable.Content parse(Path file, List<SourceLines.Line> lines, Dialect dialect) throws TableConfigException {
        List<Rule> top = new ArrayList<>();
        Deque<List<Rule>> stack = new ArrayDeque<>();
        Deque<SourceLines.Line> openIfs = new ArrayDeque<>();
        List<Rule> current = top;
        for (SourceLines.Line line : lines) {
            String text = line.text();
            if (text.equalsIgnoreCase("endif")) {
                if (stack.isEmpty()) {
                    throw TableConfigException.at(file, line.number(), text, "endif without a matching if",
                            "remove it or add an \"if /pattern/\" line before it");
                }
                current = stack.pop();
                openIfs.pop();
                continue;
            }
            boolean isIf = text.length() > 2 && text.regionMatches(true, 0, "if", 0, 2)
                    && Character.isWhitespace(text.charAt(2));
            String body = isIf ? text.substring(2).strip() : text;
            Parsed p = pattern(file, line, body, dialect);
            String rest = body.substring(p.end).strip();
            if (isIf) {
                if (!rest.isEmpty()) {
                    throw TableConfigException.at(file, line.number(), text, "text after the if pattern",
                            "write \"if /pattern/flags\" alone on its line, the results go on the lines up to endif");
                }
                List<Rule> children = new ArrayList<>();
                current.add(new Rule(p.pattern, p.anchored, p.negated, null, children));
                stack.push(current);
                openIfs.push(line);
                current = children;
                continue;
            }
            if (rest.isEmpty()) {
                throw TableConfigException.at(file, line.number(), text, "pattern without a result",
                        "expected \"/pattern/flags result\", for example \"/^spam@/ REJECT\"");
            }
            Template t = template(file, line, rest, p.negated ? 0 : p.pattern.matcher("").groupCount());
            current.add(new Rule(p.pattern, p.anchored, p.negated, t, null));
        }
        if (!openIfs.isEmpty()) {
            SourceLines.Line open = openIfs.peek();
            throw TableConfigException.at(file, open.number(), open.text(), "if without a matching endif",
                    "add an \"endif\" line after the block");
        }
        return key -> Optional.ofNullable(match(top, key));
    }

    private static String match(List<Rule> rules, String key) {
        for (Rule r : rules) {
            Matcher m = r.matchOrNull(key);
            if (m == null) {
                continue;
            }
            if (r.children() == null) {
                return r.result().expand(m);
            }
            String inner = match(r.children(), key);
            if (inner != null) {
                return inner;
            }
        }
        return null;
    }

    private record Parsed(Pattern pattern, boolean anchored, boolean negated, int end) {
    }

    private static Parsed pattern(Path file, SourceLines.Line line, String body, Dialect dialect) throws TableConfigException {
        int i = 0;
        boolean negated = false;
        if (body.startsWith("!")) {
            negated = true;
            i = 1;
        }
        if (i >= body.length() || Character.isWhitespace(body.charAt(i)) || Character.isLetterOrDigit(body.charAt(i))) {
            throw TableConfigException.at(file, line.number(), line.text(), "expected a pattern",
                    "write /pattern/flags result, or use another delimiter such as %pattern%");
        }
        char delim = body.charAt(i);
        int start = i + 1;
        int j = start;
        // The pattern ends at the next delimiter not preceded by a backslash; the backslash stays in
        // the pattern, where it makes the delimiter character literal (regexp_table(5)).
        while (j < body.length() && body.charAt(j) != delim) {
            if (body.charAt(j) == '\\' && j + 1 < body.length()) {
                j++;
            }
            j++;
        }
        if (j >= body.length()) {
            throw TableConfigException.at(file, line.number(), line.text(), "missing closing " + delim,
                    "end the pattern with " + delim + " (write \\" + delim + " for a literal " + delim + ")");
        }
        String re = body.substring(start, j);
        int k = j + 1;
        while (k < body.length() && !Character.isWhitespace(body.charAt(k))) {
            k++;
        }
        String flags = body.substring(j + 1, k);
        boolean ci = true;
        boolean multi = false;
        boolean dotall = dialect == Dialect.PCRE; // pcre_table(5): s is on by default
        boolean extended = dialect == Dialect.REGEXP; // regexp_table(5): x (REG_EXTENDED) is on by default
        boolean anchored = false;
        boolean dollarEndOnly = false;
        boolean ungreedy = false;
        for (char f : flags.toCharArray()) {
            if (dialect.validFlags.indexOf(f) < 0) {
                throw TableConfigException.at(file, line.number(), line.text(), "unknown flag " + f,
                        "valid flags for " + dialect.name().toLowerCase() + ": tables are "
                                + String.join(" ", dialect.validFlags.split("")));
            }
            // Each flag toggles its setting (regexp_table(5), pcre_table(5)).
            switch (f) {
                case 'i' -> ci = !ci;
                case 'm' -> multi = !multi;
                case 's' -> dotall = !dotall;
                case 'x' -> extended = !extended;
                case 'A' -> anchored = !anchored;
                case 'E' -> dollarEndOnly = !dollarEndOnly;
                case 'U' -> ungreedy = !ungreedy;
                default -> { } // X (PCRE_EXTRA): Java already rejects unknown escapes
            }
        }
        int javaFlags = Pattern.UNIX_LINES | (ci ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0)
                | (multi ? Pattern.MULTILINE : 0);
        String javaRe;
        try {
            if (dialect == Dialect.REGEXP) {
                if (!extended) {
                    throw new RegexTranslator.Unsupported("the x flag switches to POSIX basic regular expressions,"
                            + " which Postern does not support; remove the x flag and write an extended expression");
                }
                // Without REG_NEWLINE (the m flag), "." also matches a newline; with it, it does not.
                javaFlags |= multi ? 0 : Pattern.DOTALL;
                javaRe = RegexTranslator.ere(re, multi);
            } else {
                javaFlags |= (dotall ? Pattern.DOTALL : 0) | (extended ? Pattern.COMMENTS : 0);
                javaRe = RegexTranslator.pcre(re, ungreedy, dollarEndOnly && !multi, extended);
            }
            return new Parsed(Pattern.compile(javaRe, javaFlags), anchored, negated, k);
        } catch (RegexTranslator.Unsupported e) {
            throw TableConfigException.at(file, line.number(), line.text(), "unsupported regular expression", e.getMessage());
        } catch (PatternSyntaxException e) {
            throw TableConfigException.at(file, line.number(), line.text(), "invalid regular expression",
                    e.getDescription() + " near index " + e.getIndex() + " of the pattern; fix the pattern");
        }
    }

    /** Parses $n, ${n}, $(n) and $$ in a result; checks n against the pattern's group count. */
    private static Template template(Path file, SourceLines.Line line, String result, int groups) throws TableConfigException {
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < result.length(); i++) {
            char c = result.charAt(i);
            if (c != '$') {
                lit.append(c);
                continue;
            }
            char n = i + 1 < result.length() ? result.charAt(i + 1) : 0;
            if (n == '$') {
                lit.append('$');
                i++;
                continue;
            }
            String digits;
            int end;
            if (n == '{' || n == '(') {
                int close = result.indexOf(n == '{' ? '}' : ')', i + 2);
                digits = close < 0 ? "" : result.substring(i + 2, close);
                end = close;
            } else {
                int j = i + 1;
                while (j < result.length() && Character.isDigit(result.charAt(j))) {
                    j++;
                }
                digits = result.substring(i + 1, j);
                end = j - 1;
            }
            if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
                throw TableConfigException.at(file, line.number(), line.text(), "bad $ substitution in the result",
                        "use $1..$9 or ${n} for a matched group, or $$ for a literal $");
            }
            int g = Integer.parseInt(digits);
            if (g > groups || g == 0) {
                throw TableConfigException.at(file, line.number(), line.text(), "$" + digits + " refers to a group the pattern does not have",
                        groups == 0 ? "this pattern has no groups (a !pattern never has any); remove the $ reference or write $$"
                                : "use $1..$" + groups);
            }
            if (!lit.isEmpty()) {
                parts.add(lit.toString());
                lit.setLength(0);
            }
            parts.add(g);
            i = end;
        }
        if (!lit.isEmpty()) {
            parts.add(lit.toString());
        }
        return new Template(parts);
    }
}
