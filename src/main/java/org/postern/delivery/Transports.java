package org.postern.delivery;

import org.postern.queue.Recipient;
import org.postern.queue.Transport;

/** Conversions between the delivery agents' results and the queue manager's. */
final class Transports {

    private Transports() {
    }

    static Transport.Delivery toQueue(DeliveryResult r) {
        Recipient.Status status = switch (r.status()) {
            case SENT -> Recipient.Status.DELIVERED;
            case DEFERRED -> Recipient.Status.DEFERRED;
            case BOUNCED -> Recipient.Status.BOUNCED;
        };
        return new Transport.Delivery(r.recipient(), status, r.dsn(), r.text(), r.relay(), 0, r.connectionFailure());
    }
}
