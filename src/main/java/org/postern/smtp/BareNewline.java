package org.postern.smtp;

import java.util.Locale;

/**
 * Postfix's {@code smtpd_forbid_bare_newline}: what a line ending of LF without CR means
 * (postfix-restrictions.md section 7.1; RFC 5321 section 2.3.8 says lines end with CRLF only,
 * and section 4.1.1.4 that DATA ends with CRLF "." CRLF).
 */
public enum BareNewline {
    /**
     * Legacy and UNSAFE: LF alone ends a line everywhere, every CR before it is dropped, and a
     * "." line ends DATA however its neighbours ended. This is what allows SMTP smuggling
     * ({@code <LF>.<LF>} or {@code <CR><LF>.<LF>} ending the message early, the rest running as
     * commands). Only for compatibility tests.
     */
    NO,
    /**
     * The default (3.9+): LF alone still ends a line (the stored line ends in CRLF), but DATA
     * ends only at {@code <CR><LF>.<CR><LF>}; a "." line next to a bare LF is dropped.
     */
    NORMALIZE,
    /** As {@link #NORMALIZE}, and the session notes that a bare LF was seen ({@code notes=bare_lf}). */
    NOTE,
    /**
     * As {@link #NORMALIZE} for framing; a bare LF in a command gets
     * {@code 550 5.5.2 ... bare <LF> received} and a disconnect, in DATA the message is rejected
     * at end of data. The codec only reports; the session decides.
     */
    REJECT;

    /** Parses a main.cf value: {@code no}, {@code normalize} or {@code yes}, {@code note}, {@code reject}. */
    public static BareNewline fromConfig(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "no" -> NO;
            case "normalize", "yes" -> NORMALIZE;
            case "note" -> NOTE;
            case "reject" -> REJECT;
            default -> throw new IllegalArgumentException(
                    "smtpd_forbid_bare_newline: expected no, normalize, yes, note or reject, got \"" + value + "\"");
        };
    }

    /** True when DATA may end only at {@code <CR><LF>.<CR><LF>}. */
    public boolean strictEndOfData() {
        return this != NO;
    }
}
