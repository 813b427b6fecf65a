package org.postern.dkim;

import java.util.Locale;

/** DKIM result words (RFC 8601 section 2.7.1), per signature and for a whole message. */
public enum DkimResult {
    /** The signature verified. */
    PASS,
    /** The signature or the body hash did not verify. */
    FAIL,
    /** The signature was not checked (e.g. more signatures than the verifier checks). */
    NEUTRAL,
    /** The signature verified or could have, but is not acceptable to local policy. */
    POLICY,
    /** A temporary failure, usually DNS, while fetching the key: try again later. */
    TEMPERROR,
    /** The signature or its key cannot be used: syntax, unsupported algorithm, no key, ... */
    PERMERROR,
    /** The message has no signature. */
    NONE;

    /** The lower-case word used in Authentication-Results and on the command line. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return word();
    }
}
