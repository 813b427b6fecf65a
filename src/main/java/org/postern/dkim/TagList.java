package org.postern.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DKIM tag=value list (RFC 6376 section 3.2), as used by both the DKIM-Signature field and
 * the key record. Tag names are case-sensitive; values have their leading and trailing
 * whitespace (FWS) removed but keep inner whitespace.
 */
public final class TagList {

    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * Parses a tag list. Errors (RFC 6376 section 3.2): a tag without '=', a tag name that is not
     * {@code ALPHA *(ALPHA / DIGIT / "_")}, a value with characters outside VALCHAR and
     * whitespace, and a tag that appears twice ("Tags with duplicate names MUST NOT occur
     * within a single tag-list; if a tag name does occur more than once, the entire tag-list
     * is invalid").
     */
    public static TagList parse(String text) throws DkimSyntaxException {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (isBlank(spec)) {
                // The grammar allows one trailing ';' only; an empty spec elsewhere is tolerated
                // as most verifiers do, since it carries nothing.
                continue;
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new DkimSyntaxException("tag without '=': '" + trim(spec) + "'");
            }
            String name = trim(spec.substring(0, eq));
            String value = trim(spec.substring(eq + 1));
            if (!validName(name)) {
                throw new DkimSyntaxException("invalid tag name '" + name + "'");
            }
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                // VALCHAR = %x21-3A / %x3C-7E, plus FWS between tvals; 8-bit bytes are tolerated.
                if (c < 0x21 && c != ' ' && c != '\t' && c != '\r' && c != '\n' || c == 0x7f) {
                    throw new DkimSyntaxException("invalid character in the value of tag " + name + "=");
                }
            }
            if (tags.putIfAbsent(name, value) != null) {
                throw new DkimSyntaxException("tag " + name + "= appears more than once");
            }
        }
        return new TagList(tags);
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    static boolean isWsp(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isWsp(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String trim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isWsp(s.charAt(a))) {
            a++;
        }
        while (b > a && isWsp(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    /** Removes all whitespace (FWS inside base64 values, RFC 6376 section 3.5 b= and bh=). */
    static String stripWhitespace(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isWsp(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public String get(String name) {
        return tags.get(name);
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The tags in the order they appeared. */
    public Map<String, String> asMap() {
        return tags;
    }

    /** The first tag's name, or null for an empty list. */
    public String firstName() {
        return tags.isEmpty() ? null : tags.keySet().iterator().next();
    }

    @Override
    public String toString() {
        return tags.toString();
    }
}
