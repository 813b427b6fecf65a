package org.postern.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Postfix parameter expansion (postconf(5), "SYNTAX"): {@code $name}, {@code ${name}},
 * {@code $(name)}, {@code ${name?value}} (value if name is non-empty), {@code ${name:value}}
 * (value if name is empty or undefined), the Postfix 3.0 forms {@code ${name?{value}}},
 * {@code ${name:{value}}} and {@code ${name?{value1}:{value2}}}, and {@code $$} for a literal
 * {@code $}. An undefined name expands to the empty string, as in Postfix. Expansion is
 * recursive; a parameter that refers back to itself is reported instead of overflowing.
 */
final class Expander {

    /** Thrown when expansion cannot finish, e.g. a reference loop or an unclosed "${". */
    static final class ExpansionException extends RuntimeException {
        ExpansionException(String message) {
            super(message);
        }
    }

    private final Function<String, String> rawLookup;
    private final Deque<String> stack = new ArrayDeque<>();

    /** @param rawLookup the raw (unexpanded) value of a name, or null if it is undefined */
    Expander(Function<String, String> rawLookup) {
        this.rawLookup = rawLookup;
    }

    /** Expands the value of parameter {@code name}. */
    String expandParameter(String name) {
        if (stack.contains(name)) {
            StringBuilder chain = new StringBuilder();
            stack.descendingIterator().forEachRemaining(n -> chain.append('$').append(n).append(" -> "));
            throw new ExpansionException("parameter reference loop: " + chain + "$" + name);
        }
        String raw = rawLookup.apply(name);
        if (raw == null) {
            return "";
        }
        stack.push(name);
        try {
            return expand(raw);
        } finally {
            stack.pop();
        }
    }

    /** Expands every reference in {@code text}. */
    String expand(String text) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 >= n) {
                out.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{' || next == '(') {
                int close = matching(text, i + 1);
                out.append(expandBraced(text.substring(i + 2, close), next));
                i = close + 1;
            } else if (isNameChar(next)) {
                int end = i + 1;
                while (end < n && isNameChar(text.charAt(end))) {
                    end++;
                }
                out.append(expandParameter(text.substring(i + 1, end)));
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private String expandBraced(String inner, char open) {
        int end = 0;
        while (end < inner.length() && isNameChar(inner.charAt(end))) {
            end++;
        }
        String name = inner.substring(0, end);
        if (name.isEmpty()) {
            throw new ExpansionException("missing parameter name after $" + open);
        }
        if (end == inner.length()) {
            return expandParameter(name);
        }
        char op = inner.charAt(end);
        if (op != '?' && op != ':') {
            throw new ExpansionException("unexpected '" + op + "' after $" + open + name
                    + "; use $" + open + name + "?value" + " or $" + open + name + ":value");
        }
        String rest = inner.substring(end + 1);
        String ifSet = null;
        String ifEmpty = null;
        // Postfix 3.0: "{value}" (and for '?' optionally ":{value2}") instead of a bare value.
        if (rest.startsWith("{")) {
            int close = matching(rest, 0);
            String first = rest.substring(1, close);
            String tail = rest.substring(close + 1).strip();
            if (tail.isEmpty()) {
                if (op == '?') ifSet = first; else ifEmpty = first;
            } else if (op == '?' && tail.startsWith(":{") && tail.endsWith("}") && matching(tail, 1) == tail.length() - 1) {
                ifSet = first;
                ifEmpty = tail.substring(2, tail.length() - 1);
            } else {
                throw new ExpansionException("unexpected text '" + tail + "' after {" + first + "}");
            }
        } else if (op == '?') {
            ifSet = rest;
        } else {
            ifEmpty = rest;
        }
        boolean set = !expandParameter(name).isEmpty();
        String chosen = set ? ifSet : ifEmpty;
        return chosen == null ? "" : expand(chosen);
    }

    /** Index of the bracket that closes the one at {@code open}, counting nested pairs. */
    private static int matching(String text, int open) {
        char o = text.charAt(open);
        char c = o == '(' ? ')' : '}';
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == o) {
                depth++;
            } else if (ch == c && --depth == 0) {
                return i;
            }
        }
        throw new ExpansionException("missing '" + c + "' in '" + text.substring(Math.max(0, open - 1)) + "'");
    }

    static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    /** Every parameter name that {@code text} refers to, including inside conditional values. */
    static Set<String> references(String text) {
        Set<String> names = new LinkedHashSet<>();
        collect(text, names);
        return names;
    }

    private static void collect(String text, Set<String> names) {
        int n = text.length();
        for (int i = 0; i + 1 < n; i++) {
            if (text.charAt(i) != '$') {
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                i++;
            } else if (next == '{' || next == '(') {
                int close;
                try {
                    close = matching(text, i + 1);
                } catch (ExpansionException e) {
                    return;
                }
                String inner = text.substring(i + 2, close);
                int end = 0;
                while (end < inner.length() && isNameChar(inner.charAt(end))) {
                    end++;
                }
                if (end > 0) {
                    names.add(inner.substring(0, end));
                }
                if (end < inner.length()) {
                    collect(inner.substring(end + 1), names);
                }
                i = close;
            } else if (isNameChar(next)) {
                int end = i + 1;
                while (end < n && isNameChar(text.charAt(end))) {
                    end++;
                }
                names.add(text.substring(i + 1, end));
                i = end - 1;
            }
        }
    }
}
