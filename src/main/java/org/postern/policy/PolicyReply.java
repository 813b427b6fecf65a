package org.postern.policy;

/**
 * The reply of a policy decision: SMTP code, enhanced status code (null when there is none) and
 * text, already assembled by the rules of postfix-restrictions.md section 1.7 (DSN synced to the
 * code, address DSN mapping, 510-character limit, soft_bounce). The footer is not part of it; see
 * {@link Decision#replyLines()}.
 */
public record PolicyReply(int code, String dsn, String text) {

    /** Section 1.7 item 8: 421 and 521 make smtpd disconnect after the reply. */
    public boolean disconnect() {
        return code == 421 || code == 521;
    }

    @Override
    public String toString() {
        return dsn == null ? code + " " + text : code + " " + dsn + " " + text;
    }
}
