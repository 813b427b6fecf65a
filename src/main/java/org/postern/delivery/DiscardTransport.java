package org.postern.delivery;

import java.util.ArrayList;
import java.util.List;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;

/**
 * Postfix's {@code discard} transport (discard(8)): reports every recipient as delivered
 * without delivering anything, with the next hop (or "discarded") as the logged reason.
 */
public final class DiscardTransport implements Transport {

    @Override
    public List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients) {
        String text = nexthop.isBlank() ? "discarded" : nexthop.strip();
        List<Delivery> out = new ArrayList<>();
        for (Recipient r : recipients) {
            out.add(new Delivery(r.address(), Recipient.Status.DELIVERED, "2.0.0", text, "none"));
        }
        return out;
    }
}
