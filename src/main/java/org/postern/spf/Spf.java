package org.postern.spf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;
import org.postern.spf.SpfRecord.Mechanism;

/**
 * The SPF {@code check_host()} function (RFC 7208 section 4) over an {@link SpfDns}.
 * Immutable and safe for concurrent use; each check keeps its own counters.
 *
 * <pre>{@code
 * Spf spf = new Spf(SpfDns.of(resolver));
 * SpfVerdict v = spf.checkMailFrom(clientIp, "alice@example.org", "mail.example.org");
 * }</pre>
 */
public final class Spf {

    /** At most 10 terms that cause DNS queries per check (4.6.4). */
    public static final int MAX_DNS_TERMS = 10;
    /** At most 2 lookups that return NXDOMAIN or no answer (4.6.4). */
    public static final int MAX_VOID_LOOKUPS = 2;
    /** An "mx" with more than 10 MX records is a permerror (4.6.4). */
    public static final int MAX_MX_NAMES = 10;
    /** Only the first 10 PTR names are validated ("ptr" and %{p}, 4.6.4 and 5.5). */
    public static final int MAX_PTR_NAMES = 10;
    /** The overall time limit; "at least 20 seconds" (4.6.4), then temperror. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(20);
    /** The explanation given for "fail" when the domain publishes no usable exp= (6.2). */
    public static final String DEFAULT_EXPLANATION = "The domain's SPF record does not designate this host as a permitted sender";

    /** Nesting guard for include/redirect; the lookup limit normally ends loops first. */
    private static final int MAX_DEPTH = 20;

    private final SpfDns dns;
    private final String receiver;
    private final Clock clock;
    private final Duration timeLimit;
    private final MacroString defaultExplanation;

    /** A checker with the defaults: receiving host "unknown" for %{r}, system clock, 20 s limit. */
    public Spf(SpfDns dns) {
        this(dns, "unknown", Clock.systemUTC(), DEFAULT_TIME_LIMIT, DEFAULT_EXPLANATION);
    }

    /**
     * @param receiver           the receiving host's domain name, for the %{r} macro (7.2)
     * @param clock              for the %{t} macro and the time limit
     * @param timeLimit          total time for one check; exceeded: temperror (4.6.4)
     * @param defaultExplanation explain-string for "fail" without a usable exp= (macros allowed)
     */
    public Spf(SpfDns dns, String receiver, Clock clock, Duration timeLimit, String defaultExplanation) {
        this.dns = dns;
        this.receiver = receiver == null || receiver.isBlank() ? "unknown" : receiver;
        this.clock = clock;
        this.timeLimit = timeLimit;
        try {
            this.defaultExplanation = MacroString.explanation(defaultExplanation);
        } catch (SpfSyntaxException e) {
            throw new IllegalArgumentException("bad default SPF explanation: " + e.getMessage(), e);
        }
    }

    /**
     * Checks the HELO identity (RFC 7208 section 2.3): {@code check_host(ip, helo,
     * "postmaster@" + helo)}. A HELO that is not a domain name (an address literal, one label)
     * gives {@code none}.
     */
    public SpfVerdict checkHelo(InetAddress ip, String helo) {
        return checkHost(ip, helo, "postmaster@" + helo, helo);
    }

    /**
     * Checks the MAIL FROM identity (2.4): the domain of {@code sender}; for the null reverse
     * path (null or empty sender) {@code postmaster@helo}, as RFC 7208 section 2.4 says.
     */
    public SpfVerdict checkMailFrom(InetAddress ip, String sender, String helo) {
        if (sender == null || sender.isEmpty() || sender.equals("<>")) {
            return checkHelo(ip, helo);
        }
        int at = sender.lastIndexOf('@');
        String domain = at < 0 ? sender : sender.substring(at + 1);
        return checkHost(ip, domain, sender, helo);
    }

    /**
     * {@code check_host(<ip>, <domain>, <sender>)} (RFC 7208 section 4).
     *
     * @param ip     the SMTP client; an IPv4-mapped IPv6 address counts as IPv4 (5, item 9)
     * @param domain the domain to check (the sender's domain or the HELO name)
     * @param sender the MAIL FROM or {@code postmaster@helo}; no local-part means "postmaster" (4.3)
     * @param helo   the HELO/EHLO name, for the %{h} macro
     */
    public SpfVerdict checkHost(InetAddress ip, String domain, String sender, String helo) {
        Check check = new Check(normalize(ip), sender == null || sender.isEmpty() ? "postmaster@" + domain : sender,
                helo == null ? "" : helo);
        SpfResult result;
        String explanation = "";
        String mechanism = "";
        try {
            Outcome outcome = check.evaluate(domain, 0, true);
            result = outcome.result();
            mechanism = outcome.mechanism();
            explanation = outcome.explanation();
        } catch (SpfException e) {
            result = e.result();
            mechanism = e.getMessage();
            check.trace(0, result.word() + ": " + e.getMessage());
        }
        check.trace(0, "result: " + result.word());
        return new SpfVerdict(result, result == SpfResult.FAIL ? explanation : "", mechanism, check.trace, check.lookups);
    }

    /**
     * Expands an explain-string (all macro letters allowed) as check_host() would for this
     * client, domain, sender and HELO (RFC 7208 section 7). For tests and diagnostics.
     *
     * @throws IllegalArgumentException for a macro syntax error
     */
    String expandMacros(String text, InetAddress ip, String domain, String sender, String helo) {
        Check check = new Check(normalize(ip), sender, helo);
        try {
            return MacroString.explanation(text).expand(letter -> check.macro(letter, domain));
        } catch (SpfSyntaxException | SpfException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static InetAddress normalize(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xFF && b[11] == (byte) 0xFF) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
        return ip;
    }

    /** What one record's evaluation gave. */
    private record Outcome(SpfResult result, String mechanism, String explanation) {}

    /** The state of one check_host() call, shared by its includes and redirects. */
    private final class Check {
        final InetAddress ip;
        final boolean v6;
        final String sender;
        final String localPart;
        final String senderDomain;
        final String helo;
        final long deadline;
        final List<String> trace = new ArrayList<>();
        int lookups;
        int voids;
        List<String> validated; // PTR names that resolve back to ip, fetched once

        Check(InetAddress ip, String sender, String helo) {
            this.ip = ip;
            this.v6 = ip instanceof Inet6Address;
            int at = sender.lastIndexOf('@');
            String local = at < 0 ? "" : sender.substring(0, at);
            // 4.3: "If the <sender> has no local-part, substitute the string 'postmaster'"
            this.localPart = local.isEmpty() ? "postmaster" : local;
            this.senderDomain = at < 0 ? sender : sender.substring(at + 1);
            this.sender = localPart + "@" + senderDomain;
            this.helo = helo;
            this.deadline = clock.millis() + timeLimit.toMillis();
        }

        void trace(int depth, String line) {
            trace.add("  ".repeat(depth) + line);
        }

        Outcome evaluate(String domain, int depth, boolean wantExplanation) throws SpfException {
            if (depth > MAX_DEPTH) {
                throw SpfException.perm("include/redirect nested more than " + MAX_DEPTH + " deep");
            }
            String name = stripDot(domain);
            // 4.3: a malformed or single-label domain gives "none" at once
            if (!validDomain(name, true)) {
                trace(depth, name + ": not a valid domain name, no SPF check (RFC 7208 section 4.3)");
                return new Outcome(SpfResult.NONE, "", "");
            }
            SpfRecord record = fetch(name, depth);
            if (record == null) {
                return new Outcome(SpfResult.NONE, "", "");
            }
            for (Mechanism m : record.mechanisms()) {
                if (matches(m, name, depth)) {
                    SpfResult result = SpfResult.ofQualifier(m.qualifier());
                    trace(depth + 1, m.text() + " -> match: " + result.word());
                    String exp = result == SpfResult.FAIL && wantExplanation ? explain(record, name, depth) : "";
                    return new Outcome(result, m.text(), exp);
                }
            }
            // 6.1: redirect applies when no mechanism matched; ignored when there is an "all"
            if (record.redirect() != null && !record.hasAll()) {
                countLookup("redirect=" + record.redirect());
                String target = expandDomain(record.redirect(), name);
                trace(depth + 1, "redirect=" + target);
                if (!validDomain(target, true)) {
                    throw SpfException.perm("redirect=" + record.redirect() + ": '" + target + "' is not a valid domain (RFC 7208 section 6.1)");
                }
                Outcome o = evaluate(target, depth + 1, wantExplanation);
                if (o.result() == SpfResult.NONE) {
                    // 6.1: "if no SPF record is found ... the result is permerror"
                    throw SpfException.perm("redirect=" + target + ": no SPF record (RFC 7208 section 6.1)");
                }
                return o;
            }
            // 4.7: no match and no redirect: neutral
            trace(depth + 1, "no mechanism matched -> neutral");
            return new Outcome(SpfResult.NEUTRAL, "", "");
        }

        /** Fetches and parses the domain's one SPF record; null when there is none (4.4, 4.5). */
        private SpfRecord fetch(String name, int depth) throws SpfException {
            DnsResult<String> txt = query(() -> dns.txt(name));
            if (txt.tempfail()) {
                throw SpfException.temp("TXT lookup for " + name + " failed: " + txt.detail() + " (RFC 7208 section 4.4)");
            }
            List<String> spf = txt.records().stream().filter(SpfRecord::isSpf1).toList();
            if (spf.isEmpty()) {
                trace(depth, name + ": no SPF record (" + (txt.found() ? "no v=spf1 TXT" : txt.status().name()) + ")");
                return null;
            }
            if (spf.size() > 1) {
                // 4.5: more than one record is a permerror
                throw SpfException.perm(name + " has " + spf.size() + " v=spf1 records (RFC 7208 section 4.5)");
            }
            String text = spf.getFirst();
            trace(depth, name + ": \"" + MacroString.printable(text) + "\"");
            try {
                return SpfRecord.parse(text);
            } catch (SpfSyntaxException e) {
                throw SpfException.perm(name + ": " + e.getMessage());
            }
        }

        private boolean matches(Mechanism m, String domain, int depth) throws SpfException {
            if (m.countsAsLookup()) {
                countLookup(m.text());
            }
            return switch (m.kind()) {
                case ALL -> true;
                case IP4 -> !v6 && inNetwork(ip.getAddress(), m.network(), m.cidr4());
                case IP6 -> v6 && inNetwork(ip.getAddress(), m.network(), m.cidr6());
                case INCLUDE -> include(m, domain, depth);
                case A -> {
                    String target = target(m, domain);
                    if (!validDomain(target, false)) {
                        yield noMatch(m, depth, "'" + target + "' is not a valid domain name");
                    }
                    List<InetAddress> addresses = addresses(target, true);
                    boolean match = addresses.stream().anyMatch(matchesCidr4or6(m));
                    yield match || noMatch(m, depth, addresses.isEmpty() ? "no addresses" : "");
                }
                case MX -> mx(m, domain, depth);
                case PTR -> {
                    String target = target(m, domain).toLowerCase(Locale.ROOT);
                    // 5.5: a validated name that is the target or ends in "." + target
                    for (String host : validatedNames()) {
                        String h = host.toLowerCase(Locale.ROOT);
                        if (h.equals(target) || h.endsWith("." + target)) {
                            trace(depth + 1, m.text() + ": " + host + " is validated");
                            yield true;
                        }
                    }
                    yield noMatch(m, depth, "");
                }
                case EXISTS -> {
                    String target = target(m, domain);
                    if (!validDomain(target, false)) {
                        yield noMatch(m, depth, "'" + target + "' is not a valid domain name");
                    }
                    // 5.7: an A query, whatever the connection's address family
                    DnsResult<InetAddress> a = query(() -> dns.a(target));
                    if (a.tempfail()) {
                        throw SpfException.temp(m.text() + ": A lookup for " + target + " failed: " + a.detail());
                    }
                    if (!a.found()) {
                        countVoid(target);
                    }
                    yield a.found() || noMatch(m, depth, target + " does not exist");
                }
            };
        }

        private boolean noMatch(Mechanism m, int depth, String why) {
            trace(depth + 1, m.text() + " -> no match" + (why.isEmpty() ? "" : " (" + why + ")"));
            return false;
        }

        private java.util.function.Predicate<InetAddress> matchesCidr4or6(Mechanism m) {
            return a -> inNetwork(ip.getAddress(), a.getAddress(), v6 ? m.cidr6() : m.cidr4());
        }

        /** 5.2: pass matches; fail, softfail, neutral do not; errors and none end the check. */
        private boolean include(Mechanism m, String domain, int depth) throws SpfException {
            String target = expandDomain(m.domain(), domain);
            trace(depth + 1, m.text() + (target.equals(m.domain().toString()) ? "" : " (" + target + ")"));
            Outcome o = evaluate(target, depth + 2, false);
            switch (o.result()) {
                case PASS -> {
                    return true;
                }
                case NONE -> throw SpfException.perm(m.text() + ": " + target + " has no SPF record (RFC 7208 section 5.2)");
                default -> {
                    trace(depth + 1, m.text() + " -> no match (" + o.result().word() + ")");
                    return false;
                }
            }
        }

        /** 5.4: the addresses of each MX host; more than 10 MX records is a permerror (4.6.4). */
        private boolean mx(Mechanism m, String domain, int depth) throws SpfException {
            String target = target(m, domain);
            if (!validDomain(target, false)) {
                return noMatch(m, depth, "'" + target + "' is not a valid domain name");
            }
            DnsResult<MxHost> mx = query(() -> dns.mx(target));
            if (mx.tempfail()) {
                throw SpfException.temp(m.text() + ": MX lookup for " + target + " failed: " + mx.detail());
            }
            if (!mx.found()) {
                countVoid(target);
                return noMatch(m, depth, "no MX records");
            }
            if (mx.records().size() > MAX_MX_NAMES) {
                throw SpfException.perm(m.text() + ": " + target + " has " + mx.records().size()
                        + " MX records, over the limit of " + MAX_MX_NAMES + " (RFC 7208 section 4.6.4)");
            }
            for (MxHost host : mx.records()) {
                if (host.isNull() || host.host().isEmpty()) {
                    continue; // null MX (RFC 7505): no host to match
                }
                for (InetAddress a : addresses(host.host(), false)) {
                    if (inNetwork(ip.getAddress(), a.getAddress(), v6 ? m.cidr6() : m.cidr4())) {
                        trace(depth + 1, m.text() + ": " + host.host() + " has " + a.getHostAddress());
                        return true;
                    }
                }
            }
            return noMatch(m, depth, "");
        }

        /** A (IPv4 client) or AAAA (IPv6 client) records of a name (5.3); DNS errors: temperror. */
        private List<InetAddress> addresses(String name, boolean countVoid) throws SpfException {
            DnsResult<InetAddress> r = query(() -> v6 ? dns.aaaa(name) : dns.a(name));
            if (r.tempfail()) {
                throw SpfException.temp((v6 ? "AAAA" : "A") + " lookup for " + name + " failed: " + r.detail());
            }
            if (!r.found() && countVoid) {
                countVoid(name);
            }
            return r.records().stream().filter(a -> (a instanceof Inet6Address) == v6).toList();
        }

        /**
         * 5.5: the PTR names of ip whose A/AAAA records include ip, at most 10 names tried
         * (4.6.4); DNS errors skip a name, a failed PTR lookup gives none.
         */
        private List<String> validatedNames() throws SpfException {
            if (validated != null) {
                return validated;
            }
            DnsResult<String> ptr = query(() -> dns.ptr(ip));
            List<String> names = new ArrayList<>();
            if (ptr.status() == DnsStatus.NXDOMAIN || ptr.status() == DnsStatus.NODATA) {
                countVoid("PTR of " + ip.getHostAddress());
            }
            List<String> candidates = ptr.records();
            for (String name : candidates.subList(0, Math.min(MAX_PTR_NAMES, candidates.size()))) {
                if (!validDomain(name, false)) {
                    continue;
                }
                DnsResult<InetAddress> back = query(() -> v6 ? dns.aaaa(name) : dns.a(name));
                if (back.records().stream().anyMatch(a -> Arrays.equals(a.getAddress(), ip.getAddress()))) {
                    names.add(name);
                }
            }
            validated = names;
            return names;
        }

        private String target(Mechanism m, String domain) throws SpfException {
            return m.domain() == null ? domain : expandDomain(m.domain(), domain);
        }

        private void countLookup(String term) throws SpfException {
            if (++lookups > MAX_DNS_TERMS) {
                throw SpfException.perm(term + ": more than " + MAX_DNS_TERMS
                        + " DNS-querying terms (RFC 7208 section 4.6.4)");
            }
        }

        private void countVoid(String name) throws SpfException {
            if (++voids > MAX_VOID_LOOKUPS) {
                throw SpfException.perm(name + ": more than " + MAX_VOID_LOOKUPS
                        + " void DNS lookups (RFC 7208 section 4.6.4)");
            }
        }

        private <T> DnsResult<T> query(java.util.function.Supplier<DnsResult<T>> lookup) throws SpfException {
            if (clock.millis() > deadline) {
                throw SpfException.temp("SPF check took longer than " + timeLimit.toSeconds() + " s (RFC 7208 section 4.6.4)");
            }
            return lookup.get();
        }

        /** Expands a domain-spec; 7.3: over 253 characters, drop labels from the left. */
        private String expandDomain(MacroString spec, String domain) throws SpfException {
            String name = stripDot(spec.expand(letter -> macro(letter, domain)));
            while (name.length() > 253 && name.indexOf('.') >= 0) {
                name = name.substring(name.indexOf('.') + 1);
            }
            return name;
        }

        /** 6.2: the exp= text, or the default; every failure on the way gives the default. */
        private String explain(SpfRecord record, String domain, int depth) {
            if (record.exp() != null) {
                try {
                    String target = expandDomain(record.exp(), domain);
                    if (validDomain(target, false)) {
                        // not counted toward the lookup or void limits (4.6.4, test suite exp-void)
                        DnsResult<String> txt = dns.txt(target);
                        if (txt.found() && txt.records().size() == 1) {
                            String text = txt.records().getFirst();
                            if (text.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) { // 6.2: US-ASCII only
                                String expanded = MacroString.explanation(text).expand(l -> macro(l, domain));
                                trace(depth + 1, "explanation from " + target + ": \"" + expanded + "\"");
                                return expanded;
                            }
                        }
                        trace(depth + 1, "explanation from " + target + ": none usable explanation (" + txt.status().name()
                                + ", " + txt.records().size() + " records); default used");
                    }
                } catch (SpfException | SpfSyntaxException e) {
                    trace(depth + 1, "explanation from exp " + record.exp() + ": " + e.getMessage() + "; default used");
                }
            }
            try {
                return defaultExplanation.expand(l -> macro(l, domain));
            } catch (SpfException e) {
                return defaultExplanation.toString();
            }
        }

        /** Macro values (7.2). */
        private String macro(char letter, String domain) throws SpfException {
            return switch (letter) {
                case 's' -> sender;
                case 'l' -> localPart;
                case 'o' -> senderDomain;
                case 'd' -> domain;
                case 'i' -> dottedIp(ip);
                case 'p' -> validatedName(domain);
                case 'v' -> v6 ? "ip6" : "in-addr";
                case 'h' -> helo;
                case 'c' -> readableIp(ip);
                case 'r' -> receiver;
                case 't' -> Long.toString(clock.millis() / 1000);
                default -> throw SpfException.perm("unknown macro letter " + letter);
            };
        }

        /** 7.3 %{p}: the domain itself if validated, else a validated subdomain, else any, else "unknown". */
        private String validatedName(String domain) throws SpfException {
            List<String> names = validatedNames();
            String d = domain.toLowerCase(Locale.ROOT);
            for (String n : names) {
                if (n.equalsIgnoreCase(d)) {
                    return n;
                }
            }
            for (String n : names) {
                if (n.toLowerCase(Locale.ROOT).endsWith("." + d)) {
                    return n;
                }
            }
            return names.isEmpty() ? "unknown" : names.getFirst();
        }
    }

    /** %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (7.3). */
    static String dottedIp(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : ip.getAddress()) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append('.')
                    .append(Character.forDigit(b & 0xF, 16)).append('.');
        }
        return sb.substring(0, sb.length() - 1);
    }

    /** %{c}: dotted quad, or the RFC 5952 text form of an IPv6 address (7.3). */
    static String readableIp(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        // the longest run of two or more zero groups becomes "::" (RFC 5952 section 4.2)
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** True when the first {@code bits} bits of the two addresses are equal (same family). */
    static boolean inNetwork(byte[] address, byte[] network, int bits) {
        if (address.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * A name a DNS query can be made for: labels of 1 to 63 octets, at most 253 in all (RFC 1035
     * section 2.3.4), no controls or spaces at the ends. With {@code initial}, also RFC 7208
     * section 4.3: a multi-label name that is not an address literal.
     */
    static boolean validDomain(String name, boolean initial) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                return false;
            }
        }
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            return false;
        }
        if (initial) {
            if (name.indexOf('.') < 0 || name.startsWith("[") || name.chars().anyMatch(c -> c <= ' ')) {
                return false;
            }
            String top = name.substring(name.lastIndexOf('.') + 1);
            if (top.chars().allMatch(Character::isDigit)) {
                return false; // an IPv4 address, not a domain
            }
        }
        return true;
    }
}
