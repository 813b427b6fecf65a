package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.testing.Await.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import org.postern.queue.Envelope;
import org.postern.queue.QueueManager;
import org.postern.queue.Recipient;
import org.postern.queue.Router;
import org.postern.queue.Spool;
import org.postern.queue.SpoolEntry;
import org.postern.queue.SpoolWriter;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestDnsServer;

/**
 * The queue manager and the smtp transport together: a temporary refusal defers the
 * recipient, and the retry after the backoff (driven by the queue's clock, no waiting for
 * real time) delivers it; a permanent refusal and a null MX end in a bounce at once.
 */
class SmtpQueueRetryTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-03-01T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @TempDir
    Path dir;
    private TestDnsServer dns;
    private ScriptedSmtpServer mx;
    private Spool spool;
    private SmtpTransport transport;
    private QueueManager queue;
    private final ManualClock clock = new ManualClock();

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        mx = new ScriptedSmtpServer("127.0.0.2");
        dns.add("remote.test", "MX", "10 mx.remote.test.");
        dns.add("mx.remote.test", "A", "127.0.0.2");
        dns.add("nomail.test", "MX", "0 .");
        spool = Spool.open(dir.resolve("queue"));
        transport = new SmtpTransport("smtp", DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2)),
                SmtpClientSettings.defaults("client.test").withDefaultPort(mx.port()), null, null, new Random(1));
        Router router = recipient -> new Router.Route("smtp", recipient.substring(recipient.indexOf('@') + 1));
        // queue_run_delay of an hour: only the test's scanDue() looks at deferred mail.
        QueueManager.Options options = new QueueManager.Options(Duration.ofHours(1), Duration.ofSeconds(300),
                Duration.ofSeconds(4000), Duration.ofDays(5), Duration.ofDays(5), 20, 50);
        queue = new QueueManager(spool, router, Map.of("smtp", transport), options, clock);
        queue.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        queue.close();
        transport.close();
        spool.close();
        mx.close();
        dns.close();
    }

    private String enqueue(String recipient) throws Exception {
        SpoolWriter w = spool.newMessage();
        w.write(("From: a@client.test\r\nTo: " + recipient + "\r\nSubject: retry\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8));
        w.commit(Envelope.of(w.queueId(), "a@client.test", List.of(Recipient.of(recipient)), clock.instant(),
                Envelope.ClientInfo.UNKNOWN));
        return w.queueId();
    }

    private Recipient.Status status(String queueId) {
        return spool.get(queueId).map(SpoolEntry::envelope).map(e -> e.recipients().getFirst().status()).orElse(null);
    }

    @Test
    void temporaryRefusalIsRetriedAfterTheBackoff() throws Exception {
        mx.rcptReply = rcpt -> "451 4.3.0 try later";
        String id = enqueue("user@remote.test");
        await(() -> status(id) == Recipient.Status.DEFERRED && queue.idle(), "first attempt deferred");
        assertThat(spool.get(id).orElseThrow().envelope().recipients().getFirst().lastReply())
                .isEqualTo("host mx.remote.test[127.0.0.2] said: 451 4.3.0 try later (in reply to RCPT TO command)");

        mx.rcptReply = rcpt -> "250 2.1.5 Ok";
        queue.scanDue(); // not due yet: nothing happens
        await(queue::idle, "scan finished");
        assertThat(status(id)).isEqualTo(Recipient.Status.DEFERRED);

        clock.advance(Duration.ofSeconds(301));
        queue.scanDue();
        await(() -> spool.get(id).isEmpty(), "delivered and removed");
        assertThat(mx.messages()).hasSize(1);
    }

    @Test
    void permanentRefusalAndNullMxBounce() throws Exception {
        mx.rcptReply = rcpt -> "550 5.1.1 no such user";
        String refused = enqueue("nobody@remote.test");
        String nullMx = enqueue("user@nomail.test");
        await(() -> spool.get(refused).isEmpty() && spool.get(nullMx).isEmpty(), "both bounced and removed");
        assertThat(mx.messages()).isEmpty();
    }
}
