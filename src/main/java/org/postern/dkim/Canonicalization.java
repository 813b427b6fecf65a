package org.postern.dkim;

import java.util.Locale;

/** The two canonicalization algorithms of RFC 6376 section 3.4, for header fields and bodies. */
public enum Canonicalization {
    SIMPLE, RELAXED;

    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Canonicalization parse(String s) throws DkimSyntaxException {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> throw new DkimSyntaxException("unknown canonicalization '" + s + "'");
        };
    }

    /**
     * Canonicalizes one header field (raw, with its final CRLF); the result ends with CRLF.
     * Simple (section 3.4.1): unchanged. Relaxed (section 3.4.2): name lower-cased, lines
     * unfolded, runs of WSP made one space, WSP at the end of the value and around the colon
     * removed.
     */
    public String header(HeaderField field) {
        String raw = field.raw();
        if (this == SIMPLE) {
            return raw;
        }
        int colon = raw.indexOf(':');
        String name = colon < 0 ? raw : raw.substring(0, colon);
        String value = colon < 0 ? "" : raw.substring(colon + 1);
        StringBuilder sb = new StringBuilder(raw.length());
        sb.append(relaxedName(name)).append(':');
        boolean space = false;
        boolean started = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                continue; // unfold (section 3.4.2: "Unfold all header field continuation lines")
            }
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && started) {
                sb.append(' ');
            }
            space = false;
            started = true;
            sb.append(c);
        }
        return sb.append("\r\n").toString();
    }

    private static String relaxedName(String name) {
        int end = name.length();
        while (end > 0 && (name.charAt(end - 1) == ' ' || name.charAt(end - 1) == '\t')) {
            end--;
        }
        return name.substring(0, end).toLowerCase(Locale.ROOT);
    }
}
