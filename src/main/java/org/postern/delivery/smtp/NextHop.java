package org.postern.delivery.smtp;

import java.util.Locale;

/**
 * A next-hop destination of the smtp transport in Postfix's syntax (smtp(8), transport(5)):
 * {@code domain} or {@code domain:port} (MX lookup), {@code [host]} or {@code [host]:port}
 * (no MX lookup: the host's own addresses), where host may be an IP literal
 * ({@code [192.0.2.1]}, {@code [2001:db8::1]} or {@code [ipv6:2001:db8::1]}).
 *
 * @param host      the domain or host name, or the IP literal, without brackets
 * @param port      the TCP port; 0 for the transport's default ({@code smtp_tcp_port})
 * @param mxLookup  false for the bracketed form
 * @param text      the next hop as written (also the key for smtp_sasl_password_maps and
 *                  smtp_tls_policy_maps)
 */
public record NextHop(String host, int port, boolean mxLookup, String text) {

    /**
     * @throws IllegalArgumentException with the reason, for an empty or malformed next hop
     */
    public static NextHop parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty next-hop destination");
        }
        String host;
        String rest;
        boolean mx;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in next-hop destination " + text);
            }
            host = t.substring(1, close);
            if (host.regionMatches(true, 0, "ipv6:", 0, 5)) {
                host = host.substring(5);
            }
            rest = t.substring(close + 1);
            mx = false;
        } else {
            int colon = t.lastIndexOf(':');
            host = colon < 0 ? t : t.substring(0, colon);
            rest = colon < 0 ? "" : t.substring(colon);
            mx = true;
            if (host.contains(":")) {
                throw new IllegalArgumentException("write an IPv6 next hop in brackets, e.g. [2001:db8::1]:25: " + text);
            }
        }
        int port = 0;
        if (!rest.isEmpty()) {
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("unexpected text after ']' in next-hop destination " + text);
            }
            port = port(rest.substring(1), text);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("next-hop destination without a host: " + text);
        }
        return new NextHop(host.toLowerCase(Locale.ROOT), port, mx, t);
    }

    private static int port(String value, String text) {
        if (value.equalsIgnoreCase("smtp")) {
            return 25;
        }
        if (value.equalsIgnoreCase("submission")) {
            return 587;
        }
        try {
            int p = Integer.parseInt(value);
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("bad port '" + value + "' in next-hop destination " + text
                + " (use a number 1-65535, smtp or submission)");
    }

    /** True when the host is an IP address literal. */
    boolean isAddressLiteral() {
        return !mxLookup && (host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}"));
    }
}
