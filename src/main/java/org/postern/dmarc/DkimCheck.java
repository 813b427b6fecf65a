package org.postern.dmarc;

import java.util.List;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.SignatureResult;

/**
 * The DKIM input to DMARC for one signature: its result and its d= and s= (RFC 9989 section
 * 5.3.3 asks for exactly these).
 */
public record DkimCheck(DkimResult result, String domain, String selector) {

    public DkimCheck {
        domain = domain == null ? "" : domain;
        selector = selector == null ? "" : selector;
    }

    /** From one verified signature. */
    public static DkimCheck of(SignatureResult signature) {
        return new DkimCheck(signature.result(), signature.domain(), signature.selector());
    }

    /** Every signature of a verified message, in header order. */
    public static List<DkimCheck> of(DkimVerification verification) {
        return verification.signatures().stream().map(DkimCheck::of).toList();
    }
}
