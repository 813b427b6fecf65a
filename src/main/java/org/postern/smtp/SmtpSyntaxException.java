package org.postern.smtp;

/**
 * A command the client got wrong, with the reply Postfix sends for it. Cheap to throw: no stack
 * trace is filled in.
 */
public final class SmtpSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient SmtpReply reply;

    public SmtpSyntaxException(SmtpReply reply) {
        super(reply.toString(), null, false, false);
        this.reply = reply;
    }

    /** The reply to send. */
    public SmtpReply reply() {
        return reply;
    }
}
