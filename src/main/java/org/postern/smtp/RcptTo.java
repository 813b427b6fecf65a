package org.postern.smtp;

import java.util.Set;
import org.postern.mail.MailAddress;

/**
 * A parsed {@code RCPT TO:<forward-path> [parameters]} (RFC 5321 section 4.1.1.3).
 *
 * @param recipient    the forward-path (never the null path)
 * @param notifyOn     NOTIFY= (RFC 3461 section 4.1), or null when absent (absence must be
 *                     kept: section 5.2.1 forbids inventing it when relaying)
 * @param orcptType    ORCPT= address type such as {@code rfc822} (RFC 3461 section 4.2), or null
 * @param orcptAddress ORCPT= address decoded from xtext, or null
 */
public record RcptTo(MailAddress recipient, Set<Notify> notifyOn, String orcptType, String orcptAddress) {

    /** NOTIFY= keywords (RFC 3461 section 4.1). */
    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }
}
