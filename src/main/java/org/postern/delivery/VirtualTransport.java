package org.postern.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postern.lookup.AddressSearch;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.SearchHit;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;

/**
 * Postfix's {@code virtual} transport: delivers into Maildir folders under
 * {@code virtual_mailbox_base}, at the path {@code virtual_mailbox_maps} gives for the recipient
 * (a value ending in {@code /} is a Maildir, as in virtual(8); Postern writes only Maildir).
 * Adds {@code Delivered-To:} and {@code Return-Path:} as virtual(8) does.
 */
public final class VirtualTransport implements Transport {

    private final Path mailboxBase;
    private final LookupTable mailboxMaps;
    private final AddressSearch search;
    private final MaildirDelivery maildir;

    public VirtualTransport(Path mailboxBase, LookupTable mailboxMaps, AddressSearch search, MaildirDelivery maildir) {
        this.mailboxBase = mailboxBase;
        this.mailboxMaps = mailboxMaps;
        this.search = search;
        this.maildir = maildir;
    }

    @Override
    public List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients) {
        List<Delivery> results = new ArrayList<>();
        for (Recipient r : recipients) {
            results.add(deliverOne(envelope, content, r.address()));
        }
        return results;
    }

    private Delivery deliverOne(Envelope envelope, Content content, String recipient) {
        Optional<SearchHit> hit;
        try {
            hit = search.findVirtual(mailboxMaps, recipient);
        } catch (LookupException e) {
            return new Delivery(recipient, Recipient.Status.DEFERRED, "4.3.0",
                    "virtual_mailbox_maps lookup failure: " + e.getMessage(), "virtual");
        }
        if (hit.isEmpty()) {
            return new Delivery(recipient, Recipient.Status.BOUNCED, "5.1.1",
                    "unknown user: \"" + recipient + "\"", "virtual");
        }
        String path = hit.get().value().trim();
        if (!path.endsWith("/") || path.contains("..")) {
            return new Delivery(recipient, Recipient.Status.DEFERRED, "4.3.0",
                    "mailbox path \"" + path + "\" is not a Maildir (it must end in / and must not contain ..)", "virtual");
        }
        if (envelope.probe()) {
            return new Delivery(recipient, Recipient.Status.DELIVERED, "2.0.0", "delivers to maildir", "virtual");
        }
        String headers = "Delivered-To: " + recipient + "\r\nReturn-Path: <" + envelope.sender() + ">\r\n";
        try (InputStream in = content.open()) {
            DeliveryResult result = maildir.deliver(recipient, mailboxBase.resolve(path),
                    headers.getBytes(StandardCharsets.UTF_8), in, envelope.size());
            return Transports.toQueue(result);
        } catch (IOException e) {
            return new Delivery(recipient, Recipient.Status.DEFERRED, "4.3.0",
                    "cannot read the queued message: " + e.getMessage(), "virtual");
        }
    }
}
