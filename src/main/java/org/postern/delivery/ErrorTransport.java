package org.postern.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;

/**
 * Postfix's {@code error} transport (error(8)): fails every recipient with the next hop as the
 * reason, e.g. {@code example.com error:mail for example.com is not accepted} in transport_maps.
 * The reason may start with an enhanced status code ({@code 5.7.1 no mail here}); a 4.x.x code
 * defers instead of bouncing, which is how Postfix's {@code retry} transport is usually
 * emulated. Without a code the recipient bounces with 5.0.0.
 */
public final class ErrorTransport implements Transport {

    private static final Pattern LEADING_DSN = Pattern.compile("^([45])\\.(\\d{1,3})\\.(\\d{1,3})\\s+(.*)$");

    @Override
    public List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients) {
        String text = nexthop.isBlank() ? "delivery failed" : nexthop.strip();
        String dsn = "5.0.0";
        Matcher m = LEADING_DSN.matcher(text);
        if (m.matches()) {
            dsn = m.group(1) + "." + m.group(2) + "." + m.group(3);
            text = m.group(4);
        }
        Recipient.Status status = dsn.startsWith("4") ? Recipient.Status.DEFERRED : Recipient.Status.BOUNCED;
        List<Delivery> out = new ArrayList<>();
        for (Recipient r : recipients) {
            out.add(new Delivery(r.address(), status, dsn, text, "none"));
        }
        return out;
    }
}
