package org.postern.delivery.smtp;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import org.postern.delivery.DeliveryResult;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;

/**
 * Turns a next hop into the addresses to try, in order (RFC 5321 section 5.1):
 * MX records by preference, random among equal preference; the domain's own A/AAAA records
 * when it has no MX (the implicit MX); a null MX (RFC 7505) ends delivery at once; a
 * bracketed next hop skips the MX lookup. Address families follow {@code inet_protocols}
 * and {@code smtp_address_preference}; at most {@code smtp_mx_address_limit} addresses.
 */
final class MxResolver {

    /** Either addresses to try or a result for every recipient (not found, null MX, DNS failure). */
    record Resolution(List<SmtpConnection.Target> targets, DeliveryResult failure) {
        static Resolution failed(DeliveryResult failure) {
            return new Resolution(List.of(), failure);
        }
    }

    private final DnsResolver dns;
    private final SmtpClientSettings settings;
    private final RandomGenerator random;

    MxResolver(DnsResolver dns, SmtpClientSettings settings, RandomGenerator random) {
        this.dns = dns;
        this.settings = settings;
        this.random = random;
    }

    Resolution resolve(NextHop hop) {
        int port = hop.port() > 0 ? hop.port() : settings.defaultPort();
        if (hop.isAddressLiteral()) {
            try {
                InetAddress address = InetAddress.ofLiteral(hop.host());
                return new Resolution(List.of(new SmtpConnection.Target(hop.host(), address, port)), null);
            } catch (IllegalArgumentException e) {
                return Resolution.failed(DeliveryResult.local("", Status.BOUNCED, "5.4.4",
                        "bad address literal in next-hop destination [" + hop.host() + "]", "none"));
            }
        }
        if (!hop.mxLookup()) {
            return hostTargets(List.of(hop.host()), port);
        }
        DnsResult<MxHost> mx = dns.mx(hop.host());
        switch (mx.status()) {
            case TEMPFAIL -> {
                return Resolution.failed(nameError(hop.host(), "MX", DnsStatus.TEMPFAIL));
            }
            case NXDOMAIN -> {
                return Resolution.failed(nameError(hop.host(), "MX", DnsStatus.NXDOMAIN));
            }
            case NODATA -> {
                // RFC 5321 section 5.1: no MX records: the domain itself is the mail exchanger.
                return hostTargets(List.of(hop.host()), port);
            }
            default -> {
                // handled below
            }
        }
        List<MxHost> records = mx.records();
        if (records.stream().anyMatch(MxHost::isNull)) {
            // RFC 7505 section 3: "0 ." says the domain accepts no mail; return it at once.
            return Resolution.failed(DeliveryResult.local("", Status.BOUNCED, "5.1.10",
                    "Domain " + hop.host() + " does not accept mail (nullMX)", "none"));
        }
        List<MxHost> ordered = new ArrayList<>(records);
        Collections.shuffle(ordered, random); // ties in preference are tried in random order
        ordered.sort(Comparator.comparingInt(MxHost::preference));
        return hostTargets(ordered.stream().map(MxHost::host).distinct().toList(), port);
    }

    /** The addresses of each host in turn; failure only when no host has any. */
    private Resolution hostTargets(List<String> hosts, int port) {
        List<SmtpConnection.Target> targets = new ArrayList<>();
        DeliveryResult firstError = null;
        int limit = settings.mxAddressLimit() > 0 ? settings.mxAddressLimit() : Integer.MAX_VALUE;
        for (String host : hosts) {
            if (targets.size() >= limit) {
                break;
            }
            List<InetAddress> addresses = new ArrayList<>();
            DnsStatus worst = null;
            String worstType = "A";
            for (String type : familyOrder()) {
                DnsResult<InetAddress> r = type.equals("A") ? dns.a(host) : dns.aaaa(host);
                if (r.found()) {
                    List<InetAddress> found = new ArrayList<>(r.records());
                    Collections.shuffle(found, random);
                    addresses.addAll(found);
                } else if (worst == null || r.status() == DnsStatus.TEMPFAIL) {
                    worst = r.status();
                    worstType = type;
                }
            }
            if (addresses.isEmpty()) {
                if (firstError == null || worst == DnsStatus.TEMPFAIL) {
                    firstError = nameError(host, worstType, worst == null ? DnsStatus.NODATA : worst);
                }
                continue;
            }
            for (InetAddress a : addresses) {
                if (targets.size() < limit) {
                    targets.add(new SmtpConnection.Target(host, a, port));
                }
            }
        }
        if (targets.isEmpty()) {
            return Resolution.failed(firstError); // a temporary failure wins: the mail waits
        }
        return new Resolution(targets, null);
    }

    private List<String> familyOrder() {
        List<String> order = new ArrayList<>();
        boolean v6First = settings.addressPreference().equals("ipv6");
        if (v6First && settings.useIpv6()) {
            order.add("AAAA");
        }
        if (settings.useIpv4()) {
            order.add("A");
        }
        if (!v6First && settings.useIpv6()) {
            order.add("AAAA");
        }
        return order;
    }

    /** Postfix's text: {@code Host or domain name not found. Name service error for name=X type=MX: Host not found}. */
    private static DeliveryResult nameError(String name, String type, DnsStatus status) {
        String why = switch (status) {
            case TEMPFAIL -> "Host not found, try again";
            case NODATA -> "Host found but no data record of requested type";
            default -> "Host not found";
        };
        boolean temporary = status == DnsStatus.TEMPFAIL;
        return DeliveryResult.local("", temporary ? Status.DEFERRED : Status.BOUNCED, temporary ? "4.4.3" : "5.4.4",
                "Host or domain name not found. Name service error for name=" + name + " type=" + type + ": " + why,
                "none");
    }
}
