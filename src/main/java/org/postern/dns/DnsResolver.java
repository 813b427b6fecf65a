package org.postern.dns;

import org.postern.metrics.Metrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;

/**
 * Postern's one door to DNS, over dnsjava. It asks the configured servers ({@code dns_servers},
 * or the system resolver when none) and reports each answer as a {@link DnsResult} whose status
 * separates found, NXDOMAIN, no data and temporary failure.
 *
 * <p>Names are absolute; no search list is applied (a mail server must never complete
 * {@code example} into {@code example.localdomain}). CNAME chains are followed up to
 * {@value #MAX_CNAME_CHAIN} links (RFC 1034 section 3.6.2). Answers are kept in a
 * {@link DnsCache} for their TTL when one is given. Safe for concurrent use.
 */
public final class DnsResolver {

    static final int MAX_CNAME_CHAIN = 8;

    private final Resolver resolver;
    private final DnsCache cache;

    private DnsResolver(Resolver resolver, DnsCache cache) {
        this.resolver = resolver;
        this.cache = cache;
    }

    /**
     * A resolver for the given servers ({@code host[:port]}, {@code [v6addr]:port}); the system
     * resolver's servers when the list is empty. No cache: every lookup asks the servers (the
     * one-shot commands; the server passes a {@link DnsCache}).
     */
    public static DnsResolver create(List<String> servers, Duration timeout) {
        return create(servers, timeout, DnsCache.NONE);
    }

    /** A resolver as {@link #create(List, Duration)} that keeps answers in {@code cache}. */
    public static DnsResolver create(List<String> servers, Duration timeout, DnsCache cache) {
        Resolver r;
        if (servers.isEmpty()) {
            r = new ExtendedResolver();
        } else {
            List<Resolver> each = new ArrayList<>();
            for (String server : servers) {
                SimpleResolver simple = new SimpleResolver(parseServer(server));
                each.add(simple);
            }
            r = each.size() == 1 ? each.get(0) : new ExtendedResolver(each);
        }
        r.setTimeout(timeout);
        return new DnsResolver(r, cache);
    }

    /** The cache of this resolver ({@link DnsCache#NONE} when it has none). */
    public DnsCache cache() {
        return cache;
    }

    /**
     * Parses {@code host}, {@code host:port}, {@code [ipv6]}, {@code [ipv6]:port} or a bare IPv6
     * address; the port defaults to 53. Only literal addresses are accepted: a resolver address
     * that itself needs DNS would be circular.
     */
    public static InetSocketAddress parseServer(String text) {
        String host = text.trim();
        int port = 53;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad DNS server address '" + text + "': missing ']'");
            }
            String rest = host.substring(close + 1);
            host = host.substring(1, close);
            if (rest.startsWith(":")) {
                port = parsePort(text, rest.substring(1));
            } else if (!rest.isEmpty()) {
                throw new IllegalArgumentException("bad DNS server address '" + text + "': use [ipv6]:port");
            }
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            port = parsePort(text, host.substring(host.indexOf(':') + 1));
            host = host.substring(0, host.indexOf(':'));
        }
        if (!isIpLiteral(host)) {
            throw new IllegalArgumentException("bad DNS server address '" + text
                    + "': use an IP address, e.g. 127.0.0.1:5353 or [::1]:53");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad DNS server address '" + text + "': " + e.getMessage());
        }
    }

    private static int parsePort(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw new IllegalArgumentException("bad DNS server address '" + text + "': port must be 1-65535");
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("[0-9.]+") && host.split("\\.").length == 4 || host.matches("[0-9a-fA-F:.]+") && host.contains(":");
    }

    /** IPv4 addresses (A records). */
    public DnsResult<InetAddress> a(String name) {
        return query(name, Type.A, rec -> ((ARecord) rec).getAddress());
    }

    /** IPv6 addresses (AAAA records). */
    public DnsResult<InetAddress> aaaa(String name) {
        return query(name, Type.AAAA, rec -> ((AAAARecord) rec).getAddress());
    }

    /**
     * IPv4 and IPv6 addresses together. FOUND if either type has records; otherwise TEMPFAIL if
     * either lookup failed temporarily, NXDOMAIN if the name does not exist, else NODATA.
     */
    public DnsResult<InetAddress> addresses(String name) {
        DnsResult<InetAddress> v4 = a(name);
        if (v4.status() == DnsStatus.NXDOMAIN) {
            return v4;
        }
        DnsResult<InetAddress> v6 = aaaa(name);
        if (v4.found() || v6.found()) {
            List<InetAddress> all = new ArrayList<>(v4.records());
            all.addAll(v6.records());
            return DnsResult.found(all);
        }
        return v4.tempfail() ? v4 : v6;
    }

    /** MX records, in the order received; see {@link MxHost#isNull()} for null MX. */
    public DnsResult<MxHost> mx(String name) {
        return query(name, Type.MX, rec -> {
            MXRecord mx = (MXRecord) rec;
            return new MxHost(mx.getPriority(), hostName(mx.getTarget()));
        });
    }

    /** NS host names. */
    public DnsResult<String> ns(String name) {
        return query(name, Type.NS, rec -> hostName(((NSRecord) rec).getTarget()));
    }

    /**
     * TXT records, each one's character-strings concatenated without separators (as SPF and DKIM
     * read them: RFC 7208 section 3.3, RFC 6376 section 3.6.2.2).
     */
    public DnsResult<String> txt(String name) {
        return query(name, Type.TXT, rec -> {
            StringBuilder sb = new StringBuilder();
            for (byte[] part : ((TXTRecord) rec).getStringsAsByteArrays()) {
                sb.append(new String(part, StandardCharsets.UTF_8));
            }
            return sb.toString();
        });
    }

    /** PTR names of an address (the in-addr.arpa / ip6.arpa name is built here). */
    public DnsResult<String> ptr(InetAddress address) {
        return query(ReverseMap.fromAddress(address), Type.PTR, rec -> hostName(((PTRRecord) rec).getTarget()));
    }

    private <T> DnsResult<T> query(String name, int type, Function<Record, T> convert) {
        Name qname;
        try {
            qname = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            // A name that cannot be a DNS name cannot exist (RFC 1035 section 2.3.4 limits).
            return DnsResult.of(DnsStatus.NXDOMAIN, "invalid name: " + e.getMessage());
        }
        return query(qname, type, convert);
    }

    private <T> DnsResult<T> query(Name qname, int type, Function<Record, T> convert) {
        String typeName = Type.string(type);
        DnsCache.Answer answer = cache.get(qname, type);
        if (answer != null) {
            Metrics.DNS_CACHE_HITS.inc(typeName, answer.status().name().toLowerCase(Locale.ROOT));
        } else {
            long start = System.nanoTime();
            Lookup lookup = lookup(qname, type);
            answer = lookup.answer();
            cache.put(qname, type, answer, lookup.ttlSeconds());
            Metrics.DNS_QUERIES.observeSince(start, typeName, answer.status().name().toLowerCase(Locale.ROOT));
        }
        if (answer.status() != DnsStatus.FOUND) {
            return DnsResult.of(answer.status(), answer.detail());
        }
        List<T> converted = new ArrayList<>(answer.records().size());
        for (Record rec : answer.records()) {
            converted.add(convert.apply(rec));
        }
        return DnsResult.found(converted);
    }

    /** An answer and how long it may be cached: 0 for not at all. */
    private record Lookup(DnsCache.Answer answer, long ttlSeconds) {
        static Lookup uncacheable(DnsStatus status, String detail) {
            return new Lookup(new DnsCache.Answer(status, List.of(), detail), 0);
        }
    }

    private Lookup lookup(Name qname, int type) {
        Name current = qname;
        long ttl = Long.MAX_VALUE;   // the smallest TTL of every record the answer rests on
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
            Message response;
            try {
                response = send(Message.newQuery(Record.newRecord(current, type, DClass.IN)));
            } catch (IOException e) {
                return Lookup.uncacheable(DnsStatus.TEMPFAIL, e.getMessage() == null ? "timed out" : e.getMessage());
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return negative(response, DnsStatus.NXDOMAIN, "NXDOMAIN", ttl);
            }
            if (rcode != Rcode.NOERROR) {
                return Lookup.uncacheable(DnsStatus.TEMPFAIL, Rcode.string(rcode));
            }
            // Walk the answer as a chain: a recursive server returns the CNAMEs and the final
            // records together; an authoritative one may return only the first CNAME.
            List<Record> answers = response.getSection(Section.ANSWER);
            List<Record> found = new ArrayList<>();
            Name owner = current;
            for (boolean moved = true; moved && hop <= MAX_CNAME_CHAIN; ) {
                moved = false;
                for (Record rec : answers) {
                    if (!rec.getName().equals(owner)) {
                        continue;
                    }
                    if (rec.getType() == type) {
                        found.add(rec);
                        ttl = Math.min(ttl, rec.getTTL());
                    } else if (rec.getType() == Type.CNAME && found.isEmpty()) {
                        owner = ((CNAMERecord) rec).getTarget();
                        ttl = Math.min(ttl, rec.getTTL());
                        hop++;
                        moved = true;
                        break;
                    }
                }
            }
            if (!found.isEmpty()) {
                return new Lookup(new DnsCache.Answer(DnsStatus.FOUND, found, ""), ttl);
            }
            if (owner.equals(current)) {
                return negative(response, DnsStatus.NODATA, "no " + Type.string(type) + " record", ttl);
            }
            current = owner; // a CNAME without its target's records: ask for the target
        }
        return Lookup.uncacheable(DnsStatus.TEMPFAIL, "CNAME chain longer than " + MAX_CNAME_CHAIN);
    }

    /**
     * NXDOMAIN or no data. RFC 2308 section 5: a negative answer may be cached only when the
     * authority section carries the zone's SOA, for the smaller of the SOA record's TTL and its
     * MINIMUM field; without an SOA it is not cached. CNAMEs that led here (in this response or
     * an earlier one) bound the time as well.
     */
    private static Lookup negative(Message response, DnsStatus status, String detail, long chainTtl) {
        long ttl = 0;
        for (Record rec : response.getSection(Section.AUTHORITY)) {
            if (rec instanceof SOARecord soa) {
                ttl = Math.min(soa.getTTL(), soa.getMinimum());
                break;
            }
        }
        for (Record rec : response.getSection(Section.ANSWER)) {
            ttl = Math.min(ttl, rec.getTTL());
        }
        return new Lookup(new DnsCache.Answer(status, List.of(), detail), Math.min(ttl, chainTtl));
    }

    /**
     * Sends one query and waits for its answer, at most the resolver's timeout. dnsjava's own
     * blocking {@code send} completes answers on the JVM's common fork-join pool, which has a
     * single thread on a two-core machine: anything else blocking there (any library's
     * parallel stream or async task) would hold every DNS answer until it times out. Our own
     * executor keeps DNS independent of what else runs in the process.
     */
    private Message send(Message query) throws IOException {
        Duration timeout = resolver.getTimeout();
        try {
            return resolver.sendAsync(query, CALLBACKS).toCompletableFuture()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);   // dnsjava times out first
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause == null ? "DNS query failed" : cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IOException("timed out after " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a DNS answer");
        }
    }

    /**
     * Runs dnsjava's completion callbacks: one cheap virtual thread each, never exhausted. Not
     * an ExecutorService: that would track every thread in one shared set, a point of
     * contention under load (JFR: 5 % of the CPU in the port-25 benchmark), for a close() that
     * never comes.
     */
    private static final Executor CALLBACKS = task -> Thread.ofVirtual().name("dns-callback").start(task);

    private static String hostName(Name name) {
        String s = name.toString(true);
        return s.equals(".") ? "" : s;
    }
}
