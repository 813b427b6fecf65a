package org.postern.smtp;

/**
 * What the server allows in MAIL FROM and RCPT TO, from its configuration.
 *
 * @param strictRfc821    Postfix strict_rfc821_envelopes (default no): angle brackets required
 * @param smtputf8Enabled Postfix smtputf8_enable (default yes at compatibility_level 1 and up):
 *                        the SMTPUTF8 parameter (RFC 6531) is accepted
 * @param dsnEnabled      DSN (RFC 3461) not in smtpd_discard_ehlo_keywords
 * @param saslActive      SASL on for this session: the AUTH= parameter (RFC 4954 section 5) is
 *                        kept and checked; otherwise it is accepted and ignored, as Postfix does
 */
public record EnvelopeOptions(boolean strictRfc821, boolean smtputf8Enabled, boolean dsnEnabled, boolean saslActive) {

    /** Postfix defaults (compatibility_level 3.6), SASL off. */
    public static final EnvelopeOptions POSTFIX_DEFAULT = new EnvelopeOptions(false, true, true, false);

    public EnvelopeOptions withSasl(boolean active) {
        return new EnvelopeOptions(strictRfc821, smtputf8Enabled, dsnEnabled, active);
    }
}
