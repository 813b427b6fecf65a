package org.postern.store;

import java.time.Instant;

/**
 * One DMARC evaluation of an incoming message, as stored for aggregate reports (RFC 9989
 * section 7, RFC 9990). Plain values: the store knows nothing of DMARC itself.
 *
 * @param policyDomain where the DMARC record was found; empty when there was none
 * @param envelopeFrom the domain SPF checked; empty for the null sender
 * @param dkimResults  one {@code d=DOMAIN s=SELECTOR RESULT} entry per signature, comma separated
 * @param disposition  what was applied: none, quarantine or reject
 */
public record DmarcEvaluation(Instant evaluated, String queueId, String sourceIp, String headerFrom,
                              String policyDomain, String envelopeFrom, String spfResult, boolean spfAligned,
                              String dkimResults, boolean dkimAligned, String dmarcResult, String disposition) {
}
