package org.postern.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postern.mail.Domains;

/**
 * A parsed {@code v=spf1} record (RFC 7208 sections 4.5, 4.6, 5, 6 and the ABNF of section 12).
 * The whole record is parsed before any term is evaluated, so a syntax error anywhere is a
 * {@code permerror} (4.6).
 */
record SpfRecord(String text, List<Mechanism> mechanisms, MacroString redirect, MacroString exp) {

    enum Kind { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * One directive: qualifier and mechanism (4.6.2, section 5).
     *
     * @param domain  the domain-spec, or null when absent (a, mx, ptr default to the current domain)
     * @param network the ip4/ip6 network address (4 or 16 bytes), else null
     */
    record Mechanism(String text, char qualifier, Kind kind, MacroString domain, int cidr4, int cidr6, byte[] network) {

        /** DNS-querying terms count toward the limit of 10 (4.6.4). */
        boolean countsAsLookup() {
            return switch (kind) {
                case INCLUDE, A, MX, PTR, EXISTS -> true;
                default -> false;
            };
        }
    }

    /** version = "v=spf1", case-insensitive, followed by a space or the end (4.5). */
    static boolean isSpf1(String txt) {
        return txt.length() >= 6 && txt.regionMatches(true, 0, "v=spf1", 0, 6)
                && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /** modifier = name "=" ...; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (4.6.1, 12). */
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
    /** dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] (5.3, 5.4). */
    private static final Pattern DUAL_CIDR = Pattern.compile("(?:/([0-9]+))?(?://([0-9]+))?");
    /** Splits "domain-spec dual-cidr-length", the CIDR taken as long as possible from the end. */
    private static final Pattern DOMAIN_AND_CIDR = Pattern.compile("(.*?)((?:/[0-9]+)?(?://[0-9]+)?)", Pattern.DOTALL);
    /** qnum "." qnum "." qnum "." qnum, no leading zeros (5.6). */
    private static final Pattern IP4 = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    private static final Pattern IP6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    static SpfRecord parse(String text) throws SpfSyntaxException {
        if (!isSpf1(text)) {
            throw new SpfSyntaxException("not a v=spf1 record");
        }
        List<Mechanism> mechanisms = new ArrayList<>();
        MacroString redirect = null;
        MacroString exp = null;
        // terms are separated by one or more SP, and only SP (4.6.1, 12: terms = *( 1*SP ( directive / modifier ) ))
        for (String term : text.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher mod = MODIFIER.matcher(term);
            if (mod.matches()) {
                String name = mod.group(1).toLowerCase(Locale.ROOT);
                String value = mod.group(2);
                switch (name) {
                    case "redirect" -> {
                        // 6: redirect and exp MUST NOT appear more than once each
                        if (redirect != null) {
                            throw new SpfSyntaxException("more than one redirect= modifier (RFC 7208 section 6)");
                        }
                        redirect = MacroString.domainSpec(value);
                    }
                    case "exp" -> {
                        if (exp != null) {
                            throw new SpfSyntaxException("more than one exp= modifier (RFC 7208 section 6)");
                        }
                        // An explicit empty exp= is a permerror (erratum to 6.2; test suite exp-empty-domain).
                        exp = MacroString.domainSpec(value);
                    }
                    // 6: unknown modifiers are ignored, but must be syntactically valid (A/3)
                    default -> MacroString.unknownModifier(value);
                }
                continue;
            }
            mechanisms.add(mechanism(term));
        }
        return new SpfRecord(text, List.copyOf(mechanisms), redirect, exp);
    }

    /** True when the record has an "all" mechanism: redirect is then ignored (6.1). */
    boolean hasAll() {
        return mechanisms.stream().anyMatch(m -> m.kind() == Kind.ALL);
    }

    private static Mechanism mechanism(String term) throws SpfSyntaxException {
        char qualifier = '+';
        String rest = term;
        char first = term.charAt(0);
        if (first == '+' || first == '-' || first == '~' || first == '?') {
            qualifier = first;
            rest = term.substring(1);
        }
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != ':' && rest.charAt(end) != '/') {
            end++;
        }
        String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
        String arg = rest.substring(end);
        Kind kind = switch (name) {
            case "all" -> Kind.ALL;
            case "include" -> Kind.INCLUDE;
            case "a" -> Kind.A;
            case "mx" -> Kind.MX;
            case "ptr" -> Kind.PTR;
            case "ip4" -> Kind.IP4;
            case "ip6" -> Kind.IP6;
            case "exists" -> Kind.EXISTS;
            default -> throw new SpfSyntaxException("unknown mechanism or malformed term '"
                    + MacroString.printable(term) + "' (RFC 7208 section 4.6.1)");
        };
        MacroString domain = null;
        int cidr4 = 32;
        int cidr6 = 128;
        byte[] network = null;
        switch (kind) {
            case ALL -> {
                // all = "all" (5.1)
                if (!arg.isEmpty()) {
                    throw bad(term, "5.1");
                }
            }
            case INCLUDE, EXISTS -> {
                // include = "include" ":" domain-spec (5.2); exists = "exists" ":" domain-spec (5.7)
                if (!arg.startsWith(":")) {
                    throw bad(term, kind == Kind.INCLUDE ? "5.2" : "5.7");
                }
                domain = MacroString.domainSpec(arg.substring(1));
            }
            case PTR -> {
                // PTR = "ptr" [ ":" domain-spec ] (5.5)
                if (arg.startsWith(":")) {
                    domain = MacroString.domainSpec(arg.substring(1));
                } else if (!arg.isEmpty()) {
                    throw bad(term, "5.5");
                }
            }
            case A, MX -> {
                // A = "a" [ ":" domain-spec ] [ dual-cidr-length ] (5.3); MX likewise (5.4)
                String cidr = arg;
                if (arg.startsWith(":")) {
                    Matcher m = DOMAIN_AND_CIDR.matcher(arg.substring(1));
                    if (!m.matches()) {
                        throw bad(term, kind == Kind.A ? "5.3" : "5.4");
                    }
                    domain = MacroString.domainSpec(m.group(1));
                    cidr = m.group(2);
                }
                Matcher c = DUAL_CIDR.matcher(cidr);
                if (!c.matches()) {
                    throw bad(term, kind == Kind.A ? "5.3" : "5.4");
                }
                if (c.group(1) != null) {
                    cidr4 = cidrLength(c.group(1), 32, term);
                }
                if (c.group(2) != null) {
                    cidr6 = cidrLength(c.group(2), 128, term);
                }
            }
            case IP4 -> {
                // IP4 = "ip4" ":" ip4-network [ ip4-cidr-length ] (5.6)
                if (!arg.startsWith(":")) {
                    throw bad(term, "5.6");
                }
                String[] netAndCidr = arg.substring(1).split("/", 2);
                if (!IP4.matcher(netAndCidr[0]).matches()) {
                    throw bad(term, "5.6");
                }
                network = literal(netAndCidr[0], term).getAddress();
                if (netAndCidr.length == 2) {
                    cidr4 = cidrLength(netAndCidr[1], 32, term);
                }
            }
            case IP6 -> {
                // IP6 = "ip6" ":" ip6-network [ ip6-cidr-length ] (5.6)
                if (!arg.startsWith(":")) {
                    throw bad(term, "5.6");
                }
                String[] netAndCidr = arg.substring(1).split("/", 2);
                String net = netAndCidr[0];
                // Parsed here, not by InetAddress.getByName: that resolves a text it cannot read
                // as an address (".:" for one) through the system resolver, outside the lookup
                // limits of section 4.6.4 (found by SpfRecordFuzzTest).
                network = IP6_CHARS.matcher(net).matches() ? Domains.parseIpv6(net, 0, net.length()) : null;
                if (network == null) {
                    throw bad(term, "5.6");
                }
                if (netAndCidr.length == 2) {
                    cidr6 = cidrLength(netAndCidr[1], 128, term);
                }
            }
        }
        return new Mechanism(term, qualifier, kind, domain, cidr4, cidr6, network);
    }

    private static InetAddress literal(String ip, String term) throws SpfSyntaxException {
        try {
            return InetAddress.getByName(ip); // a literal only: the caller checked the characters
        } catch (UnknownHostException e) {
            throw bad(term, "5.6");
        }
    }

    /** ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6 likewise up to 128 (5.6: no leading zeros). */
    private static int cidrLength(String digits, int max, String term) throws SpfSyntaxException {
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)
                || digits.length() > 1 && digits.charAt(0) == '0') {
            throw new SpfSyntaxException("invalid CIDR length in '" + term + "' (RFC 7208 section 5.6)");
        }
        int n = Integer.parseInt(digits);
        if (n > max) {
            throw new SpfSyntaxException("CIDR length /" + n + " over " + max + " in '" + term + "' (RFC 7208 section 5.6)");
        }
        return n;
    }

    private static SpfSyntaxException bad(String term, String section) {
        return new SpfSyntaxException("malformed mechanism '" + MacroString.printable(term)
                + "' (RFC 7208 section " + section + ")");
    }
}
