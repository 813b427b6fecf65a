package org.postern.spf;

import java.util.Locale;

/** The seven results of {@code check_host()} (RFC 7208 section 2.6). */
public enum SpfResult {
    /** No syntactically valid domain, or no SPF record (2.6.1). */
    NONE,
    /** The domain owner states nothing about the IP (2.6.2, {@code ?}). */
    NEUTRAL,
    /** The IP is authorized (2.6.3, {@code +}). */
    PASS,
    /** The IP is not authorized (2.6.4, {@code -}). */
    FAIL,
    /** Probably not authorized (2.6.5, {@code ~}). */
    SOFTFAIL,
    /** A transient (usually DNS) error; try again later (2.6.6). */
    TEMPERROR,
    /** The record could not be interpreted; needs the owner's fix (2.6.7). */
    PERMERROR;

    /** The lowercase word used in headers and by the command line: {@code pass}, {@code fail}, ... */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The result of a matching mechanism with this qualifier character (4.6.2). */
    static SpfResult ofQualifier(char qualifier) {
        return switch (qualifier) {
            case '+' -> PASS;
            case '-' -> FAIL;
            case '~' -> SOFTFAIL;
            case '?' -> NEUTRAL;
            default -> throw new IllegalArgumentException("qualifier " + qualifier);
        };
    }

    @Override
    public String toString() {
        return word();
    }
}
