package org.postern.cli;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.dnscheck.DomainCheck;
import org.postern.dnscheck.DomainRecords;
import org.postern.dnscheck.Finding;
import org.postern.dnscheck.ZoneRecord;
import org.postern.dns.DnsResolver;
import org.postern.mail.Domains;
import org.postern.store.DkimKey;
import org.postern.store.DkimKeyStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern dns records|check}: what a domain must publish in DNS, and whether it does. */
@Command(name = "dns", description = "The DNS records a domain needs (MX, SPF, DKIM, DMARC, reverse DNS): print and check them.",
        subcommands = {DnsCommand.Records.class, DnsCommand.Check.class})
final class DnsCommand {

    private DnsCommand() {
    }

    /** What both subcommands take: the domain, this server's addresses, --no-mail and --json. */
    abstract static class DomainOptions extends ContextCommand {
        @Parameters(paramLabel = "DOMAIN", description = "The mail domain, e.g. example.org.")
        String domain;

        @Option(names = "--server-ip", paramLabel = "IP",
                description = "This server's public IPv4 or IPv6 address (repeatable). check: default the addresses of"
                        + " myhostname. records: without it, SPF uses mx.")
        List<String> serverIps = new ArrayList<>();

        @Option(names = "--no-mail", description = "The domain sends and receives no mail: null MX (RFC 7505),"
                + " v=spf1 -all and DMARC p=reject instead of the usual records.")
        boolean noMail;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        String domain() {
            String d = domain.strip().toLowerCase(Locale.ROOT);
            if (d.endsWith(".")) {
                d = d.substring(0, d.length() - 1);
            }
            if (!Domains.isFqdn(d, false)) {
                throw new CliException("'" + domain + "' is not a domain name: give one like example.org", 2);
            }
            return d;
        }

        List<InetAddress> serverIps() {
            List<InetAddress> ips = new ArrayList<>();
            for (String text : serverIps) {
                InetAddress ip = Domains.parseIpAddress(text.strip());
                if (ip == null) {
                    throw new CliException("--server-ip: '" + text + "' is not an IPv4 or IPv6 address", 2);
                }
                ips.add(ip);
            }
            return ips;
        }

        /** The domain's DKIM keys; no database is opened for a domain that sends no mail. */
        List<DkimKey> keys(Context context, String d) throws Exception {
            return noMail ? List.of() : new DkimKeyStore(context.database()).list(d);
        }
    }

    @Command(name = "records", description = {
        "Print the DNS records DOMAIN should publish, as zone-file lines.",
        "MX pointing at myhostname; SPF authorising this server (ip4:/ip6: of --server-ip, else mx); the",
        "DKIM keys of the domain that are active or pending in the store; DMARC p=reject with reports to",
        "postmaster@DOMAIN. With --server-ip also myhostname's A/AAAA records, and (commented out) the PTR",
        "record the address's owner must set. With --no-mail: null MX, v=spf1 -all and DMARC p=reject.",
        "Names are absolute: paste the lines into the zone. See docs/dns.md."})
    static final class Records extends DomainOptions {
        @Override
        protected int run(Context context) throws Exception {
            String d = domain();
            List<InetAddress> ips = serverIps();
            String host = context.parameters().get("myhostname");
            List<ZoneRecord> records = noMail ? DomainRecords.forNoMailDomain(d)
                    : DomainRecords.forMailDomain(d, host, ips, keys(context, d));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("domain", d);
                m.put("hostname", noMail ? null : host);
                m.put("no_mail", noMail);
                m.put("records", records.stream().map(DnsCommand::recordJson).toList());
                out().println(Json.write(m));
                return 0;
            }
            out().println("; DNS records for " + d + (noMail ? " (sends and receives no mail)" : " (mail server " + host + ")"));
            for (ZoneRecord r : records) {
                out().println();
                if (!r.comment().isEmpty()) {
                    out().println("; " + r.comment());
                }
                // A PTR record lives in the address owner's reverse zone: shown, but commented
                // out so that the output can be pasted into the domain's zone as it is.
                out().println(r.type().equals("PTR") ? "; " + r.zoneLine() : r.zoneLine());
            }
            return 0;
        }
    }

    static Map<String, Object> recordJson(ZoneRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("type", r.type());
        m.put("value", r.value());
        if (r.type().equals("TXT")) {
            m.put("strings", r.strings());
        }
        m.put("comment", r.comment());
        m.put("zone", r.zoneLine());
        return m;
    }

    @Command(name = "check", description = {
        "Look up DOMAIN's DNS records and report each as ok, warning or error, with the fix.",
        "Checks: MX points to this server; the server's reverse DNS (PTR) names myhostname and that name",
        "resolves back (FCrDNS); one SPF record that parses, needs at most 10 DNS lookups and authorises",
        "the server; every active DKIM key is published with the stored public key; one DMARC record with",
        "a valid p=. A temporary DNS failure is reported as such (an error: nothing could be verified).",
        "The server's addresses are --server-ip, else those of myhostname. DNS servers: --dns-server,",
        "else dns_servers of main.cf, else the system resolver. See docs/dns.md.",
        "Exit status: 0 when there is no error (warnings allowed), 1 when there is an error, 2 for bad",
        "arguments."})
    static final class Check extends DomainOptions {
        @Option(names = "--dns-server", paramLabel = "HOST:PORT",
                description = "DNS server to ask (repeatable), e.g. 127.0.0.1:5353. Default: dns_servers, else the system resolver.")
        List<String> dnsServers = new ArrayList<>();

        @Option(names = "--dns-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "Timeout of one DNS query; default: ${DEFAULT-VALUE}.")
        int dnsTimeout;

        @Override
        protected int run(Context context) throws Exception {
            String d = domain();
            List<InetAddress> ips = serverIps();
            List<String> servers = dnsServers.isEmpty() ? context.parameters().list("dns_servers") : dnsServers;
            DnsResolver resolver;
            try {
                resolver = DnsResolver.create(servers, Duration.ofSeconds(Math.max(1, dnsTimeout)));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            String host = context.parameters().get("myhostname");
            List<Finding> findings = new DomainCheck(resolver).check(d, host, ips, keys(context, d), noMail);
            long errors = findings.stream().filter(f -> f.status() == Finding.Status.ERROR).count();
            long warnings = findings.stream().filter(f -> f.status() == Finding.Status.WARNING).count();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("domain", d);
                m.put("hostname", host);
                m.put("no_mail", noMail);
                m.put("errors", errors);
                m.put("warnings", warnings);
                m.put("findings", findings.stream().map(DnsCommand::findingJson).toList());
                out().println(Json.write(m));
            } else {
                out().println("dns check " + d + (noMail ? " (sends and receives no mail)" : " (mail server " + host + ")"));
                for (Finding f : findings) {
                    out().printf("%-8s %-7s %s%n", f.status().word(), f.check(), f.message());
                    if (!f.fix().isEmpty()) {
                        out().printf("%-16s fix: %s%n", "", f.fix());
                    }
                }
                out().println(count(errors, "error") + ", " + count(warnings, "warning"));
            }
            return DomainCheck.hasErrors(findings) ? 1 : 0;
        }

        private static String count(long n, String word) {
            return n + " " + word + (n == 1 ? "" : "s");
        }
    }

    static Map<String, Object> findingJson(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("check", f.check());
        m.put("status", f.status().word());
        m.put("message", f.message());
        m.put("fix", f.fix());
        m.put("temporary", f.temporary());
        return m;
    }
}
