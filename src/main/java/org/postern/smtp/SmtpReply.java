package org.postern.smtp;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a three-digit code (RFC 5321 section 4.2), an optional enhanced status code
 * (RFC 2034 section 4, RFC 3463 section 2) and one or more text lines.
 *
 * <p>On the wire (RFC 5321 section 4.2.1) every line but the last is {@code code "-" text} and
 * the last is {@code code SP text}, each ended by CRLF. As Postfix does, the enhanced code is
 * repeated at the start of every line's text. Text is made safe on construction: CR, LF and
 * other control characters become spaces, so a reply can never inject a line. The wire bytes
 * are built once and kept; constants can be written without any allocation.
 *
 * <p>Postfix's fixed replies are in {@link Replies}.
 */
public final class SmtpReply {
    private final int code;
    private final String enhanced;
    private final List<String> lines;
    private final byte[] wire;

    private SmtpReply(int code, String enhanced, List<String> lines) {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        if (enhanced != null && !isEnhancedCode(enhanced)) {
            throw new IllegalArgumentException("bad enhanced status code: " + enhanced);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
        this.code = code;
        this.enhanced = enhanced;
        this.lines = lines;
        this.wire = render();
    }

    /** A one-line reply; {@code enhanced} may be null (for example the 220 greeting or EHLO lines). */
    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(clean(text)));
    }

    /** A reply of several lines (RFC 5321 section 4.2.1). */
    public static SmtpReply multiline(int code, String enhanced, List<String> lines) {
        String[] a = new String[lines.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = clean(lines.get(i));
        }
        return new SmtpReply(code, enhanced, List.of(a));
    }

    /** The three-digit reply code. */
    public int code() {
        return code;
    }

    /** The enhanced status code such as {@code 5.1.1}, or null. */
    public String enhancedCode() {
        return enhanced;
    }

    /** The text lines, without code or enhanced code. */
    public List<String> lines() {
        return lines;
    }

    /** The first text line. */
    public String text() {
        return lines.get(0);
    }

    /** 2xx (RFC 5321 section 4.2.1). */
    public boolean isPositive() {
        return code < 400;
    }

    /** 4xx: transient negative completion. */
    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    /** 5xx: permanent negative completion. */
    public boolean isPermanent() {
        return code >= 500;
    }

    /** 421 and 521 make Postfix's smtpd disconnect after sending them (postfix-restrictions.md 1.7.8). */
    public boolean closesConnection() {
        return code == 421 || code == 521;
    }

    /** The reply as it goes on the wire, CRLF after each line. Do not modify the array. */
    public byte[] wireBytes() {
        return wire;
    }

    /** Writes {@link #wireBytes()} to {@code out} (no flush). */
    public void writeTo(OutputStream out) throws IOException {
        out.write(wire);
    }

    /** The same code and enhanced code with other text. */
    public SmtpReply withText(String text) {
        return of(code, enhanced, text);
    }

    /** The wire form without the final CRLF, lines joined by CRLF (for logs use {@link #lines()}). */
    @Override
    public String toString() {
        return new String(wire, 0, wire.length - 2, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmtpReply r && java.util.Arrays.equals(r.wire, wire);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(wire);
    }

    private byte[] render() {
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced != null) {
                sb.append(enhanced).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3463 section 2: class "." subject "." detail; class 2, 4 or 5; subject 1-3 digits; detail 1-3 digits. */
    static boolean isEnhancedCode(String s) {
        int n = s.length();
        if (n < 5 || (s.charAt(0) != '2' && s.charAt(0) != '4' && s.charAt(0) != '5') || s.charAt(1) != '.') {
            return false;
        }
        int i = 2;
        for (int part = 0; part < 2; part++) {
            int start = i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > 3) {
                return false;
            }
            if (part == 0) {
                if (i >= n || s.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return i == n;
    }

    /** Control characters (CR, LF, NUL, DEL ...) become spaces, as Postfix's printable() does for replies. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                char[] a = text.toCharArray();
                for (int k = i; k < a.length; k++) {
                    if (a[k] < 0x20 || a[k] == 0x7f) {
                        a[k] = ' ';
                    }
                }
                return new String(a);
            }
        }
        return text;
    }
}
