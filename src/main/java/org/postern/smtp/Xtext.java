package org.postern.smtp;

import java.nio.charset.StandardCharsets;

/**
 * xtext (RFC 3461 section 4): the encoding of ENVID=, ORCPT= and AUTH= values (RFC 4954
 * section 5) and of XCLIENT attribute values. {@code "+" HEXDIGIT HEXDIGIT} stands for one
 * octet; other printable ASCII characters stand for themselves.
 *
 * <p>Decoding follows Postfix: hex digits in either case are accepted (RFC 3461 allows upper
 * case only) and other octets are taken as they are; a "+" not followed by two hex digits is
 * an error. Callers check printability where the RFC asks (ENVID).
 */
public final class Xtext {
    private Xtext() {
    }

    /** The decoded text (octets as ISO-8859-1 characters), or null when the xtext is malformed. */
    public static String decode(String xtext) {
        int plus = xtext.indexOf('+');
        if (plus < 0) {
            return xtext;
        }
        StringBuilder sb = new StringBuilder(xtext.length());
        sb.append(xtext, 0, plus);
        for (int i = plus; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c != '+') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= xtext.length()) {
                return null;
            }
            int h = hex(xtext.charAt(i + 1));
            int l = hex(xtext.charAt(i + 2));
            if (h < 0 || l < 0) {
                return null;
            }
            sb.append((char) (h << 4 | l));
            i += 2;
        }
        return sb.toString();
    }

    /**
     * Encodes text as xtext (RFC 3461 section 4): "+", "=", and octets outside 33-126 become
     * {@code +XX} (upper-case hex) over the UTF-8 octets.
     */
    public static String encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length + 8);
        for (byte x : b) {
            int c = x & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                sb.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
