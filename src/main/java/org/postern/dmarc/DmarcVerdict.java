package org.postern.dmarc;

import java.util.List;

/**
 * The outcome of one DMARC evaluation.
 *
 * @param result pass, fail, none, temperror or permerror
 * @param authorDomain the Author Domain evaluated (A-label, lower case); empty when none
 * @param record the policy record that applies, or null when none was found
 * @param policyDomain where {@code record} was found (the Author Domain, its Organizational
 *     Domain or its Public Suffix Domain); empty when none
 * @param organizationalDomain the Author Domain's Organizational Domain (RFC 9989 section
 *     4.10.2); empty when unknown (no Author Domain, a DNS failure) or not needed for the verdict
 *     (see {@link Dmarc.OrganizationalDomain})
 * @param spfAligned an SPF pass whose domain is aligned with the Author Domain
 * @param dkimAligned a DKIM pass whose d= is aligned with the Author Domain
 * @param requestedPolicy the record's policy for this Author Domain after choosing among p, sp
 *     and np (section 4.10.1), before t=; NONE without a record
 * @param disposition what to do with the message: the requested policy, one level lower with
 *     t=y (section 4.7, tag t), for a fail; NONE for every other result
 * @param trace what was looked up and decided, one line each, for logs and the command line
 */
public record DmarcVerdict(DmarcResult result, String authorDomain, DmarcRecord record, String policyDomain,
        String organizationalDomain, boolean spfAligned, boolean dkimAligned, DmarcPolicy requestedPolicy,
        DmarcPolicy disposition, List<String> trace) {

    public DmarcVerdict {
        trace = List.copyOf(trace);
    }

    /** True when t=y lowered the disposition. */
    public boolean testingApplied() {
        return result == DmarcResult.FAIL && requestedPolicy != disposition;
    }
}
