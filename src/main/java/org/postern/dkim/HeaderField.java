package org.postern.dkim;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One header field exactly as received: {@code raw} is its bytes as ISO-8859-1 characters,
 * name, colon, value and every line ending, including the final CRLF.
 */
public record HeaderField(String name, String raw) {

    /** Makes a field from its raw text (which must end with its line ending). */
    public static HeaderField of(String raw) {
        int colon = raw.indexOf(':');
        String name = colon < 0 ? TagList.trim(raw) : TagList.trim(raw.substring(0, colon));
        return new HeaderField(name, raw);
    }

    /** Makes a field from raw bytes. */
    public static HeaderField of(byte[] raw) {
        return of(raw, 0, raw.length);
    }

    /** Makes a field from the raw bytes {@code from} (inclusive) to {@code to} (exclusive). */
    public static HeaderField of(byte[] raw, int from, int to) {
        return of(new String(raw, from, to - from, StandardCharsets.ISO_8859_1));
    }

    /** True when this field's name equals {@code other}, ignoring case (RFC 5322 section 1.2.2). */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }

    /** The text after the colon, line endings included (not unfolded), without the final CRLF. */
    public String value() {
        int colon = raw.indexOf(':');
        String v = colon < 0 ? "" : raw.substring(colon + 1);
        if (v.endsWith("\r\n")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("\n")) {
            v = v.substring(0, v.length() - 1);
        }
        return v;
    }
}
