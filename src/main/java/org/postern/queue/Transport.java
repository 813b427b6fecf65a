package org.postern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A delivery agent as the queue manager sees it: Postfix's {@code virtual}, {@code lmtp},
 * {@code smtp}, {@code discard}, {@code error}. Implementations live in the delivery package.
 */
public interface Transport {

    /**
     * Delivers one message to recipients that all go to the same next hop. Returns one result per
     * recipient, in the same order. Delivery failures are results, never exceptions.
     *
     * @param nexthop the destination part of the route (a socket for lmtp, a mailbox base for
     *                virtual, a host for smtp); may be empty
     */
    List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients);

    /** The message content; each call to {@link #open()} starts again at the first byte. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    /**
     * The outcome for one recipient.
     *
     * @param status DELIVERED, DEFERRED or BOUNCED
     * @param dsn    the enhanced status code (RFC 3463), e.g. {@code 2.0.0}
     * @param text   what Postfix prints in {@code status=sent (TEXT)}
     * @param relay  what Postfix prints in {@code relay=}, e.g. {@code virtual} or {@code host[addr]:port}
     * @param connectionUse how many messages the connection has carried including this one
     *                      (Postfix logs {@code conn_use=N} when it is above 1); 0 when not applicable
     * @param connectionFailure a deferral because the destination could not be reached: no session
     *                      could be had (connection refused or timed out, greeting refused, connection
     *                      lost or timed out), as opposed to a refusal of this message or recipient.
     *                      The queue manager marks a destination dead after such failures.
     */
    record Delivery(String recipient, Recipient.Status status, String dsn, String text, String relay,
                    int connectionUse, boolean connectionFailure) {

        public Delivery(String recipient, Recipient.Status status, String dsn, String text, String relay) {
            this(recipient, status, dsn, text, relay, 0, false);
        }

        public Delivery(String recipient, Recipient.Status status, String dsn, String text, String relay,
                        int connectionUse) {
            this(recipient, status, dsn, text, relay, connectionUse, false);
        }
    }
}
