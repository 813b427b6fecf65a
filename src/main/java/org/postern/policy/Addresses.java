package org.postern.policy;

import java.util.Locale;

/** Small address helpers shared by the engine (postfix-restrictions.md sections 2.4, 2.5, 3.2). */
final class Addresses {

    private Addresses() {
    }

    /** The address without surrounding angle brackets. */
    static String strip(String address) {
        if (address != null && address.length() >= 2 && address.startsWith("<") && address.endsWith(">")) {
            return address.substring(1, address.length() - 1);
        }
        return address;
    }

    /**
     * The canonical form used for lookups: {@code user} becomes {@code user@myorigin}, domain lower
     * case without trailing dots.
     */
    static String canonical(String address, String myorigin) {
        if (address.isEmpty()) {
            return address;
        }
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return address + "@" + myorigin.toLowerCase(Locale.ROOT);
        }
        return address.substring(0, at + 1) + withoutTrailingDots(address.substring(at + 1)).toLowerCase(Locale.ROOT);
    }

    /** trivial-rewrite drops trailing dots of a domain: {@code bob@example.test.} is {@code bob@example.test} (lab). */
    static String withoutTrailingDots(String domain) {
        int end = domain.length();
        while (end > 0 && domain.charAt(end - 1) == '.') {
            end--;
        }
        return end == domain.length() || end == 0 ? domain : domain.substring(0, end);
    }

    /**
     * Postfix valid_hostname: labels of letters, digits, '-' and '_' (and UTF-8), at most 63
     * characters, no '-' at a label's start or end, at most 255 characters, not all-numeric; one
     * trailing dot allowed.
     */
    static boolean validHostname(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty() || n.length() > 255) {
            return false;
        }
        boolean nonNumeric = false;
        int labelLen = 0;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '.') {
                if (labelLen == 0 || n.charAt(i - 1) == '-') {
                    return false;
                }
                labelLen = 0;
                continue;
            }
            if (c == '-') {
                if (labelLen == 0) {
                    return false;
                }
                nonNumeric = true;
            } else if (c >= '0' && c <= '9') {
                // digits do not make the name non-numeric
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c > 127) {
                nonNumeric = true;
            } else {
                return false;
            }
            if (++labelLen > 63) {
                return false;
            }
        }
        return labelLen > 0 && n.charAt(n.length() - 1) != '-' && nonNumeric;
    }

    /** A bare IPv4 or IPv6 address (Postfix valid_hostaddr). */
    static boolean validHostAddress(String s) {
        return IpNet.bytes(s) != null;
    }

    /** The inside of an address literal {@code [1.2.3.4]} / {@code [IPv6:...]} is a valid address. */
    static boolean validLiteral(String inside) {
        if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            return inside.indexOf(':', 5) >= 0 && IpNet.bytes(inside.substring(5)) != null;
        }
        return inside.indexOf(':') < 0 && IpNet.bytes(inside) != null;
    }
}
