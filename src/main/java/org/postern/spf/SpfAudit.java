package org.postern.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.dns.DnsResult;
import org.postern.spf.SpfRecord.Kind;
import org.postern.spf.SpfRecord.Mechanism;

/**
 * Static checks of a published SPF record for its owner, independent of any client IP: does
 * it parse, and how many DNS-querying terms does it cost in the worst case? {@link Spf} counts
 * only the terms one evaluation reaches; a domain owner needs the total over every branch,
 * because a client that matches nothing walks them all (RFC 7208 section 4.6.4).
 */
public final class SpfAudit {

    /** Nesting guard; a loop of includes also ends once the count is far past the limit. */
    private static final int MAX_DEPTH = 20;

    private SpfAudit() {
    }

    /** True for a TXT record that is an SPF record: {@code v=spf1} then a space or the end (4.5). */
    public static boolean isSpfRecord(String txt) {
        return SpfRecord.isSpf1(txt);
    }

    /** The syntax error of an SPF record, or empty when it parses (4.6, 5, 6, 7.1). */
    public static String syntaxError(String text) {
        try {
            SpfRecord.parse(text);
            return "";
        } catch (SpfSyntaxException e) {
            return e.getMessage();
        }
    }

    /**
     * True when the record authorises no host: no mechanism other than {@code -all} and no
     * redirect, as a domain that sends no mail publishes ({@code v=spf1 -all}).
     */
    public static boolean authorisesNothing(String text) {
        try {
            SpfRecord r = SpfRecord.parse(text);
            return r.redirect() == null && !r.mechanisms().isEmpty() && r.mechanisms().stream()
                    .allMatch(m -> m.kind() == Kind.ALL && m.qualifier() == '-');
        } catch (SpfSyntaxException e) {
            return false;
        }
    }

    /**
     * The worst-case count of DNS-querying terms of a domain's SPF policy.
     *
     * @param lookups     include, a, mx, ptr, exists and redirect terms over the whole tree
     * @param trace       one line per record visited, indented by nesting
     * @param error       why the count is incomplete (a DNS failure, a missing or broken
     *                    included record), or empty
     * @param temporary   true when {@code error} is a temporary DNS failure
     * @param unfollowed  include/redirect targets with macros: counted once, not followed,
     *                    since their target depends on the sender
     */
    public record LookupCount(int lookups, List<String> trace, String error, boolean temporary, List<String> unfollowed) {

        public LookupCount {
            trace = List.copyOf(trace);
            unfollowed = List.copyOf(unfollowed);
        }

        public boolean overLimit() {
            return lookups > Spf.MAX_DNS_TERMS;
        }
    }

    /**
     * Counts the DNS-querying terms of the domain's SPF record, following include and redirect
     * recursively (4.6.4: include, a, mx, ptr, exists and redirect each cost one). A redirect
     * next to an {@code all} is never used (6.1) and costs nothing.
     */
    public static LookupCount countLookups(SpfDns dns, String domain) {
        Counter counter = new Counter(dns);
        try {
            counter.visit(strip(domain), 0);
            return new LookupCount(counter.lookups, counter.trace, "", false, counter.unfollowed);
        } catch (SpfException e) {
            return new LookupCount(counter.lookups, counter.trace, e.getMessage(),
                    e.result() == SpfResult.TEMPERROR, counter.unfollowed);
        }
    }

    private static String strip(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static final class Counter {
        final SpfDns dns;
        final List<String> trace = new ArrayList<>();
        final List<String> unfollowed = new ArrayList<>();
        int lookups;

        Counter(SpfDns dns) {
            this.dns = dns;
        }

        void visit(String domain, int depth) throws SpfException {
            if (depth > MAX_DEPTH || lookups > 2 * Spf.MAX_DNS_TERMS) {
                trace.add("  ".repeat(depth) + domain + ": not followed (count already over the limit)");
                return;
            }
            DnsResult<String> txt = dns.txt(domain);
            if (txt.tempfail()) {
                throw SpfException.temp("TXT lookup for " + domain + " failed: " + txt.detail());
            }
            List<String> spf = txt.records().stream().filter(SpfRecord::isSpf1).toList();
            if (spf.isEmpty()) {
                // 5.2 and 6.1: an include or redirect target without a record is a permerror
                throw SpfException.perm(domain + " has no SPF record (RFC 7208 sections 5.2, 6.1)");
            }
            if (spf.size() > 1) {
                throw SpfException.perm(domain + " has " + spf.size() + " v=spf1 records (RFC 7208 section 4.5)");
            }
            SpfRecord record;
            try {
                record = SpfRecord.parse(spf.getFirst());
            } catch (SpfSyntaxException e) {
                throw SpfException.perm(domain + ": " + e.getMessage());
            }
            int here = 0;
            List<String> follow = new ArrayList<>();
            for (Mechanism m : record.mechanisms()) {
                if (m.countsAsLookup()) {
                    here++;
                    if (m.kind() == Kind.INCLUDE) {
                        follow.add(target(m.domain(), m.text()));
                    }
                }
            }
            if (record.redirect() != null && !record.hasAll()) {
                here++;
                follow.add(target(record.redirect(), "redirect=" + record.redirect()));
            }
            lookups += here;
            trace.add("  ".repeat(depth) + domain + ": " + here + (here == 1 ? " lookup" : " lookups")
                    + " \"" + MacroString.printable(record.text()) + "\"");
            for (String target : follow) {
                if (target != null) {
                    visit(target, depth + 1);
                }
            }
        }

        /** The literal target of an include or redirect; null (and noted) when it has macros. */
        private String target(MacroString spec, String term) {
            StringBuilder literal = new StringBuilder();
            for (MacroString.Part p : spec.parts()) {
                if (!(p instanceof MacroString.Literal l)) {
                    unfollowed.add(term);
                    return null;
                }
                literal.append(l.text());
            }
            return strip(literal.toString());
        }
    }
}
