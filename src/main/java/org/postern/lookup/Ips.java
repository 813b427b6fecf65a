package org.postern.lookup;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Parsing and formatting of IP address literals without any DNS lookups, shared by
 * {@code cidr:} tables and {@link HostSearch}.
 */
public final class Ips {

    private Ips() {
    }

    /** 4 or 16 bytes for an IPv4 dotted quad or an IPv6 literal; null for anything else. */
    static byte[] parse(String s) {
        if (s == null || s.isEmpty() || s.indexOf('%') >= 0) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            try {
                InetAddress a = InetAddress.ofLiteral(s);
                byte[] b = a.getAddress();
                if (a instanceof Inet4Address) {
                    // The JDK turns ::ffff:a.b.c.d into an IPv4 address; Postfix keeps it IPv6.
                    byte[] v6 = new byte[16];
                    v6[10] = (byte) 0xff;
                    v6[11] = (byte) 0xff;
                    System.arraycopy(b, 0, v6, 12, 4);
                    return v6;
                }
                return b;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    /**
     * Text form as Postfix prints addresses (inet_ntop): IPv4 dotted quad; IPv6 in lower-case hex,
     * the longest run of two or more zero groups as {@code ::}, and IPv4-mapped or -compatible
     * addresses with a dotted quad at the end.
     */
    public static String format(byte[] b) {
        if (b.length == 4) {
            return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 255) << 8) | (b[2 * i + 1] & 255);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            if (i == 6 && bestStart == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(b[12] & 255).append('.').append(b[13] & 255).append('.')
                        .append(b[14] & 255).append('.').append(b[15] & 255);
                break;
            }
            sb.append(Integer.toHexString(w[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
