package org.postern.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A parsed macro-string (RFC 7208 section 7.1): literal text and {@code %{...}} expansions.
 * Parsing checks the syntax once, when the record is read, so that a bad macro anywhere in a
 * record is a {@code permerror} (section 4.6) even if that term is never evaluated.
 */
final class MacroString {

    /** Letters allowed everywhere (7.2). */
    private static final String LETTERS = "slodiphv";
    /** Letters allowed only in explanation text (7.2: "c", "r" and "t"). */
    private static final String EXP_ONLY_LETTERS = "crt";
    /** delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" (7.1). */
    private static final String DELIMITERS = ".-+,/_=";

    /** toplabel (7.1), greedy alternatives so that {@code xn--zckzah} matches. */
    private static final Pattern TOPLABEL = Pattern.compile(
            "[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    sealed interface Part permits Literal, Expand {}

    record Literal(String text) implements Part {}

    /**
     * {@code %{letter digits r delimiters}}.
     *
     * @param digits 0 when absent (use all parts)
     */
    record Expand(char letter, boolean upper, int digits, boolean reverse, String delimiters) implements Part {}

    private final String text;
    private final List<Part> parts;
    private final boolean endsInMacro;

    private MacroString(String text, List<Part> parts, boolean endsInMacro) {
        this.text = text;
        this.parts = parts;
        this.endsInMacro = endsInMacro;
    }

    List<Part> parts() {
        return parts;
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * Parses a domain-spec (7.1): {@code macro-string domain-end}, where domain-end is a macro or
     * {@code "." toplabel ["."]}; literals must be visible ASCII other than {@code %}.
     */
    static MacroString domainSpec(String text) throws SpfSyntaxException {
        if (text.isEmpty()) {
            throw new SpfSyntaxException("empty domain-spec");
        }
        MacroString m = parse(text, false);
        Part last = m.parts.getLast();
        if (!m.endsInMacro) {
            String literal = ((Literal) last).text();
            if (literal.endsWith(".")) {
                literal = literal.substring(0, literal.length() - 1);
            }
            int dot = literal.lastIndexOf('.');
            if (dot < 0 || !TOPLABEL.matcher(literal.substring(dot + 1)).matches()) {
                throw new SpfSyntaxException("'" + text + "' does not end in a valid top-level label (RFC 7208 section 7.1)");
            }
        }
        return m;
    }

    /** Parses an explain-string (6.2): macro-strings and spaces, "c", "r", "t" allowed. */
    static MacroString explanation(String text) throws SpfSyntaxException {
        return parse(text, true);
    }

    /** Parses the value of an unknown modifier (only its syntax matters; section 6). */
    static MacroString unknownModifier(String text) throws SpfSyntaxException {
        return parse(text, true);
    }

    private static MacroString parse(String text, boolean explanation) throws SpfSyntaxException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean endsInMacro = false;
        int i = 0;
        while (i < text.length()) {
            char ch = text.charAt(i);
            endsInMacro = ch == '%';
            if (ch != '%') {
                // macro-literal = %x21-24 / %x26-7E; explain-string adds SP (7.1, 6.2)
                boolean ok = ch >= 0x21 && ch <= 0x7E || explanation && ch == ' ';
                if (!ok) {
                    throw new SpfSyntaxException(String.format("character U+%04X not allowed in '%s' (RFC 7208 section 7.1)", (int) ch, printable(text)));
                }
                literal.append(ch);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) {
                throw new SpfSyntaxException("'%' at the end of '" + text + "' (RFC 7208 section 7.1)");
            }
            char next = text.charAt(i + 1);
            switch (next) {
                case '%' -> { literal.append('%'); i += 2; }       // "%%" is "%"
                case '_' -> { literal.append(' '); i += 2; }       // "%_" is a space
                case '-' -> { literal.append("%20"); i += 2; }     // "%-" is an URL-encoded space
                case '{' -> {
                    int close = text.indexOf('}', i + 2);
                    if (close < 0) {
                        throw new SpfSyntaxException("unterminated macro in '" + text + "'");
                    }
                    if (!literal.isEmpty()) {
                        parts.add(new Literal(literal.toString()));
                        literal.setLength(0);
                    }
                    parts.add(expand(text.substring(i + 2, close), explanation, text));
                    i = close + 1;
                }
                default -> throw new SpfSyntaxException("'%" + next + "' in '" + text
                        + "': a '%' must be followed by '{', '%', '_' or '-' (RFC 7208 section 7.1)");
            }
        }
        if (!literal.isEmpty() || parts.isEmpty()) {
            parts.add(new Literal(literal.toString()));
        }
        return new MacroString(text, List.copyOf(parts), endsInMacro);
    }

    /** macro-letter transformers *delimiter (7.1). */
    private static Expand expand(String body, boolean explanation, String text) throws SpfSyntaxException {
        if (body.isEmpty()) {
            throw new SpfSyntaxException("empty macro in '" + text + "'");
        }
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if (LETTERS.indexOf(lower) < 0 && EXP_ONLY_LETTERS.indexOf(lower) < 0 || letter > 0x7F) {
            throw new SpfSyntaxException("unknown macro letter '" + letter + "' in '" + text + "' (RFC 7208 section 7.2)");
        }
        if (!explanation && EXP_ONLY_LETTERS.indexOf(lower) >= 0) {
            throw new SpfSyntaxException("macro '%{" + letter + "}' is allowed only in explanation text (RFC 7208 section 7.2)");
        }
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
            i++;
        }
        int digits = 0;
        if (i > digitsStart) {
            String d = body.substring(digitsStart, i);
            // "If a DIGIT is specified, the value MUST be nonzero" (7.3); cap absurd values.
            digits = d.length() > 3 ? 999 : Integer.parseInt(d);
            if (digits == 0) {
                throw new SpfSyntaxException("macro digit transformer 0 in '" + text + "' (RFC 7208 section 7.3)");
            }
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (char c : delimiters.toCharArray()) {
            if (DELIMITERS.indexOf(c) < 0) {
                throw new SpfSyntaxException("invalid macro delimiter '" + c + "' in '" + text + "' (RFC 7208 section 7.1)");
            }
        }
        return new Expand(lower, Character.isUpperCase(letter), digits, reverse, delimiters.isEmpty() ? "." : delimiters);
    }

    /** Supplies macro values (7.2); the letter is lowercase. */
    interface Values {
        String value(char letter) throws SpfException;
    }

    /** Expands the macros (7.3). */
    String expand(Values values) throws SpfException {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Literal l -> out.append(l.text());
                case Expand e -> {
                    String value = transform(values.value(e.letter()), e);
                    out.append(e.upper() ? urlEncode(value) : value);
                }
            }
        }
        return out.toString();
    }

    /**
     * Splits on the delimiters, optionally reverses, keeps the rightmost {@code digits} parts,
     * joins with dots (7.3).
     */
    static String transform(String value, Expand e) {
        if (e.digits() == 0 && !e.reverse() && e.delimiters().equals(".")) {
            return value;
        }
        List<String> labels = new ArrayList<>(Arrays.asList(split(value, e.delimiters())));
        if (e.reverse()) {
            Collections.reverse(labels);
        }
        if (e.digits() > 0 && e.digits() < labels.size()) {
            labels = labels.subList(labels.size() - e.digits(), labels.size());
        }
        return String.join(".", labels);
    }

    private static String[] split(String value, String delimiters) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                out.add(value.substring(start, i));
                start = i + 1;
            }
        }
        out.add(value.substring(start));
        return out.toArray(String[]::new);
    }

    /** Uppercase macros are URL-encoded: everything but unreserved characters (7.3, RFC 3986). */
    static String urlEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7F) {
                out.append(c);
            } else {
                out.append(String.format("\\x%02X", (int) c));
            }
        }
        return out.toString();
    }
}
