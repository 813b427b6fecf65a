package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.testing.Await.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import org.postern.queue.Envelope;
import org.postern.queue.Notifier;
import org.postern.queue.QueueManager;
import org.postern.queue.Recipient;
import org.postern.queue.Router;
import org.postern.queue.Spool;
import org.postern.queue.SpoolEntry;
import org.postern.queue.SpoolMessage;
import org.postern.queue.SpoolWriter;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestDnsServer;

/**
 * A destination that stays down: the message is deferred and retried, and once it is older
 * than maximal_queue_lifetime it is returned to its sender with a delivery status notification
 * (RFC 3464) that names the recipient and the last reason. Time is the queue's clock, moved by
 * the test.
 */
class SmtpDestinationDownTest {

    @TempDir
    Path dir;

    @Test
    void aDownDestinationIsRetriedThenBouncedAfterTheQueueLifetime() throws Exception {
        SmtpQueueRetryTest.ManualClock clock = new SmtpQueueRetryTest.ManualClock();
        int closedPort;
        try (ScriptedSmtpServer gone = new ScriptedSmtpServer("127.0.0.2")) {
            closedPort = gone.port();   // nothing listens here once it is closed
        }
        try (TestDnsServer dns = new TestDnsServer(); Spool spool = Spool.open(dir.resolve("queue"))) {
            dns.add("remote.test", "MX", "10 mx.remote.test.").add("mx.remote.test", "A", "127.0.0.2");
            SmtpTransport transport = new SmtpTransport("smtp", DnsResolver.create(List.of(dns.address()),
                    Duration.ofSeconds(2)), SmtpClientSettings.defaults("client.test").withDefaultPort(closedPort),
                    null, null, new Random(1));
            // The sender's own domain is local here, so the bounce stays in the queue to be looked at.
            Router router = recipient -> recipient.endsWith("@client.test") ? new Router.Route("hold", "")
                    : new Router.Route("smtp", recipient.substring(recipient.indexOf('@') + 1));
            QueueManager.Options options = new QueueManager.Options(Duration.ofHours(1), Duration.ofSeconds(300),
                    Duration.ofSeconds(4000), Duration.ofHours(2), Duration.ofHours(2), 20, 50);
            Notifier notifier = new Notifier(spool, new Notifier.Settings("client.test", "client.test", 50_000,
                    Set.of("resource", "software"), "postmaster", "postmaster", "postmaster", "double-bounce",
                    Duration.ZERO, Duration.ofHours(2)), clock);
            try (QueueManager queue = new QueueManager(spool, router, Map.of("smtp", transport), options, clock, notifier)) {
                queue.start();
                SpoolWriter w = spool.newMessage();
                w.write("From: a@client.test\r\nTo: user@remote.test\r\nSubject: into the void\r\n\r\nbody\r\n"
                        .getBytes(StandardCharsets.UTF_8));
                w.commit(Envelope.of(w.queueId(), "a@client.test", List.of(Recipient.of("user@remote.test")),
                        clock.instant(), Envelope.ClientInfo.UNKNOWN));
                String id = w.queueId();
                await(() -> status(spool, id) == Recipient.Status.DEFERRED && queue.idle(), "first attempt deferred");
                assertThat(spool.get(id).orElseThrow().envelope().recipients().getFirst().lastReply())
                        .isEqualTo("connect to mx.remote.test[127.0.0.2]:" + closedPort + ": Connection refused");

                clock.advance(Duration.ofMinutes(30));   // retried after the backoff, still down
                queue.scanDue();
                await(queue::idle, "second attempt");
                assertThat(status(spool, id)).isEqualTo(Recipient.Status.DEFERRED);

                clock.advance(Duration.ofHours(2));      // older than maximal_queue_lifetime
                queue.scanDue();
                await(() -> spool.get(id).isEmpty() && queue.idle(), "the message returned to its sender");
                SpoolEntry bounce = spool.list().stream().filter(e -> e.envelope().sender().isEmpty()).findFirst()
                        .orElseThrow();
                assertThat(bounce.envelope().recipients()).extracting(Recipient::address).containsExactly("a@client.test");
                String report;
                try (SpoolMessage m = spool.open(bounce.queueId())) {
                    report = new String(m.content().readAllBytes(), StandardCharsets.UTF_8);
                }
                assertThat(report).contains("Content-Type: multipart/report; report-type=delivery-status")
                        .contains("Final-Recipient: rfc822; user@remote.test")
                        .contains("Action: failed")
                        .contains("connect to mx.remote.test[127.0.0.2]:" + closedPort + ": Connection refused")
                        .contains("Subject: into the void");
            } finally {
                transport.close();
            }
        }
    }

    private static Recipient.Status status(Spool spool, String queueId) {
        return spool.get(queueId).map(SpoolEntry::envelope).map(e -> e.recipients().getFirst().status()).orElse(null);
    }
}
