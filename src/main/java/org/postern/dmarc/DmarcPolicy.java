package org.postern.dmarc;

import java.util.Locale;

/**
 * A Domain Owner Assessment Policy (RFC 9989 section 4.7, tags p, sp and np), which is also the
 * disposition Postern applies to a failing message.
 */
public enum DmarcPolicy {
    /** No preference expressed: deliver as usual. */
    NONE,
    /** Treat as suspicious (e.g. deliver to a junk folder). */
    QUARANTINE,
    /** Refuse the message. */
    REJECT;

    /** The lower-case word: {@code none}, {@code quarantine}, {@code reject}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The policy one level below, for t=y (section 4.7, tag t: "if the policy is quarantine ...
     * a policy of none will be applied ...; if the policy is reject ... quarantine").
     */
    public DmarcPolicy testingDowngrade() {
        return switch (this) {
            case REJECT -> QUARANTINE;
            case QUARANTINE, NONE -> NONE;
        };
    }

    /** Parses a dmarc-request value (section 4.8; ABNF strings are case-insensitive); null if invalid. */
    static DmarcPolicy parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "quarantine" -> QUARANTINE;
            case "reject" -> REJECT;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return word();
    }
}
