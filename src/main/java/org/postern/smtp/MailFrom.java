package org.postern.smtp;

import org.postern.mail.MailAddress;

/**
 * A parsed {@code MAIL FROM:<reverse-path> [parameters]} (RFC 5321 section 4.1.1.2).
 *
 * @param sender   the reverse-path ({@link MailAddress#NULL} for {@code <>})
 * @param size     SIZE= (RFC 1870 section 6), or -1 when absent
 * @param body     BODY= (RFC 6152 section 2), or null when absent
 * @param smtputf8 SMTPUTF8 given (RFC 6531 section 3.4)
 * @param ret      RET= (RFC 3461 section 4.3), or null
 * @param envid    ENVID= decoded from xtext (RFC 3461 section 4.4), or null
 * @param auth     AUTH= as sent, still xtext (RFC 4954 section 5); null when absent, "<>", or SASL is off
 */
public record MailFrom(MailAddress sender, long size, Body body, boolean smtputf8, Ret ret, String envid, String auth) {

    /** BODY= values. */
    public enum Body {
        /** RFC 6152 section 2. */
        SEVEN_BIT,
        /** RFC 6152 section 2. */
        EIGHT_BIT_MIME
    }

    /** RET= values (RFC 3461 section 4.3). */
    public enum Ret { FULL, HDRS }

    /** AUTH= decoded from xtext, null when absent or malformed; {@code <>} means "no identity". */
    public String authDecoded() {
        return auth == null ? null : Xtext.decode(auth);
    }
}
