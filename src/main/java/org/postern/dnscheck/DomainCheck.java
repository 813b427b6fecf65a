package org.postern.dnscheck;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimSyntaxException;
import org.postern.dkim.KeyRecord;
import org.postern.dmarc.DmarcRecord;
import org.postern.dmarc.DmarcSyntaxException;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;
import org.postern.spf.Spf;
import org.postern.spf.SpfAudit;
import org.postern.spf.SpfDns;
import org.postern.spf.SpfResult;
import org.postern.spf.SpfVerdict;
import org.postern.store.DkimKey;

/**
 * Looks up what a domain publishes and compares it with what this server needs (the records
 * {@link DomainRecords} recommends): MX, the server's reverse DNS, SPF, DKIM and DMARC. Every
 * finding says what was found and, unless it is ok, how to fix it. A temporary DNS failure is
 * reported as such, never as a missing record.
 */
public final class DomainCheck {

    private final DnsResolver dns;

    public DomainCheck(DnsResolver dns) {
        this.dns = dns;
    }

    /**
     * Checks a domain.
     *
     * @param domain    the mail domain
     * @param hostname  this server's name ($myhostname)
     * @param serverIps this server's addresses; empty: the addresses of {@code hostname}
     * @param keys      the domain's DKIM keys from the store (active ones must be published)
     * @param noMail    the domain sends and receives no mail: expect the null records instead
     */
    public List<Finding> check(String domain, String hostname, List<InetAddress> serverIps, List<DkimKey> keys,
            boolean noMail) {
        String d = DomainRecords.bare(domain);
        String host = DomainRecords.bare(hostname);
        List<Finding> out = new ArrayList<>();
        if (noMail) {
            out.add(nullMx(d));
            spf(d, host, List.of(), true, out);
            dmarc(d, true, out);
            return out;
        }
        List<InetAddress> ips = serverIps;
        if (ips.isEmpty()) {
            ips = serverAddresses(host, out);
        } else {
            out.add(Finding.ok("server", "server address " + addresses(ips) + " (given with --server-ip)"));
        }
        out.add(mx(d, host, ips));
        for (InetAddress ip : ips) {
            out.add(fcrdns(ip, host));
        }
        spf(d, host, ips, false, out);
        dkim(d, keys, out);
        dmarc(d, false, out);
        return out;
    }

    /** True when any finding is an error: the exit status of {@code dns check}. */
    public static boolean hasErrors(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.status() == Finding.Status.ERROR);
    }

    // ---- server ----

    private List<InetAddress> serverAddresses(String host, List<Finding> out) {
        DnsResult<InetAddress> a = dns.addresses(host);
        if (a.found()) {
            out.add(Finding.ok("server", "myhostname " + host + " has address " + addresses(a.records())));
            return a.records();
        }
        if (a.tempfail()) {
            out.add(Finding.temporary("server", "address lookup of myhostname " + host, a.detail()));
        } else {
            out.add(Finding.error("server", "myhostname " + host + " has no A or AAAA record (" + a.status() + ")",
                    "publish " + host + ". IN A <this server's IPv4 address>, or give --server-ip;"
                            + " set myhostname in main.cf if " + host + " is not this server's public name"));
        }
        return List.of();
    }

    // ---- MX (RFC 5321 section 5.1, RFC 7505) ----

    private Finding mx(String domain, String host, List<InetAddress> serverIps) {
        String publish = "publish " + domain + ". IN MX " + DomainRecords.MX_PREFERENCE + " " + host + ".";
        DnsResult<MxHost> mx = dns.mx(domain);
        if (mx.tempfail()) {
            return Finding.temporary("mx", "MX lookup of " + domain, mx.detail());
        }
        if (mx.status() == DnsStatus.NXDOMAIN) {
            return Finding.error("mx", domain + " does not exist in DNS (NXDOMAIN)",
                    "publish the records of `postern dns records " + domain + "` at your DNS provider");
        }
        if (!mx.found()) {
            return Finding.error("mx", domain + " has no MX record", publish);
        }
        if (mx.records().stream().anyMatch(MxHost::isNull)) {
            // RFC 7505 section 3: a null MX says the domain accepts no mail at all
            return Finding.error("mx", domain + " publishes a null MX (0 .): it accepts no mail",
                    "replace it: " + publish);
        }
        List<String> ours = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        DnsResult<InetAddress> failed = null;
        String failedHost = "";
        for (MxHost mh : mx.records()) {
            String label = mh.preference() + " " + mh.host();
            DnsResult<InetAddress> a = dns.addresses(mh.host());
            if (a.tempfail()) {
                failed = a;
                failedHost = mh.host();
                foreign.add(label + " (lookup failed)");
            } else if (!a.found()) {
                foreign.add(label + " (no address)");
            } else if (!serverIps.isEmpty() && a.records().stream().anyMatch(serverIps::contains)) {
                ours.add(label + " (" + addresses(a.records()) + ")");
            } else {
                foreign.add(label + " (" + addresses(a.records()) + ")");
            }
        }
        if (serverIps.isEmpty()) {
            return Finding.warning("mx", "MX of " + domain + ": " + String.join(", ", foreign)
                    + "; not compared with this server, whose address is unknown", "give --server-ip");
        }
        if (!ours.isEmpty()) {
            String others = foreign.isEmpty() ? "" : "; other MX: " + String.join(", ", foreign);
            return Finding.ok("mx", "MX of " + domain + " " + String.join(", ", ours) + " is this server" + others);
        }
        if (failed != null) {
            return Finding.temporary("mx", "address lookup of MX host " + failedHost, failed.detail());
        }
        return Finding.error("mx", "MX of " + domain + " points to " + String.join(", ", foreign)
                + ", not to this server (" + addresses(serverIps) + ")", "replace it: " + publish);
    }

    private Finding nullMx(String domain) {
        String publish = "publish " + domain + ". IN MX 0 . as the only MX record (RFC 7505)";
        DnsResult<MxHost> mx = dns.mx(domain);
        if (mx.tempfail()) {
            return Finding.temporary("mx", "MX lookup of " + domain, mx.detail());
        }
        if (!mx.found()) {
            return Finding.error("mx", domain + " has no MX record: senders fall back to its address (RFC 5321 section 5.1)",
                    publish);
        }
        if (mx.records().size() == 1 && mx.records().getFirst().isNull()) {
            return Finding.ok("mx", "null MX: " + domain + " accepts no mail (RFC 7505)");
        }
        return Finding.error("mx", domain + " sends and receives no mail, but its MX is "
                + mx.records().stream().map(m -> m.preference() + " " + (m.host().isEmpty() ? "." : m.host()))
                        .collect(Collectors.joining(", ")), publish);
    }

    // ---- reverse DNS (forward-confirmed, as receivers check it) ----

    private Finding fcrdns(InetAddress ip, String host) {
        String addr = ip.getHostAddress();
        String fix = "ask whoever owns " + addr + " (your hosting provider) to set its reverse DNS (PTR) to " + host;
        DnsResult<String> ptr = dns.ptr(ip);
        if (ptr.tempfail()) {
            return Finding.temporary("ptr", "PTR lookup of " + addr, ptr.detail());
        }
        if (!ptr.found()) {
            return Finding.error("ptr", addr + " has no PTR record", fix);
        }
        boolean named = ptr.records().stream().anyMatch(n -> n.equalsIgnoreCase(host));
        if (!named) {
            return Finding.error("ptr", "PTR of " + addr + " is " + String.join(", ", ptr.records())
                    + ", not myhostname " + host, fix + ", or set myhostname in main.cf to the name the PTR gives");
        }
        DnsResult<InetAddress> forward = dns.addresses(host);
        if (forward.tempfail()) {
            return Finding.temporary("ptr", "address lookup of " + host, forward.detail());
        }
        if (!forward.records().contains(ip)) {
            return Finding.error("ptr", "PTR of " + addr + " is " + host + ", but " + host + " does not resolve back to "
                    + addr + (forward.found() ? " (it has " + addresses(forward.records()) + ")" : ""),
                    "publish " + host + ". IN " + (ip instanceof java.net.Inet6Address ? "AAAA " : "A ") + addr);
        }
        return Finding.ok("ptr", addr + " -> " + host + " -> " + addr + " (forward-confirmed reverse DNS)");
    }

    // ---- SPF (RFC 7208) ----

    private void spf(String domain, String host, List<InetAddress> serverIps, boolean noMail, List<Finding> out) {
        String recommended = noMail ? DomainRecords.NO_MAIL_SPF : DomainRecords.spfRecord(serverIps);
        String publish = "publish " + domain + ". IN TXT \"" + recommended + "\"";
        DnsResult<String> txt = dns.txt(domain);
        if (txt.tempfail()) {
            out.add(Finding.temporary("spf", "TXT lookup of " + domain, txt.detail()));
            return;
        }
        List<String> records = txt.records().stream().filter(SpfAudit::isSpfRecord).toList();
        if (records.isEmpty()) {
            out.add(Finding.error("spf", domain + " has no SPF record", publish));
            return;
        }
        if (records.size() > 1) {
            // RFC 7208 section 4.5: more than one record makes every check a permerror
            out.add(Finding.error("spf", domain + " has " + records.size() + " SPF records; receivers get permerror"
                    + " (RFC 7208 section 4.5): " + quoted(records), "merge them into one record, e.g. " + publish));
            return;
        }
        String record = records.getFirst();
        String syntax = SpfAudit.syntaxError(record);
        if (!syntax.isEmpty()) {
            out.add(Finding.error("spf", "SPF record of " + domain + " does not parse (" + syntax + "): \"" + record + "\"",
                    "fix the record; receivers get permerror. E.g. " + publish));
            return;
        }
        if (noMail) {
            out.add(SpfAudit.authorisesNothing(record)
                    ? Finding.ok("spf", "SPF of " + domain + " \"" + record + "\" authorises no host")
                    : Finding.warning("spf", domain + " sends no mail, but its SPF record \"" + record + "\" authorises hosts",
                            publish));
            return;
        }
        out.add(Finding.ok("spf", "SPF record of " + domain + ": \"" + record + "\""));
        SpfDns spfDns = SpfDns.of(dns);
        SpfAudit.LookupCount count = SpfAudit.countLookups(spfDns, domain);
        if (count.temporary()) {
            out.add(Finding.temporary("spf", "counting the SPF lookups of " + domain, count.error()));
        } else if (!count.error().isEmpty()) {
            out.add(Finding.error("spf", "SPF of " + domain + " is broken: " + count.error(),
                    "fix or remove the include/redirect; receivers get permerror"));
        } else if (count.overLimit()) {
            // RFC 7208 section 4.6.4: more than 10 DNS-querying terms is a permerror
            out.add(Finding.error("spf", "SPF of " + domain + " needs " + count.lookups() + " DNS lookups, over the limit of "
                    + Spf.MAX_DNS_TERMS + " (RFC 7208 section 4.6.4); receivers get permerror: "
                    + String.join("; ", count.trace().stream().map(String::strip).toList()),
                    "replace include:, a, mx, ptr and exists terms with ip4:/ip6: ranges, or drop includes you no longer use"));
        } else {
            String macros = count.unfollowed().isEmpty() ? ""
                    : " (not followed, they depend on the sender: " + String.join(", ", count.unfollowed()) + ")";
            out.add(Finding.ok("spf", "SPF of " + domain + " needs " + count.lookups() + " of at most "
                    + Spf.MAX_DNS_TERMS + " DNS lookups" + macros));
        }
        Spf spf = new Spf(spfDns);
        for (InetAddress ip : serverIps) {
            SpfVerdict v = spf.checkHost(ip, domain, "postmaster@" + domain, host);
            String addr = ip.getHostAddress();
            String how = v.mechanism().isEmpty() ? "" : " (" + v.mechanism() + ")";
            if (v.result() == SpfResult.PASS) {
                out.add(Finding.ok("spf", "SPF of " + domain + " authorises " + addr + how));
            } else if (v.result() == SpfResult.TEMPERROR) {
                out.add(Finding.temporary("spf", "SPF check of " + addr, v.mechanism()));
            } else {
                out.add(Finding.error("spf", "SPF of " + domain + " does not authorise " + addr + ": " + v.result().word() + how,
                        "add " + (ip instanceof java.net.Inet6Address ? "ip6:" : "ip4:") + addr
                                + " before the all term, e.g. " + publish));
            }
        }
    }

    // ---- DKIM (RFC 6376 section 3.6) ----

    private void dkim(String domain, List<DkimKey> keys, List<Finding> out) {
        List<DkimKey> active = keys.stream().filter(DkimKey::active).toList();
        if (active.isEmpty()) {
            out.add(Finding.warning("dkim", domain + " has no active DKIM key: its mail goes out unsigned",
                    "postern dkim keygen " + domain + ", publish the record it prints, then postern dkim activate "
                            + domain + " SELECTOR"));
        }
        for (DkimKey key : active) {
            out.add(dkimKey(key));
        }
    }

    private Finding dkimKey(DkimKey key) {
        String name = DomainRecords.dkimName(key);
        ZoneRecord expected = DomainRecords.dkimRecord(key);
        String publish = "publish " + expected.zoneLine().replaceAll("\\s*\n\\s*", " ");
        DnsResult<String> txt = dns.txt(name);
        if (txt.tempfail()) {
            return Finding.temporary("dkim", "TXT lookup of " + name, txt.detail());
        }
        if (!txt.found()) {
            return Finding.error("dkim", "active key " + key.selector() + " is not published at " + name, publish);
        }
        if (txt.records().size() > 1) {
            // RFC 6376 section 3.6.2.2: with several key records a verifier may use any one of them
            return Finding.error("dkim", name + " has " + txt.records().size() + " TXT records; verifiers may pick any",
                    "keep only this one: " + publish);
        }
        KeyRecord published;
        try {
            published = KeyRecord.parse(txt.records().getFirst());
        } catch (DkimSyntaxException e) {
            return Finding.error("dkim", "key record at " + name + " does not parse: " + e.getMessage(), publish);
        }
        String keyType = DkimAlgorithm.fromTag(key.algorithm()).keyType();
        if (published.revoked()) {
            return Finding.error("dkim", "key record at " + name + " has an empty p= (revoked, RFC 6376 section 3.6.1)",
                    publish);
        }
        if (!published.publicKey().equals(key.publicKey()) || !published.keyType().equals(keyType)) {
            return Finding.error("dkim", "key record at " + name + " does not match the stored " + key.algorithm()
                    + " key " + key.selector() + ": signatures fail", publish);
        }
        return Finding.ok("dkim", "key " + key.selector() + " (" + key.algorithm() + ") is published at " + name);
    }

    // ---- DMARC (RFC 9989) ----

    private void dmarc(String domain, boolean noMail, List<Finding> out) {
        String name = "_dmarc." + domain;
        String recommended = noMail ? DomainRecords.NO_MAIL_DMARC : DomainRecords.dmarcRecord(domain);
        String publish = "publish " + name + ". IN TXT \"" + recommended + "\"";
        DnsResult<String> txt = dns.txt(name);
        if (txt.tempfail()) {
            out.add(Finding.temporary("dmarc", "TXT lookup of " + name, txt.detail()));
            return;
        }
        List<String> records = txt.records().stream().filter(DmarcRecord::isDmarc).toList();
        if (records.isEmpty()) {
            out.add(Finding.error("dmarc", domain + " has no DMARC record at " + name, publish));
            return;
        }
        if (records.size() > 1) {
            // RFC 9989 policy discovery: several records count as none, so no policy applies
            out.add(Finding.error("dmarc", name + " has " + records.size() + " DMARC records; receivers apply no DMARC policy: "
                    + quoted(records), "keep one record, e.g. " + publish));
            return;
        }
        String record = records.getFirst();
        DmarcRecord parsed;
        try {
            parsed = DmarcRecord.parse(record);
        } catch (DmarcSyntaxException e) {
            out.add(Finding.error("dmarc", "DMARC record of " + domain + " is broken (" + e.getMessage() + "): \"" + record + "\"",
                    publish));
            return;
        }
        if (!parsed.warnings().isEmpty()) {
            out.add(Finding.warning("dmarc", "DMARC record of " + domain + ": " + String.join("; ", parsed.warnings()),
                    publish));
        }
        String policy = parsed.policy().word();
        if (noMail && !policy.equals("reject")) {
            out.add(Finding.warning("dmarc", domain + " sends no mail, but its DMARC policy is p=" + policy, publish));
        } else if (policy.equals("none")) {
            out.add(Finding.warning("dmarc", "DMARC of " + domain + " is p=none: receivers only report, they reject nothing",
                    "once the reports show only your own servers, publish p=quarantine, then p=reject"));
        } else {
            out.add(Finding.ok("dmarc", "DMARC of " + domain + ": \"" + record + "\""));
        }
    }


    private static String addresses(List<InetAddress> ips) {
        return ips.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
    }

    private static String quoted(List<String> records) {
        return records.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", "));
    }
}
