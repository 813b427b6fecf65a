package org.postern.mail;

/**
 * An envelope address that cannot be parsed. The {@link Reason} lets the SMTP layer choose the
 * reply (Postfix: {@code 501 5.1.7 Bad sender address syntax}, {@code 501 5.1.3 Bad recipient
 * address syntax}, or {@code 553 5.6.7 Must declare SMTPUTF8 to send unicode address}).
 * Cheap to throw: no stack trace is filled in.
 */
public final class AddressException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the address was refused. */
    public enum Reason {
        /** Not an RFC 5321 section 4.1.2 path or mailbox (nor a form the lenient mode accepts). */
        SYNTAX,
        /** Strict mode ({@code strict_rfc821_envelopes = yes}) and no angle brackets. */
        MISSING_BRACKETS,
        /** Non-ASCII octets while UTF-8 is not allowed (RFC 6531 section 3.4: needs SMTPUTF8). */
        NON_ASCII,
        /** Octets that are not well-formed UTF-8 (RFC 3629 section 4). */
        BAD_UTF8,
        /** The domain is neither a host name nor an address literal (RFC 5321 section 4.1.2). */
        BAD_DOMAIN
    }

    private final Reason reason;

    public AddressException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
