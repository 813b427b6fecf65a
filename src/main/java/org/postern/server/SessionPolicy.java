package org.postern.server;

import org.postern.smtp.SmtpReply;

/**
 * The decisions the SMTP session asks for at each stage (the restriction engine answers them).
 * A null verdict reply means "go on".
 */
public interface SessionPolicy {

    /** The outcome of one check. */
    record Verdict(SmtpReply reply, boolean discard, String log) {
        public static final Verdict ACCEPT = new Verdict(null, false, null);

        public static Verdict reject(SmtpReply reply, String log) {
            return new Verdict(reply, false, log);
        }

        public boolean rejected() {
            return reply != null;
        }
    }

    Verdict connect(SmtpSession session);

    Verdict helo(SmtpSession session);

    Verdict mail(SmtpSession session);

    Verdict rcpt(SmtpSession session);

    Verdict data(SmtpSession session);

    Verdict endOfData(SmtpSession session);

    /** A new transaction starts (MAIL after RSET or after a completed message). */
    void resetTransaction();
}
