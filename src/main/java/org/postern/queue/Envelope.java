package org.postern.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the spool knows about a message besides its content: the SMTP envelope, the DSN and
 * body parameters, where it came from, and the delivery state of each recipient.
 *
 * <p>Serialised by {@link EnvelopeCodec}. Every field except the nullable ones named below is
 * required; client strings may be null when unknown.
 *
 * @param queueId    the spool's queue ID
 * @param sender     MAIL FROM address, "" for the null sender
 * @param recipients recipients in RCPT TO order (at least one)
 * @param arrival    when the message was accepted
 * @param client     the client, for logging and Received headers
 * @param size       content size in bytes (set by the spool at commit)
 * @param dsnRet     RFC 3461 RET, or null
 * @param envId      RFC 3461 ENVID, or null
 * @param body       the BODY parameter (RFC 6152, RFC 3030)
 * @param smtpUtf8   the SMTPUTF8 parameter (RFC 6531) was given
 * @param attributes free-form values for later needs (no null keys or values)
 */
public record Envelope(String queueId, String sender, List<Recipient> recipients, Instant arrival,
                       ClientInfo client, long size, DsnRet dsnRet, String envId, BodyType body,
                       boolean smtpUtf8, Map<String, String> attributes) {

    /** RFC 3461 section 4.3 RET. */
    public enum DsnRet { FULL, HDRS }

    /** The BODY parameter of MAIL FROM. */
    public enum BodyType { SEVEN_BIT, EIGHT_BIT_MIME, BINARY_MIME }

    /** The SMTP client as seen by the server; all plain strings, any may be null. */
    public record ClientInfo(String name, String address, String helo, String protocol,
                             String saslUsername) {
        public static final ClientInfo UNKNOWN = new ClientInfo(null, null, null, null, null);
    }

    public Envelope {
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        Objects.requireNonNull(arrival, "arrival");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(body, "body");
        attributes = Map.copyOf(attributes);
    }

    /** A minimal envelope: 7bit body, no DSN parameters, no attributes, size to be set at commit. */
    public static Envelope of(String queueId, String sender, List<Recipient> recipients,
                              Instant arrival, ClientInfo client) {
        return new Envelope(queueId, sender, recipients, arrival, client, 0, null, null,
                BodyType.SEVEN_BIT, false, Map.of());
    }

    /**
     * The attribute that marks an address probe (Postfix's verify(8)): delivery agents go as far
     * as the recipient's acceptance and deliver nothing.
     */
    public static final String PROBE = "probe";

    /** True for an address probe (see {@link #PROBE}). */
    public boolean probe() {
        return attributes.containsKey(PROBE);
    }

    public Envelope withSize(long newSize) {
        return new Envelope(queueId, sender, recipients, arrival, client, newSize, dsnRet, envId,
                body, smtpUtf8, attributes);
    }

    public Envelope withRecipients(List<Recipient> newRecipients) {
        return new Envelope(queueId, sender, newRecipients, arrival, client, size, dsnRet, envId,
                body, smtpUtf8, attributes);
    }

    public Envelope withAttribute(String key, String value) {
        Map<String, String> updated = new HashMap<>(attributes);
        updated.put(key, value);
        return new Envelope(queueId, sender, recipients, arrival, client, size, dsnRet, envId, body,
                smtpUtf8, updated);
    }

    /**
     * Sets the status of every not yet final recipient with this address. Final states never
     * change again: a late duplicate update must not turn a bounce into a delivery.
     */
    public Envelope withStatus(String address, Recipient.Status status, String reply, Instant next) {
        List<Recipient> updated = new ArrayList<>(recipients.size());
        for (Recipient r : recipients) {
            boolean hit = r.address().equals(address) && !r.status().isFinal();
            updated.add(hit ? r.withStatus(status, reply, next) : r);
        }
        return withRecipients(updated);
    }

    /** True when no recipient needs another delivery attempt. */
    public boolean allFinal() {
        return recipients.stream().allMatch(r -> r.status().isFinal());
    }

    /** True when some recipient is not final and due at {@code now}. */
    public boolean isDue(Instant now) {
        return recipients.stream().anyMatch(r -> !r.status().isFinal()
                && (r.nextAttempt() == null || !r.nextAttempt().isAfter(now)));
    }
}
