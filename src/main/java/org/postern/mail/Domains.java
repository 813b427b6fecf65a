package org.postern.mail;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Syntax checks for host and domain names and IP address literals, with Postfix's semantics
 * (they back {@code reject_invalid_helo_hostname}, {@code reject_non_fqdn_helo_hostname} and the
 * domain part of {@link MailAddress}; see postfix-restrictions.md section 2.3).
 *
 * <p>Rules and sources:
 * <ul>
 * <li>Host names: RFC 1035 section 2.3.1 / RFC 1123 section 2.1 labels of letters, digits and
 *     hyphens, a hyphen never first or last in a label; labels of 1-63 octets and at most 255
 *     octets in all (RFC 1035 section 2.3.4, RFC 5321 section 4.5.3.1.2). As Postfix does, the
 *     underscore is also accepted and a name made only of digits and dots is rejected (it is an
 *     address, not a name). One trailing dot is removed before the check (Postfix truncates
 *     "name." but not "name..").</li>
 * <li>UTF-8 labels (RFC 6531 section 3.3, U-labels) are accepted only when the caller allows
 *     them; each non-ASCII octet counts toward the label and name lengths. No IDNA mapping is
 *     done here.</li>
 * <li>Address literals: RFC 5321 section 4.1.3, {@code [IPv4]} and {@code [IPv6:addr]} (tag
 *     case-insensitive). General address literals ({@code [tag:content]}) are refused, as
 *     Postfix refuses them.</li>
 * </ul>
 * No method here does any DNS lookup.
 */
public final class Domains {
    /** RFC 1035 section 2.3.4 / RFC 5321 section 4.5.3.1.2. */
    public static final int MAX_NAME_LENGTH = 255;
    /** RFC 1035 section 2.3.4. */
    public static final int MAX_LABEL_LENGTH = 63;

    private Domains() {
    }

    /**
     * Postfix {@code valid_hostname} after removing one trailing dot: the test behind
     * {@code reject_invalid_helo_hostname} (which also accepts {@link #isValidHostAddress} forms).
     */
    public static boolean isValidHostname(String name, boolean allowUtf8) {
        if (name == null) {
            return false;
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return isValidHostname(b, 0, b.length, allowUtf8);
    }

    /** Byte form of {@link #isValidHostname(String, boolean)}. */
    public static boolean isValidHostname(byte[] b, int off, int len, boolean allowUtf8) {
        return hostnameDots(b, off, len, allowUtf8) >= 0;
    }

    /**
     * True for a valid host name with at least one dot, once one trailing dot is removed: the test
     * of {@code reject_non_fqdn_helo_hostname} and of the domain in {@code reject_non_fqdn_sender}.
     */
    public static boolean isFqdn(String name, boolean allowUtf8) {
        if (name == null) {
            return false;
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return hostnameDots(b, 0, b.length, allowUtf8) > 0;
    }

    /**
     * Checks a host name and returns the number of dots in it (after one trailing dot is
     * removed), or -1 when it is not a valid name.
     */
    static int hostnameDots(byte[] b, int off, int len, boolean allowUtf8) {
        return hostnameDots(b, off, len, allowUtf8, MAX_NAME_LENGTH);
    }

    /** As {@link #hostnameDots(byte[], int, int, boolean)} with a chosen total length limit. */
    static int hostnameDots(byte[] b, int off, int len, boolean allowUtf8, int maxLength) {
        // Postfix removes one trailing dot but not two.
        if (len > 1 && b[off + len - 1] == '.' && b[off + len - 2] != '.') {
            len--;
        }
        if (len == 0 || len > maxLength) {
            return -1;
        }
        int end = off + len;
        int label = 0;
        int dots = 0;
        boolean nonNumeric = false;
        for (int i = off; i < end; i++) {
            int c = b[i] & 0xff;
            if (c == '.') {
                if (label == 0 || i == end - 1) {
                    return -1; // empty label (RFC 1035 section 2.3.1)
                }
                label = 0;
                dots++;
            } else if (c == '-') {
                // RFC 1123 section 2.1: a hyphen neither starts nor ends a label.
                if (label == 0 || i == end - 1 || b[i + 1] == '.') {
                    return -1;
                }
                nonNumeric = true;
                if (++label > MAX_LABEL_LENGTH) {
                    return -1;
                }
            } else if (c < 0x80) {
                boolean digit = c >= '0' && c <= '9';
                if (!digit && !isLetter(c) && c != '_') {
                    return -1;
                }
                nonNumeric |= !digit;
                if (++label > MAX_LABEL_LENGTH) {
                    return -1;
                }
            } else {
                if (!allowUtf8) {
                    return -1;
                }
                int n = Utf8.sequenceLength(b, i, end);
                if (n < 0) {
                    return -1;
                }
                label += n;
                if (label > MAX_LABEL_LENGTH) {
                    return -1;
                }
                nonNumeric = true;
                i += n - 1;
            }
        }
        // Postfix: an all-numeric name is an address, not a host name.
        return nonNumeric ? dots : -1;
    }

    /** How a HELO/EHLO argument fares under Postfix's HELO syntax restrictions. */
    public enum HeloSyntax {
        /** Passes both reject_invalid_helo_hostname and reject_non_fqdn_helo_hostname (includes a valid {@code [literal]}). */
        FQDN,
        /** A valid single-label name or a bare IP address: only reject_non_fqdn_helo_hostname refuses it (504). */
        NOT_FQDN,
        /** Not a host name (nor a bare address): "Invalid name" (501) or "need fully-qualified hostname" (504). */
        INVALID_NAME,
        /** A {@code [...]} form that is not an address literal: "invalid ip address" (501) for both restrictions. */
        INVALID_ADDRESS_LITERAL
    }

    /**
     * Classifies a HELO/EHLO argument as Postfix's {@code reject_invalid_helo_hostname} and
     * {@code reject_non_fqdn_helo_hostname} do (postfix-restrictions.md section 2.3; every case
     * checked against Postfix 3.7.11): a {@code [...]} argument is judged only as an address
     * literal; a bare IPv4/IPv6 address is a valid name but not fully qualified.
     */
    public static HeloSyntax classifyHelo(String helo, boolean allowUtf8) {
        if (helo == null || helo.isEmpty()) {
            return HeloSyntax.INVALID_NAME;
        }
        if (helo.charAt(0) == '[') {
            return isAddressLiteral(helo) ? HeloSyntax.FQDN : HeloSyntax.INVALID_ADDRESS_LITERAL;
        }
        byte[] b = helo.getBytes(StandardCharsets.UTF_8);
        int dots = hostnameDots(b, 0, b.length, allowUtf8);
        if (dots > 0) {
            return HeloSyntax.FQDN;
        }
        if (dots == 0) {
            return HeloSyntax.NOT_FQDN;
        }
        // Postfix strips one trailing dot before testing for an address as well.
        String t = helo.length() > 1 && helo.endsWith(".") && !helo.endsWith("..") ? helo.substring(0, helo.length() - 1) : helo;
        return isValidHostAddress(t) ? HeloSyntax.NOT_FQDN : HeloSyntax.INVALID_NAME;
    }

    /**
     * Postfix {@code valid_hostaddr}: a bare IPv4 dotted quad or a bare IPv6 address (no
     * brackets, no "IPv6:" tag). Postfix accepts these as HELO arguments for compatibility.
     */
    public static boolean isValidHostAddress(String s) {
        return s != null && (parseIpv4(s, 0, s.length()) != null || parseIpv6(s, 0, s.length()) != null);
    }

    /** True for an RFC 5321 section 4.1.3 address literal: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    public static boolean isAddressLiteral(String s) {
        return parseAddressLiteral(s) != null;
    }

    /**
     * The address inside an RFC 5321 section 4.1.3 address literal, or null when {@code s} is not
     * one. No DNS lookup is done.
     */
    public static InetAddress parseAddressLiteral(String s) {
        if (s == null || s.length() < 3 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') {
            return null;
        }
        return toInet(literalBytes(s, 1, s.length() - 1));
    }

    /** A bare IPv4 or IPv6 address as an InetAddress, or null. No DNS lookup is done. */
    public static InetAddress parseIpAddress(String s) {
        if (s == null) {
            return null;
        }
        byte[] a = parseIpv4(s, 0, s.length());
        if (a == null) {
            a = parseIpv6(s, 0, s.length());
        }
        return toInet(a);
    }

    /** Raw bytes of the literal's content {@code s[from, to)} (between the brackets), or null. */
    static byte[] literalBytes(CharSequence s, int from, int to) {
        // RFC 5321 section 4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr; the tag is
        // matched case-insensitively as Postfix does.
        if (to - from > 5 && regionMatchesIgnoreCase(s, from, "IPv6:")) {
            return parseIpv6(s, from + 5, to);
        }
        return parseIpv4(s, from, to);
    }

    /**
     * RFC 5321 section 4.1.3 IPv4-address-literal: {@code Snum 3("." Snum)}, Snum = 1*3DIGIT with a
     * value of 0-255. Returns the four octets or null.
     */
    public static byte[] parseIpv4(CharSequence s, int from, int to) {
        byte[] out = new byte[4];
        int part = 0;
        int i = from;
        while (true) {
            int start = i;
            int v = 0;
            while (i < to && i - start < 3) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                v = v * 10 + (c - '0');
                i++;
            }
            if (i == start || v > 255) {
                return null;
            }
            out[part++] = (byte) v;
            if (part == 4) {
                return i == to ? out : null;
            }
            if (i >= to || s.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    /**
     * RFC 5321 section 4.1.3 IPv6-addr (RFC 4291 section 2.2 text forms): eight groups of 1-4
     * hex digits, one "::" for a run of zero groups, an optional dotted-quad tail. Returns the
     * 16 octets or null.
     */
    public static byte[] parseIpv6(CharSequence s, int from, int to) {
        if (to - from < 2) {
            return null;
        }
        byte[] out = new byte[16];
        int groups = 0;
        int compressAt = -1;
        int i = from;
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return null;
            }
            compressAt = 0;
            i += 2;
        }
        while (i < to) {
            if (groups == 8) {
                return null;
            }
            int start = i;
            int v = 0;
            int h;
            while (i < to && (h = Character.digit(s.charAt(i), 16)) >= 0 && s.charAt(i) < 0x80) {
                v = (v << 4) | h;
                i++;
                if (i - start > 4) {
                    return null;
                }
            }
            if (i < to && s.charAt(i) == '.') {
                // IPv6v4 forms: the last 32 bits as a dotted quad.
                if (groups > 6) {
                    return null;
                }
                byte[] v4 = parseIpv4(s, start, to);
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, groups * 2, 4);
                groups += 2;
                i = to;
                break;
            }
            if (i == start) {
                return null;
            }
            out[groups * 2] = (byte) (v >> 8);
            out[groups * 2 + 1] = (byte) v;
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (compressAt >= 0) {
                    return null; // at most one "::"
                }
                compressAt = groups;
                i++;
            } else if (i == to) {
                return null; // a single trailing colon
            }
        }
        if (compressAt < 0) {
            return groups == 8 ? out : null;
        }
        if (groups == 8) {
            return null; // "::" must stand for at least one group
        }
        int tail = (groups - compressAt) * 2;
        System.arraycopy(out, compressAt * 2, out, 16 - tail, tail);
        java.util.Arrays.fill(out, compressAt * 2, 16 - tail, (byte) 0);
        return out;
    }

    static boolean isLetter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean regionMatchesIgnoreCase(CharSequence s, int at, String ascii) {
        if (at + ascii.length() > s.length()) {
            return false;
        }
        for (int k = 0; k < ascii.length(); k++) {
            char a = s.charAt(at + k);
            char b = ascii.charAt(k);
            if (a != b && toLowerAscii(a) != toLowerAscii(b)) {
                return false;
            }
        }
        return true;
    }

    static char toLowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static InetAddress toInet(byte[] a) {
        if (a == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 octets
        }
    }
}
