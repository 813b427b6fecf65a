package org.postern.dmarc;

import java.net.IDN;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.dkim.DkimResult;
import org.postern.dkim.TxtResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.spf.SpfResult;

/**
 * DMARC evaluation (RFC 9989 section 5.3, Mail Receiver Actions) over a {@link TxtResolver}.
 * Immutable and safe for concurrent use; each evaluation keeps its own DNS answers, so the
 * several tree walks of one message never ask the same name twice.
 *
 * <pre>{@code
 * Dmarc dmarc = new Dmarc(resolver::txt);
 * DmarcVerdict v = dmarc.evaluate("example.org", new SpfCheck(SpfResult.PASS, "bounce.example.org"),
 *         DkimCheck.of(dkimVerification));
 * }</pre>
 */
public final class Dmarc {

    /**
     * At most this many labels are kept after the first query of a tree walk, so a walk costs
     * at most eight queries (RFC 9989 section 4.10, step 4: "If x >= 8, remove the left-most
     * labels from the subject domain until 7 labels remain").
     */
    static final int SHORTCUT_LABELS = 7;

    /**
     * When the Author Domain's Organizational Domain is determined. RFC 9989 needs it only for
     * policy discovery when the Author Domain has no record of its own (section 4.10.1) and for
     * relaxed alignment of an identifier that differs from the Author Domain (section 4.10.2);
     * in the common case (the Author Domain publishes a record, SPF and DKIM use that very
     * domain) the verdict costs one query.
     */
    public enum OrganizationalDomain {
        /** Only when the verdict depends on it: the mail path. */
        WHEN_NEEDED,
        /**
         * Always, for reporting it ({@code postern dmarc check}). The extra walk never changes
         * the result: a temporary failure in it only leaves the Organizational Domain unknown.
         */
        ALWAYS
    }

    private final TxtResolver dns;
    private final OrganizationalDomain organizationalDomain;

    /** Determines the Organizational Domain only when the verdict needs it. */
    public Dmarc(TxtResolver dns) {
        this(dns, OrganizationalDomain.WHEN_NEEDED);
    }

    public Dmarc(TxtResolver dns, OrganizationalDomain organizationalDomain) {
        this.dns = dns;
        this.organizationalDomain = organizationalDomain;
    }

    /**
     * Evaluates DMARC for a message with one Author Domain (RFC 9989 section 5.3.1: the caller
     * extracts it, e.g. with {@link AuthorDomain#extract}).
     *
     * @param authorDomain the domain of the From address; a U-label is converted to an A-label
     * @param spf the SPF result of the MAIL FROM identity and its domain
     * @param dkim every DKIM signature's result and d=
     */
    public DmarcVerdict evaluate(String authorDomain, SpfCheck spf, List<DkimCheck> dkim) {
        return new Evaluation().run(authorDomain, spf == null ? SpfCheck.NONE : spf, dkim == null ? List.of() : dkim);
    }

    /** Author Domains evaluated at most for one message with several (section 11.5). */
    public static final int MAX_AUTHOR_DOMAINS = 4;

    /**
     * Evaluates DMARC for the Author Domain(s) of a message. One domain: {@link #evaluate(String,
     * SpfCheck, List)}. No usable domain: permerror. Several domains (a From with addresses in
     * different domains, or several From fields): RFC 9989 section 5.3.1 says the process
     * terminates but "MAY choose to go forward"; since such messages are a known way to slip a
     * spoofed domain past DMARC (section 11.5), each domain is evaluated (up to
     * {@value #MAX_AUTHOR_DOMAINS}) and the worst verdict wins: fail (the strictest policy)
     * before temperror before none before pass. More domains than that: permerror.
     */
    public DmarcVerdict evaluate(AuthorDomain author, SpfCheck spf, List<DkimCheck> dkim) {
        if (author.isSingle()) {
            return evaluate(author.domain(), spf, dkim);
        }
        if (author.domains().isEmpty()) {
            return permerror("no author domain: " + author.problem() + " (RFC 9989 section 5.3.1)");
        }
        if (author.domains().size() > MAX_AUTHOR_DOMAINS) {
            return permerror("not evaluated: " + author.problem() + "; more than " + MAX_AUTHOR_DOMAINS
                    + " author domains (RFC 9989 section 11.5)");
        }
        List<String> trace = new ArrayList<>();
        trace.add(author.problem() + ": evaluating each author domain, the worst result wins (RFC 9989 section 11.5)");
        DmarcVerdict worst = null;
        for (String domain : author.domains()) {
            DmarcVerdict v = evaluate(domain, spf, dkim);
            for (String line : v.trace()) {
                trace.add("[" + v.authorDomain() + "] " + line);
            }
            if (worst == null || severity(v) > severity(worst)) {
                worst = v;
            }
        }
        trace.add("result: " + worst.result().word() + " (from " + worst.authorDomain() + ")");
        return new DmarcVerdict(worst.result(), worst.authorDomain(), worst.record(), worst.policyDomain(),
                worst.organizationalDomain(), worst.spfAligned(), worst.dkimAligned(), worst.requestedPolicy(),
                worst.disposition(), trace);
    }

    private static int severity(DmarcVerdict v) {
        return switch (v.result()) {
            case PASS -> 0;
            case NONE -> 1;
            case PERMERROR -> 2;
            case TEMPERROR -> 3;
            case FAIL -> 4 + v.disposition().ordinal();
        };
    }

    /** A verdict for a message whose Author Domain could not be determined (section 5.3.1). */
    public static DmarcVerdict permerror(String why) {
        return new DmarcVerdict(DmarcResult.PERMERROR, "", null, "", "", false, false, DmarcPolicy.NONE,
                DmarcPolicy.NONE, List.of(why, "result: permerror"));
    }

    /**
     * Lower case, no trailing dot, A-labels (section 5.3.1: "If the domain is a U-label, the
     * domain MUST be converted to an A-label"); null when it is not a domain name.
     */
    static String normalize(String domain) {
        if (domain == null) {
            return null;
        }
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.startsWith("[")) {
            return null;
        }
        try {
            d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return null;
        }
        d = d.toLowerCase(Locale.ROOT);
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return null;
            }
        }
        return d.length() > 253 ? null : d;
    }

    /** What a _dmarc query gave: a single valid record, nothing usable, or a temporary failure. */
    private record Lookup(DmarcRecord record, String unusable, boolean tempfail, String summary) {
    }

    /** The outcome of one tree walk: the Organizational Domain, and the records seen on the way. */
    private record Walk(String organizationalDomain, String publicSuffixDomain, Map<String, DmarcRecord> records,
            boolean tempfail, String how) {
    }

    /** Alignment of one identifier: yes, no, or unknown because of a DNS failure. */
    private enum Aligned { YES, NO, UNKNOWN }

    private final class Evaluation {
        private final Map<String, Lookup> lookups = new HashMap<>();
        private final Map<String, Walk> walks = new HashMap<>();
        private final List<String> trace = new ArrayList<>();
        private String policySource = "";

        DmarcVerdict run(String rawAuthor, SpfCheck spf, List<DkimCheck> dkim) {
            String author = normalize(rawAuthor);
            if (author == null) {
                return permerror("author domain '" + rawAuthor + "' is not a domain name (RFC 9989 section 5.3.1)");
            }
            trace.add("author domain: " + author);

            // Section 4.10.1 (DMARC Policy Discovery): the Author Domain first.
            Lookup own = lookup(author);
            if (own.tempfail()) {
                return verdict(DmarcResult.TEMPERROR, author, null, "", false, false, DmarcPolicy.NONE);
            }
            if (own.unusable() != null) {
                trace.add("no DMARC processing: " + own.unusable());
                return verdict(DmarcResult.NONE, author, null, "", false, false, DmarcPolicy.NONE);
            }
            if (organizationalDomain == OrganizationalDomain.ALWAYS) {
                walk(author);   // for the report only; a temporary failure here decides nothing
            }

            DmarcRecord record;
            String policyDomain;
            if (own.record() != null) {
                // Section 4.10.1: the Author Domain's own record is the policy. The tree walk
                // is left to relaxed alignment, which alone still needs it (section 4.10.2).
                record = own.record();
                policyDomain = author;
            } else {
                Walk authorWalk = walk(author);
                if (authorWalk.tempfail()) {
                    return verdict(DmarcResult.TEMPERROR, author, null, "", false, false, DmarcPolicy.NONE);
                }
                if (authorWalk.records().containsKey(authorWalk.organizationalDomain())) {
                    // The record of the Author Domain's Organizational Domain.
                    policyDomain = authorWalk.organizationalDomain();
                } else if (authorWalk.publicSuffixDomain() != null) {
                    // The Organizational Domain has no record: the Public Suffix Domain's applies.
                    policyDomain = authorWalk.publicSuffixDomain();
                } else {
                    // Section 4.10.1: no record anywhere: "Mail Receivers MUST NOT apply the DMARC mechanism".
                    trace.add("no DMARC policy record for " + author + " or above it");
                    return verdict(DmarcResult.NONE, author, null, "", false, false, DmarcPolicy.NONE);
                }
                record = authorWalk.records().get(policyDomain);
            }
            trace.add("policy record: _dmarc." + policyDomain + " \"" + record.raw() + "\"");
            for (String w : record.warnings()) {
                trace.add("  record problem: " + w);
            }

            // Sections 5.3.3 to 5.3.5: authenticated identifiers and their alignment.
            Aligned spfAligned = spfAlignment(author, spf, record);
            Aligned dkimAligned = Aligned.NO;
            for (DkimCheck check : dkim) {
                Aligned a = dkimAlignment(author, check, record);
                if (a == Aligned.YES || a == Aligned.UNKNOWN && dkimAligned == Aligned.NO) {
                    dkimAligned = a;
                }
            }
            if (dkim.isEmpty()) {
                trace.add("dkim: no signature");
            }
            boolean spfOk = spfAligned == Aligned.YES;
            boolean dkimOk = dkimAligned == Aligned.YES;
            if (spfOk || dkimOk) {
                return verdict(DmarcResult.PASS, author, record, policyDomain, spfOk, dkimOk,
                        requestedPolicy(author, policyDomain, record, false));
            }
            if (spfAligned == Aligned.UNKNOWN || dkimAligned == Aligned.UNKNOWN) {
                // Section 5.3.6: a DNS failure means the message neither passes nor fails.
                return verdict(DmarcResult.TEMPERROR, author, record, policyDomain, false, false,
                        requestedPolicy(author, policyDomain, record, false));
            }
            // A fail: find the policy; np needs to know whether the Author Domain exists.
            boolean needExistence = !policyDomain.equals(author) && record.nonExistentPolicy().isPresent()
                    && record.np() != record.subdomainPolicy().orElse(record.policy());
            boolean exists = true;
            if (needExistence) {
                DnsResult<String> probe = dns.txt(author);
                if (probe.tempfail()) {
                    trace.add("existence of " + author + ": temporary DNS failure (" + probe.detail() + ")");
                    return verdict(DmarcResult.TEMPERROR, author, record, policyDomain, false, false,
                            DmarcPolicy.NONE);
                }
                // Section 3.2 (Non-existent Domains, RFC 8020): NXDOMAIN means the name does not exist.
                exists = probe.status() != DnsStatus.NXDOMAIN;
                trace.add("existence of " + author + ": " + (exists ? "exists" : "NXDOMAIN, does not exist"));
            }
            return verdict(DmarcResult.FAIL, author, record, policyDomain, false, false,
                    requestedPolicy(author, policyDomain, record, !exists));
        }

        /**
         * Section 4.10.1: p for the Author Domain's own record; for a subdomain of the policy
         * domain, np when the Author Domain does not exist, else sp, falling back to p.
         */
        private DmarcPolicy requestedPolicy(String author, String policyDomain, DmarcRecord record, boolean nonExistent) {
            if (policyDomain.equals(author)) {
                policySource = "p= of the author domain's own record";
                return record.policy();
            }
            if (nonExistent && record.nonExistentPolicy().isPresent()) {
                policySource = "np= of " + policyDomain + " (the author domain does not exist)";
                return record.np();
            }
            policySource = (record.subdomainPolicy().isPresent() ? "sp= of " : "p= of ") + policyDomain
                    + " (the author domain is a subdomain" + (record.subdomainPolicy().isPresent() ? ")" : "; no sp=)");
            return record.subdomainPolicy().orElse(record.policy());
        }

        private DmarcVerdict verdict(DmarcResult result, String author, DmarcRecord record, String policyDomain,
                boolean spfAligned, boolean dkimAligned, DmarcPolicy requested) {
            DmarcPolicy disposition = DmarcPolicy.NONE;
            if (result == DmarcResult.FAIL) {
                disposition = record.testing() ? requested.testingDowngrade() : requested;
                trace.add("requested policy: " + requested.word() + " from " + policySource);
                if (record.testing() && disposition != requested) {
                    trace.add("t=y (testing): applying " + disposition.word() + " instead of " + requested.word()
                            + " (RFC 9989 section 4.7, tag t)");
                }
            }
            trace.add("result: " + result.word() + (result == DmarcResult.FAIL ? ", policy to apply: " + disposition.word() : ""));
            // Known only when a tree walk from the Author Domain was made and succeeded.
            Walk authorWalk = walks.get(author);
            String orgDomain = authorWalk == null || authorWalk.tempfail() ? "" : authorWalk.organizationalDomain();
            return new DmarcVerdict(result, author, record, policyDomain, orgDomain, spfAligned, dkimAligned,
                    record == null ? DmarcPolicy.NONE : requested, disposition, trace);
        }

        private Aligned spfAlignment(String author, SpfCheck spf, DmarcRecord record) {
            if (spf.result() != SpfResult.PASS) {
                // Section 4.4.2: only an SPF pass makes the domain an authenticated identifier.
                trace.add("spf: " + spf.result().word() + (spf.domain().isEmpty() ? "" : " for " + spf.domain())
                        + ", not an authenticated identifier");
                return Aligned.NO;
            }
            return align("spf: pass for " + spf.domain() + ", ", author, spf.domain(), record.strictSpf());
        }

        private Aligned dkimAlignment(String author, DkimCheck check, DmarcRecord record) {
            String s = check.selector().isEmpty() ? "" : " s=" + check.selector();
            if (check.result() != DkimResult.PASS) {
                trace.add("dkim: " + check.result().word() + " d=" + check.domain() + s + ", not an authenticated identifier");
                return Aligned.NO;
            }
            return align("dkim: pass d=" + check.domain() + s + ", ", author, check.domain(), record.strictDkim());
        }

        /** Section 4.10.2 (Identifier Alignment Evaluation). */
        private Aligned align(String prefix, String author, String rawIdentifier, boolean strict) {
            String identifier = normalize(rawIdentifier);
            if (identifier == null) {
                trace.add(prefix + "not a domain name: not aligned");
                return Aligned.NO;
            }
            if (identifier.equals(author)) {
                trace.add(prefix + "aligned (identical to the author domain)");
                return Aligned.YES;
            }
            if (strict) {
                // Strict alignment is a plain comparison (section 4.10.2, third note).
                trace.add(prefix + "not aligned (strict alignment needs " + author + ")");
                return Aligned.NO;
            }
            if (!lastLabel(identifier).equals(lastLabel(author))) {
                // Different top-level domains can never share an Organizational Domain.
                trace.add(prefix + "not aligned (different organizational domain)");
                return Aligned.NO;
            }
            Walk a = walk(author);
            Walk b = walk(identifier);
            if (a.tempfail() || b.tempfail()) {
                trace.add(prefix + "alignment unknown: temporary DNS failure");
                return Aligned.UNKNOWN;
            }
            if (a.organizationalDomain().equals(b.organizationalDomain())) {
                trace.add(prefix + "aligned (relaxed: same organizational domain " + a.organizationalDomain() + ")");
                return Aligned.YES;
            }
            trace.add(prefix + "not aligned (organizational domain " + b.organizationalDomain() + ", author's is "
                    + a.organizationalDomain() + ")");
            return Aligned.NO;
        }

        /**
         * The DNS Tree Walk of section 4.10 from {@code start}, and the Organizational Domain
         * chosen from the records it found (section 4.10.2).
         */
        private Walk walk(String start) {
            Walk cached = walks.get(start);
            if (cached != null) {
                return cached;
            }
            String[] labels = start.split("\\.");
            Map<String, DmarcRecord> records = new java.util.LinkedHashMap<>();
            String target = start;
            int count = labels.length;
            DmarcRecord last = null;
            String lastDomain = null;
            while (true) {
                Lookup l = lookup(target);
                if (l.tempfail()) {
                    Walk w = new Walk("", null, records, true, "temporary DNS failure");
                    walks.put(start, w);
                    return w;
                }
                if (l.record() != null) {
                    records.put(target, l.record());
                    last = l.record();
                    lastDomain = target;
                    // Steps 2 and 6: a single record with psd=y or psd=n ends the walk.
                    if (l.record().psd() != 'u') {
                        break;
                    }
                }
                if (count <= 1) {
                    break;
                }
                // Step 4 (first time) and step 7: drop labels from the left, at most 7 kept.
                count = Math.min(count - 1, SHORTCUT_LABELS);
                target = String.join(".", Arrays.copyOfRange(labels, labels.length - count, labels.length));
            }
            Walk w;
            if (last != null && last.isOrganizationalDomain()) {
                w = new Walk(lastDomain, null, records, false, "_dmarc." + lastDomain + " has psd=n");
            } else if (last != null && last.isPublicSuffix() && !lastDomain.equals(start)) {
                int psdLabels = lastDomain.split("\\.").length;
                String org = String.join(".", Arrays.copyOfRange(labels, labels.length - psdLabels - 1, labels.length));
                w = new Walk(org, lastDomain, records, false, "one label below " + lastDomain + ", whose record has psd=y");
            } else if (!records.isEmpty()) {
                String fewest = null;
                for (String d : records.keySet()) {
                    fewest = d; // the walk goes from long to short names: the last one has the fewest labels
                }
                w = new Walk(fewest, null, records, false, "the record with the fewest labels");
            } else {
                w = new Walk(start, null, records, false, "no DMARC record on the way up: the domain itself");
            }
            walks.put(start, w);
            trace.add("organizational domain of " + start + ": " + w.organizationalDomain() + " (" + w.how() + ")");
            return w;
        }

        /** One TXT query at _dmarc.DOMAIN, filtered as in section 4.10 steps 2 and 6. */
        private Lookup lookup(String domain) {
            Lookup cached = lookups.get(domain);
            if (cached != null) {
                return cached;
            }
            String name = "_dmarc." + domain;
            DnsResult<String> answer = dns.txt(name);
            Lookup l;
            if (answer.tempfail()) {
                l = new Lookup(null, null, true, "temporary DNS failure (" + answer.detail() + ")");
            } else if (!answer.found()) {
                l = new Lookup(null, null, false, answer.status() == DnsStatus.NXDOMAIN ? "NXDOMAIN" : "no TXT record");
            } else {
                List<String> dmarc = answer.records().stream().filter(DmarcRecord::isDmarc).toList();
                if (dmarc.isEmpty()) {
                    l = new Lookup(null, null, false, "no DMARC record among " + answer.records().size() + " TXT record(s)");
                } else if (dmarc.size() > 1) {
                    l = new Lookup(null, null, false, dmarc.size() + " DMARC records, all discarded (RFC 9989 section 4.10)");
                } else {
                    try {
                        DmarcRecord r = DmarcRecord.parse(dmarc.get(0));
                        l = new Lookup(r, null, false, "\"" + r.raw() + "\"");
                    } catch (DmarcSyntaxException e) {
                        l = new Lookup(null, "_dmarc." + domain + ": " + e.getMessage(), false,
                                "unusable record \"" + dmarc.get(0) + "\": " + e.getMessage());
                    }
                }
            }
            trace.add("query " + name + " TXT: " + l.summary());
            lookups.put(domain, l);
            return l;
        }

        private String lastLabel(String domain) {
            return domain.substring(domain.lastIndexOf('.') + 1);
        }
    }
}
