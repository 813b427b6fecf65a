package org.postern.dmarc;

import java.util.Locale;

/** DMARC result words (RFC 9989 section 11.2, the Authentication-Results result registry). */
public enum DmarcResult {
    /** An aligned SPF or DKIM pass (RFC 9989 section 5.3.5). */
    PASS,
    /** A policy record applies and no authenticated identifier is aligned (section 5.3.5). */
    FAIL,
    /** No policy record applies: DMARC does not apply to the message (section 5.3.2). */
    NONE,
    /** A DNS query needed for the verdict failed temporarily (section 5.3.6): try again later. */
    TEMPERROR,
    /** The message has no single Author Domain (section 5.3.1), so DMARC cannot be evaluated. */
    PERMERROR;

    /** The lower-case word used in Authentication-Results and on the command line. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return word();
    }
}
