package org.postern.delivery;

import java.util.Objects;

/**
 * The outcome of delivering one message to one recipient, as a delivery agent reports it to
 * the queue: enough for the queue to decide (done, retry, bounce) and to write the Postfix-style
 * log line {@code to=<rcpt>, relay=RELAY, ..., dsn=DSN, status=STATUS (TEXT)}.
 *
 * @param recipient the envelope recipient this result is for; empty when the caller did not
 *                  name one (e.g. {@link MaildirDelivery#deliver(java.nio.file.Path, byte[],
 *                  java.io.InputStream, long)})
 * @param status    {@link Status#SENT}, {@link Status#DEFERRED} (try again later) or
 *                  {@link Status#BOUNCED} (permanent failure: return to sender)
 * @param dsn       the RFC 3463 enhanced status code, e.g. {@code 2.0.0}, {@code 4.4.1},
 *                  {@code 5.1.1}: from the server's reply when it gave one, else derived
 * @param text      what Postfix puts between the parentheses after {@code status=...}: the
 *                  server's reply ({@code 250 2.0.0 <u@example.com> abc Saved}), or
 *                  {@code host H said: REPLY (in reply to RCPT TO command)}, or a local reason
 *                  ({@code delivered to maildir}, {@code connect to H: Connection refused})
 * @param relay     the value of Postfix's {@code relay=} field: {@code virtual} for Maildir,
 *                  {@code myhostname[path]} for LMTP over a unix socket,
 *                  {@code host[address]:port} for LMTP over TCP, {@code none} when no
 *                  connection was made
 * @param reply     the server's complete reply (lines joined by a space) for the diagnostic
 *                  code of a delivery status notification; empty for local results
 * @param connectionFailure the failure is the destination's, not this message's: no session
 *                  could be had with it (connection refused or timed out, greeting refused, the
 *                  connection lost or timed out). The queue manager counts these to mark a
 *                  destination dead (Postfix's qmgr, {@code destination_concurrency_failed_cohort_limit})
 */
public record DeliveryResult(String recipient, Status status, String dsn, String text, String relay, String reply,
                             boolean connectionFailure) {

    /** What the queue does next with this recipient. */
    public enum Status {
        /** Delivered; Postfix logs {@code status=sent}. */
        SENT,
        /** Temporary failure: keep the message and retry; {@code status=deferred}. */
        DEFERRED,
        /** Permanent failure: send a bounce; {@code status=bounced}. */
        BOUNCED
    }

    public DeliveryResult(String recipient, Status status, String dsn, String text, String relay, String reply) {
        this(recipient, status, dsn, text, relay, reply, false);
    }

    public DeliveryResult {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(reply, "reply");
    }

    /** A result without a server reply (local decisions, local delivery, connection failures). */
    public static DeliveryResult local(String recipient, Status status, String dsn, String text, String relay) {
        return new DeliveryResult(recipient, status, dsn, text, relay, "");
    }

    /** The same result for another recipient (a failure that applies to every recipient). */
    public DeliveryResult forRecipient(String other) {
        return new DeliveryResult(other, status, dsn, text, relay, reply, connectionFailure);
    }

    /** The same result marked as a failure of the destination's connection (see {@link #connectionFailure}). */
    public DeliveryResult asConnectionFailure() {
        return new DeliveryResult(recipient, status, dsn, text, relay, reply, status == Status.DEFERRED);
    }

    public boolean sent() {
        return status == Status.SENT;
    }
}
