package org.postern.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of IP networks as Postfix writes them in parameters such as
 * {@code smtpd_authorized_xclient_hosts} or {@code smtpd_forbid_bare_newline_exclusions}:
 * {@code 192.0.2.0/24}, {@code 198.51.100.7}, {@code [2001:db8::]/32}, {@code [::1]}, with
 * {@code !} for an exclusion; the first matching entry decides. IPv4-mapped IPv6 client
 * addresses match their IPv4 networks. Host names and tables are not supported here (the
 * restriction engine's {@code mynetworks} handles those).
 */
public final class Networks {

    private record Entry(byte[] network, int prefix, boolean exclude) {
    }

    private final List<Entry> entries;

    private Networks(List<Entry> entries) {
        this.entries = entries;
    }

    public static final Networks NONE = new Networks(List.of());

    /** Parses the parameter's list items; an item that is not an address or network is an error. */
    public static Networks parse(List<String> items) {
        List<Entry> entries = new ArrayList<>();
        for (String item : items) {
            boolean exclude = item.startsWith("!");
            String text = exclude ? item.substring(1) : item;
            int slash = text.lastIndexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            if (address.startsWith("[") && address.endsWith("]")) {
                address = address.substring(1, address.length() - 1);
            }
            byte[] bytes = literal(address);
            if (bytes == null) {
                throw new IllegalArgumentException("'" + item + "' is not an IP address or network (e.g. 192.0.2.0/24 or [2001:db8::]/32)");
            }
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + item + "' has a bad prefix length");
                }
            }
            entries.add(new Entry(bytes, prefix, exclude));
        }
        return new Networks(List.copyOf(entries));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True if the address matches an entry and the first matching entry is not an exclusion. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] v4 = mappedV4(a);
        for (Entry e : entries) {
            byte[] candidate = e.network().length == 4 && v4 != null ? v4 : a;
            if (candidate.length == e.network().length && matches(candidate, e.network(), e.prefix())) {
                return !e.exclude();
            }
        }
        return false;
    }

    private static boolean matches(byte[] a, byte[] net, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != net[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[full] & mask) == (net[full] & mask);
    }

    private static byte[] mappedV4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return null;
            }
        }
        if ((a[10] & 0xff) != 0xff || (a[11] & 0xff) != 0xff) {
            return null;
        }
        return new byte[] {a[12], a[13], a[14], a[15]};
    }

    /** The bytes of an IPv4 or IPv6 literal, or null (never a DNS lookup). */
    static byte[] literal(String s) {
        if (s.isEmpty() || !(s.indexOf(':') >= 0 || s.matches("[0-9.]+"))) {
            return null;
        }
        if (s.indexOf(':') < 0 && s.split("\\.", -1).length != 4) {
            return null;
        }
        try {
            byte[] b = InetAddress.getByName(s).getAddress();
            if (b.length == 4 && s.indexOf(':') >= 0) {
                // The JDK turns ::ffff:a.b.c.d into an IPv4 address; as written (and as Postfix
                // reads it, e.g. in the default mynetworks [::ffff:127.0.0.0]/104) it is IPv6.
                byte[] v6 = new byte[16];
                v6[10] = (byte) 0xff;
                v6[11] = (byte) 0xff;
                System.arraycopy(b, 0, v6, 12, 4);
                return v6;
            }
            return b;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
