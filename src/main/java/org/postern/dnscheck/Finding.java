package org.postern.dnscheck;

import java.util.Locale;

/**
 * One result of {@link DomainCheck}.
 *
 * @param check     which record: {@code server}, {@code mx}, {@code ptr}, {@code spf}, {@code dkim}, {@code dmarc}
 * @param status    ok, warning or error
 * @param message   what was found, naming the record
 * @param fix       what to do about it; empty for ok
 * @param temporary true when the check could not be done because DNS failed temporarily
 *                  (SERVFAIL, timeout): the record may well be fine, try again later
 */
public record Finding(String check, Status status, String message, String fix, boolean temporary) {

    public enum Status {
        OK, WARNING, ERROR;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Finding ok(String check, String message) {
        return new Finding(check, Status.OK, message, "", false);
    }

    static Finding warning(String check, String message, String fix) {
        return new Finding(check, Status.WARNING, message, fix, false);
    }

    static Finding error(String check, String message, String fix) {
        return new Finding(check, Status.ERROR, message, fix, false);
    }

    /** A lookup failed temporarily: an error, since nothing could be verified. */
    static Finding temporary(String check, String what, String detail) {
        return new Finding(check, Status.ERROR, "temporary DNS failure: " + what + " failed (" + detail + ")",
                "try again later; if it persists, check that your DNS servers answer for this name", true);
    }
}
