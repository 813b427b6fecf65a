package org.postern.dnscheck;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.store.DkimKey;

/**
 * The DNS records a domain on this server should publish. For a domain that sends and
 * receives mail: MX to this server, SPF authorising it, the DKIM keys, DMARC with
 * {@code p=reject}, and (when the server's addresses are known) the server's A/AAAA records and
 * the PTR its provider must set. For a domain that sends no mail: the null MX, an SPF record
 * that authorises nothing and DMARC {@code p=reject}.
 */
public final class DomainRecords {

    /** The MX preference of the one MX (RFC 5321 section 5.1: any value works for a single MX). */
    public static final int MX_PREFERENCE = 10;

    private DomainRecords() {
    }

    /**
     * @param domain    the mail domain
     * @param hostname  this server's name ($myhostname), the MX target
     * @param serverIps this server's addresses; empty when not known (SPF then uses {@code mx})
     * @param keys      the domain's DKIM keys; active ones are listed, pending ones too (their
     *                  record must be published before they are activated), retired ones not
     */
    public static List<ZoneRecord> forMailDomain(String domain, String hostname, List<InetAddress> serverIps,
            List<DkimKey> keys) {
        String d = absolute(domain);
        String host = absolute(hostname);
        List<ZoneRecord> out = new ArrayList<>();
        out.add(ZoneRecord.plain(d, "MX", MX_PREFERENCE + " " + host, "mail for " + bare(domain) + " goes to this server"));
        for (InetAddress ip : serverIps) {
            out.add(ZoneRecord.plain(host, ip instanceof Inet6Address ? "AAAA" : "A", ip.getHostAddress(),
                    "this server's address (the MX target needs A/AAAA records, not a CNAME: RFC 2181 section 10.3)"));
        }
        for (InetAddress ip : serverIps) {
            out.add(ZoneRecord.plain(reverseName(ip), "PTR", host,
                    "reverse DNS of " + ip.getHostAddress() + ": not for your zone; ask whoever owns the address (your hosting provider) to set it"));
        }
        out.add(ZoneRecord.txt(d, spfRecord(serverIps), "SPF (RFC 7208): only this server sends mail for " + bare(domain)));
        for (DkimKey key : keys) {
            if (key.active() || DkimKey.PENDING.equals(key.state())) {
                out.add(dkimRecord(key));
            }
        }
        out.add(ZoneRecord.txt("_dmarc." + d, dmarcRecord(domain),
                "DMARC (RFC 9989): reject mail that fails SPF and DKIM alignment; aggregate reports to postmaster"));
        return out;
    }

    /**
     * The records of a domain that sends and receives no mail: null MX (RFC 7505 section 3),
     * {@code v=spf1 -all} (RFC 7208 section 10.1.2: a domain that sends no mail says so) and
     * DMARC {@code p=reject}. The DMARC record has no rua=: reports could not be delivered to a
     * domain with a null MX.
     */
    public static List<ZoneRecord> forNoMailDomain(String domain) {
        String d = absolute(domain);
        return List.of(
                ZoneRecord.plain(d, "MX", "0 .", "null MX (RFC 7505): " + bare(domain) + " accepts no mail"),
                ZoneRecord.txt(d, NO_MAIL_SPF, "SPF (RFC 7208): no host sends mail for " + bare(domain)),
                ZoneRecord.txt("_dmarc." + d, NO_MAIL_DMARC, "DMARC (RFC 9989): reject all mail claiming to be from " + bare(domain)));
    }

    static final String NO_MAIL_SPF = "v=spf1 -all";
    static final String NO_MAIL_DMARC = "v=DMARC1; p=reject";

    /** {@code v=spf1 ip4:... ip6:... -all} for known addresses, else {@code v=spf1 mx -all}. */
    static String spfRecord(List<InetAddress> serverIps) {
        if (serverIps.isEmpty()) {
            return "v=spf1 mx -all";
        }
        StringBuilder sb = new StringBuilder("v=spf1");
        for (InetAddress ip : serverIps) {
            sb.append(ip instanceof Inet6Address ? " ip6:" : " ip4:").append(ip.getHostAddress());
        }
        return sb.append(" -all").toString();
    }

    static String dmarcRecord(String domain) {
        return "v=DMARC1; p=reject; rua=mailto:postmaster@" + bare(domain);
    }

    /** The TXT record of a stored key, formatted by the same code as {@code dkim keygen}. */
    static ZoneRecord dkimRecord(DkimKey key) {
        String text = dkimText(key);
        String comment = key.active()
                ? "DKIM key " + key.selector() + " (" + key.algorithm() + ", active)"
                : "DKIM key " + key.selector() + " (" + key.algorithm() + ", pending): publish it, then `postern dkim activate "
                        + key.domain() + " " + key.selector() + "`";
        return new ZoneRecord(absolute(dkimName(key)), "TXT", text, comment,
                DkimKeys.zoneFileRecord(key.selector(), key.domain(), text));
    }

    static String dkimText(DkimKey key) {
        return DkimKeys.txtRecord(DkimAlgorithm.fromTag(key.algorithm()), key.publicKey());
    }

    /** {@code selector._domainkey.domain} (RFC 6376 section 3.6.2.1). */
    static String dkimName(DkimKey key) {
        return key.selector() + "._domainkey." + key.domain();
    }

    /**
     * The PTR owner name of an address: the octets reversed under in-addr.arpa (RFC 1035
     * section 3.5), or the 32 nibbles reversed under ip6.arpa (RFC 3596 section 2.5).
     */
    static String reverseName(InetAddress ip) {
        byte[] b = ip.getAddress();
        StringBuilder sb = new StringBuilder();
        for (int i = b.length - 1; i >= 0; i--) {
            int v = b[i] & 0xFF;
            if (b.length == 4) {
                sb.append(v).append('.');
            } else {
                sb.append(Character.forDigit(v & 0xF, 16)).append('.').append(Character.forDigit(v >> 4, 16)).append('.');
            }
        }
        return sb.append(b.length == 4 ? "in-addr.arpa." : "ip6.arpa.").toString();
    }

    static String absolute(String name) {
        return bare(name) + ".";
    }

    static String bare(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
