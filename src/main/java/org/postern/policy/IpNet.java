package org.postern.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An IP network (address and prefix length) as written in {@code mynetworks}
 * (postfix-restrictions.md section 4.3): {@code 192.0.2.0/24}, {@code 192.0.2.1},
 * {@code [2001:db8::]/32}, {@code [::ffff:127.0.0.0]/104}. IPv4-mapped IPv6 addresses stay IPv6,
 * as in Postfix.
 */
record IpNet(byte[] net, int prefix) {

    // Compiled once: bytes() runs for every network of every list a client address is matched
    // against, and String.matches would compile the pattern on each call.
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern PREFIX_LENGTH = Pattern.compile("\\d{1,3}");

    /** Null if {@code text} is not an address or network. */
    static IpNet parse(String text) {
        String t = text;
        int slash = t.lastIndexOf('/');
        String len = null;
        if (slash > 0) {
            len = t.substring(slash + 1);
            t = t.substring(0, slash);
        }
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        byte[] b = bytes(t);
        if (b == null) {
            return null;
        }
        int p = b.length * 8;
        if (len != null) {
            if (!PREFIX_LENGTH.matcher(len).matches() || Integer.parseInt(len) > p) {
                return null;
            }
            p = Integer.parseInt(len);
        }
        return new IpNet(b, p);
    }

    /** 4 or 16 bytes for an address literal (no DNS), IPv4-mapped kept as 16; null otherwise. */
    static byte[] bytes(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0 && !DOTTED_QUAD.matcher(s).matches()) {
            return null;
        }
        if (s.startsWith("IPv6:") || s.startsWith("ipv6:")) {
            s = s.substring(5);
        }
        try {
            InetAddress a = InetAddress.ofLiteral(s);
            byte[] b = a.getAddress();
            if (a instanceof Inet4Address && s.indexOf(':') >= 0) {
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

    boolean contains(byte[] ip) {
        if (ip == null || ip.length != net.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit & 7);
            if ((ip[bit >> 3] & mask) != (net[bit >> 3] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The addresses of this host's interfaces, with their prefix lengths. */
    static List<IpNet> interfaces(boolean subnets) {
        List<IpNet> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    byte[] b = ia.getAddress().getAddress();
                    out.add(new IpNet(b, subnets ? ia.getNetworkPrefixLength() : b.length * 8));
                }
            }
        } catch (SocketException e) {
            // no interfaces visible: loopback only below
        }
        out.add(parse("127.0.0.0/8"));
        out.add(parse("[::1]/128"));
        return out;
    }
}
