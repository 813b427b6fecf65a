package org.postern.dnscheck;

import java.util.List;
import org.postern.dkim.DkimKeys;

/**
 * One resource record to publish, with its zone-file line (RFC 1035 section 5.1).
 *
 * @param name     the owner name, absolute with the trailing dot
 * @param type     MX, TXT, A or AAAA
 * @param value    the record data; for TXT the text with its strings joined, unquoted
 * @param comment  what the record is for, printed as a {@code ;} line above it; may be empty
 * @param zoneLine the line to paste into a zone file: {@code name IN TYPE rdata}
 */
public record ZoneRecord(String name, String type, String value, String comment, String zoneLine) {

    /** A record whose rdata is written as is ({@code 10 mail.example.org.}, an address). */
    static ZoneRecord plain(String name, String type, String value, String comment) {
        return new ZoneRecord(name, type, value, comment, name + " IN " + type + " " + value);
    }

    /**
     * A TXT record. Its text never holds quotes or backslashes (SPF and DMARC records here are
     * plain ASCII), so quoting it is enough; a text over 255 bytes is cut into several strings
     * (RFC 1035 section 3.3.14) in parentheses.
     */
    static ZoneRecord txt(String name, String text, String comment) {
        List<String> parts = DkimKeys.txtStrings(text);
        StringBuilder line = new StringBuilder(name).append(" IN TXT ");
        if (parts.size() == 1) {
            line.append('"').append(text).append('"');
        } else {
            line.append('(');
            parts.forEach(p -> line.append("\n    \"").append(p).append('"'));
            line.append("\n)");
        }
        return new ZoneRecord(name, "TXT", text, comment, line.toString());
    }

    /** For TXT: the character-strings of at most 255 bytes the value is published as. */
    public List<String> strings() {
        return type.equals("TXT") ? DkimKeys.txtStrings(value) : List.of(value);
    }
}
