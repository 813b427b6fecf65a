package org.postern.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;

/**
 * Postfix's {@code lmtp} transport: hands messages to an LMTP server such as Dovecot, with
 * Postfix's next-hop forms {@code unix:PATH} and {@code inet:HOST:PORT}. A relative unix socket
 * path is relative to {@code queue_directory}, as in Postfix, so the usual
 * {@code lmtp:unix:private/dovecot-lmtp} keeps working when Dovecot puts its socket there.
 * Idle connections are kept for reuse, one pool per destination.
 */
public final class LmtpTransport implements Transport, AutoCloseable {

    private final Path queueDirectory;
    private final String myHostname;
    private final Duration connectTimeout;
    private final Duration ioTimeout;
    private final Map<String, Queue<LmtpClient>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public LmtpTransport(Path queueDirectory, String myHostname, Duration connectTimeout, Duration ioTimeout) {
        this.queueDirectory = queueDirectory;
        this.myHostname = myHostname;
        this.connectTimeout = connectTimeout;
        this.ioTimeout = ioTimeout;
    }

    /** The LmtpClient destination for a Postfix next hop. */
    String destination(String nexthop) {
        if (nexthop.startsWith("unix:")) {
            Path socket = Path.of(nexthop.substring(5));
            return "unix:" + (socket.isAbsolute() ? socket : queueDirectory.resolve(socket).toAbsolutePath());
        }
        return nexthop;
    }

    @Override
    public List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients) {
        String destination = destination(nexthop);
        List<String> addresses = recipients.stream().map(Recipient::address).toList();
        Queue<LmtpClient> pool = idle.computeIfAbsent(destination, k -> new ConcurrentLinkedQueue<>());
        LmtpClient client = pool.poll();
        List<Delivery> results = new ArrayList<>();
        try {
            if (client == null) {
                client = new LmtpClient(destination, myHostname, connectTimeout, ioTimeout);
            }
            LmtpClient.Envelope lmtp = new LmtpClient.Envelope(envelope.sender(), addresses,
                    envelope.body() != Envelope.BodyType.SEVEN_BIT, envelope.smtpUtf8());
            if (envelope.probe()) {
                for (DeliveryResult r : client.probe(lmtp)) {
                    results.add(Transports.toQueue(r));
                }
            } else {
                try (InputStream in = content.open()) {
                    for (DeliveryResult r : client.deliver(lmtp, new byte[0], in, envelope.size())) {
                        results.add(Transports.toQueue(r));
                    }
                }
            }
            pool.add(client);
            if (closed && pool.remove(client)) {
                client.close();   // retired by a reload or a stop while delivering: keep no connection
            }
        } catch (IOException | IllegalArgumentException e) {
            if (client != null) {
                client.close();
            }
            results.clear();
            for (String a : addresses) {
                results.add(new Delivery(a, Recipient.Status.DEFERRED, "4.3.0",
                        "cannot deliver via " + nexthop + ": " + e.getMessage(), "none"));
            }
        }
        return results;
    }

    @Override
    public void close() {
        closed = true;
        for (Queue<LmtpClient> pool : idle.values()) {
            LmtpClient c;
            while ((c = pool.poll()) != null) {
                c.close();
            }
        }
    }
}
