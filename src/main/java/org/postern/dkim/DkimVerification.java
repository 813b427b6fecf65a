package org.postern.dkim;

import java.util.List;

/** The results of every DKIM-Signature of a message, in header order. */
public record DkimVerification(List<SignatureResult> signatures) {

    public DkimVerification {
        signatures = List.copyOf(signatures);
    }

    /**
     * The message's overall result: {@code none} without signatures, {@code pass} when any
     * signature passes (RFC 6376 section 6.1: a message may carry several, and one good one
     * is enough), otherwise the most telling failure: temperror (retrying may help), then
     * fail, permerror, policy, neutral.
     */
    public DkimResult result() {
        if (signatures.isEmpty()) {
            return DkimResult.NONE;
        }
        for (DkimResult r : List.of(DkimResult.PASS, DkimResult.TEMPERROR, DkimResult.FAIL, DkimResult.PERMERROR,
                DkimResult.POLICY, DkimResult.NEUTRAL)) {
            for (SignatureResult s : signatures) {
                if (s.result() == r) {
                    return r;
                }
            }
        }
        return DkimResult.NONE;
    }

    /** The passing signatures, for DMARC (which needs their d= domains). */
    public List<SignatureResult> passing() {
        return signatures.stream().filter(s -> s.result() == DkimResult.PASS).toList();
    }
}
