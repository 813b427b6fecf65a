package org.postern.authres;

import java.util.Locale;
import java.util.Optional;

/**
 * Reads the authserv-id (and version) at the start of an Authentication-Results field body
 * (RFC 8601 section 2.2):
 *
 * <pre>
 * authres-payload = [CFWS] authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS] CRLF
 * authserv-id     = value            ; token or quoted-string (RFC 2045)
 * authres-version = 1*DIGIT [CFWS]
 * </pre>
 *
 * Comments (nested, with quoted-pairs) and folding are skipped. Never throws: garbage gives
 * {@link Optional#empty()}.
 */
public final class AuthservId {

    private AuthservId() {
    }

    /** The authserv-id and version (1 when absent) of one field. */
    public record Parsed(String authservId, int version) {
    }

    /** The authserv-id of a field body (the text after "Authentication-Results:"). */
    public static Optional<String> of(String fieldBody) {
        return parse(fieldBody).map(Parsed::authservId);
    }

    /**
     * True when the field body names {@code ours} as its authserv-id, ignoring case (it is
     * normally a host name). A field that claims to be ours but reached us from outside must be
     * removed (RFC 8601 section 5: "MUST delete any discovered instance of this header field
     * that claims, by virtue of its authentication service identifier, to have been added
     * within its trust boundary but that did not come directly from another trusted MTA").
     */
    public static boolean claims(String fieldBody, String ours) {
        return ours != null && of(fieldBody).map(id -> id.toLowerCase(Locale.ROOT).equals(ours.toLowerCase(Locale.ROOT)))
                .orElse(false);
    }

    /** The authserv-id and version, or empty when the start of the field is not well-formed. */
    public static Optional<Parsed> parse(String fieldBody) {
        if (fieldBody == null) {
            return Optional.empty();
        }
        Cursor c = new Cursor(fieldBody);
        if (!c.skipCfws()) {
            return Optional.empty();
        }
        String id = c.value();
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        int version = 1;
        int before = c.pos;
        boolean space = c.skipCfws() && c.pos > before;
        if (space) {
            int start = c.pos;
            // Section 2.2: authres-version = 1*DIGIT, ASCII digits only (Character.isDigit would
            // also take other scripts' digits, which Integer.parseInt then reads as numbers).
            while (c.pos < c.s.length() && c.s.charAt(c.pos) >= '0' && c.s.charAt(c.pos) <= '9' && c.pos - start < 9) {
                c.pos++;
            }
            if (c.pos > start) {
                version = Integer.parseInt(c.s.substring(start, c.pos));
                if (!c.skipCfws()) {
                    return Optional.empty();
                }
            }
        }
        // What follows must be ";" (a resinfo or "none"), or the end for a truncated field.
        if (c.pos < c.s.length() && c.s.charAt(c.pos) != ';') {
            return Optional.empty();
        }
        return Optional.of(new Parsed(id, version));
    }

    private static final class Cursor {
        final String s;
        int pos;

        Cursor(String s) {
            this.s = s;
        }

        /** Skips whitespace, line breaks and comments; false for an unterminated comment. */
        boolean skipCfws() {
            while (pos < s.length()) {
                char ch = s.charAt(pos);
                if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
                    pos++;
                } else if (ch == '(') {
                    int depth = 0;
                    do {
                        if (pos >= s.length()) {
                            return false;
                        }
                        char x = s.charAt(pos);
                        if (x == '\\') {
                            pos++;
                        } else if (x == '(') {
                            depth++;
                        } else if (x == ')') {
                            depth--;
                        }
                        pos++;
                    } while (depth > 0);
                } else {
                    return true;
                }
            }
            return true;
        }

        /** A token or a quoted-string (RFC 2045 section 5.1); null when neither is here. */
        String value() {
            if (pos < s.length() && s.charAt(pos) == '"') {
                StringBuilder sb = new StringBuilder();
                pos++;
                while (pos < s.length()) {
                    char ch = s.charAt(pos++);
                    if (ch == '\\' && pos < s.length()) {
                        sb.append(s.charAt(pos++));
                    } else if (ch == '"') {
                        return sb.toString();
                    } else if (ch != '\r' && ch != '\n') {
                        sb.append(ch);
                    }
                }
                return null; // unterminated
            }
            int start = pos;
            while (pos < s.length() && AuthenticationResults.isTokenChar(s.charAt(pos))) {
                pos++;
            }
            return s.substring(start, pos);
        }
    }
}
