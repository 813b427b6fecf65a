package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.testing.Await.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import org.postern.queue.SpoolWriter;
import org.postern.queue.Transport;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestDnsServer;
import org.slf4j.LoggerFactory;

/**
 * Dead destinations (Postfix's qmgr, destination_concurrency_failed_cohort_limit): a mail
 * exchanger that refuses connections costs one connection attempt per minimal_backoff_time;
 * the other messages for it are deferred at once with "delivery temporarily suspended: ...".
 * When it is back, everything is delivered. The queue's clock is moved by hand, no waiting.
 */
class DeadDestinationTest {

    private static final int MESSAGES = 30;

    @TempDir
    Path dir;
    private TestDnsServer dns;
    private int port;
    private ScriptedSmtpServer mx;
    private Spool spool;
    private SmtpTransport smtp;
    private QueueManager queue;
    /** Deliveries the smtp transport was asked for: each one is a connection attempt to the dead MX. */
    private final AtomicInteger attempts = new AtomicInteger();
    private final SmtpQueueRetryTest.ManualClock clock = new SmtpQueueRetryTest.ManualClock();

    /** What the retry service ("postern/error") logs: the suspended deliveries. */
    private final Logger retryLog = (Logger) LoggerFactory.getLogger("postern.error");
    private final ListAppender<ILoggingEvent> retryLines = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        retryLines.start();
        retryLog.addAppender(retryLines);
        retryLog.setLevel(ch.qos.logback.classic.Level.INFO);
        retryLog.setAdditive(false);
        dns = new TestDnsServer();
        dns.add("down.test", "MX", "10 mx.down.test.");
        dns.add("mx.down.test", "A", "127.0.0.2");
        // A port that was just free: nothing listens there, so connections are refused.
        try (ScriptedSmtpServer probe = new ScriptedSmtpServer("127.0.0.2")) {
            port = probe.port();
        }
        spool = Spool.open(dir.resolve("queue"));
        smtp = new SmtpTransport("smtp", DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2)),
                SmtpClientSettings.defaults("client.test").withDefaultPort(port), null, null, new Random(1));
        Transport counting = (envelope, content, nexthop, recipients) -> {
            attempts.incrementAndGet();
            return smtp.deliver(envelope, content, nexthop, recipients);
        };
        Router router = recipient -> new Router.Route("smtp", recipient.substring(recipient.indexOf('@') + 1));
        // queue_run_delay of an hour: only the test's scanDue() looks at deferred mail.
        QueueManager.Options options = new QueueManager.Options(Duration.ofHours(1), Duration.ofSeconds(300),
                Duration.ofSeconds(4000), Duration.ofDays(5), Duration.ofDays(5), 20, 50, 1);
        queue = new QueueManager(spool, router, Map.of("smtp", counting), options, clock);
        queue.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        retryLog.detachAppender(retryLines);
        retryLog.setLevel(null);
        retryLog.setAdditive(true);
        queue.close();
        smtp.close();
        spool.close();
        if (mx != null) {
            mx.close();
        }
        dns.close();
    }

    private String enqueue(int n) throws Exception {
        SpoolWriter w = spool.newMessage();
        w.write(("From: a@client.test\r\nTo: user" + n + "@down.test\r\nSubject: dead " + n + "\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.UTF_8));
        w.commit(Envelope.of(w.queueId(), "a@client.test", List.of(Recipient.of("user" + n + "@down.test")),
                clock.instant(), Envelope.ClientInfo.UNKNOWN));
        return w.queueId();
    }

    private Recipient recipient(String queueId) {
        return spool.get(queueId).orElseThrow().envelope().recipients().getFirst();
    }

    private boolean allDeferred(List<String> ids) {
        return ids.stream().allMatch(id -> spool.get(id).isPresent() && recipient(id).status() == Recipient.Status.DEFERRED);
    }

    @Test
    void aDownSiteCostsOneConnectionAttemptPerBackoffAndGetsEverythingWhenBack() throws Exception {
        String refused = "connect to mx.down.test[127.0.0.2]:" + port + ": Connection refused";

        // The first message finds the MX down: the destination is dead from now on.
        String first = enqueue(0);
        await(() -> allDeferred(List.of(first)) && queue.idle(), "first message deferred");
        assertThat(recipient(first).lastReply()).isEqualTo(refused);
        assertThat(attempts).hasValue(1);

        // Every further message is deferred without a connection attempt.
        List<String> ids = new ArrayList<>(List.of(first));
        for (int i = 1; i < MESSAGES; i++) {
            ids.add(enqueue(i));
        }
        await(() -> allDeferred(ids) && queue.idle(), "all deferred");
        assertThat(attempts).hasValue(1);
        for (String id : ids.subList(1, ids.size())) {
            assertThat(recipient(id).lastReply()).isEqualTo("delivery temporarily suspended: " + refused);
        }
        assertThat(retryLines.list).map(ILoggingEvent::getFormattedMessage).hasSize(MESSAGES - 1)
                .allMatch(line -> line.matches("\\w+: to=<user\\d+@down\\.test>, relay=none, delay=[\\d.]+, "
                        + "delays=[\\d.]+/0/0/0, dsn=4\\.4\\.1, status=deferred \\(delivery temporarily suspended: "
                        + java.util.regex.Pattern.quote(refused) + "\\)"), "Postfix's retry line");

        // After minimal_backoff_time every message is due; the site is tried once, and is still down.
        clock.advance(Duration.ofSeconds(301));
        queue.scanDue();
        await(() -> attempts.get() >= 2 && queue.idle() && allDeferred(ids), "second period over");
        assertThat(attempts).as("one connection attempt in the second backoff period").hasValue(2);
        long suspended = ids.stream().filter(id -> recipient(id).lastReply().startsWith("delivery temporarily suspended: "))
                .count();
        assertThat(suspended).isEqualTo(MESSAGES - 1);

        // The server comes back on the same address and port; after the backoff everything goes.
        mx = new ScriptedSmtpServer("127.0.0.2", port);
        clock.advance(Duration.ofSeconds(700));
        queue.scanDue();
        await(() -> ids.stream().allMatch(id -> spool.get(id).isEmpty()), "all delivered");
        assertThat(mx.messages()).hasSize(MESSAGES);
        assertThat(attempts).hasValue(2 + MESSAGES);
    }

    @Test
    void queueFlushTriesADeadDestinationAgainAtOnce() throws Exception {
        String first = enqueue(0);
        await(() -> allDeferred(List.of(first)) && queue.idle(), "first deferred");
        mx = new ScriptedSmtpServer("127.0.0.2", port);
        String second = enqueue(1);
        await(() -> allDeferred(List.of(second)) && queue.idle(), "second suspended");
        assertThat(attempts).hasValue(1);

        // postern queue flush, with the clock standing still: the dead mark is forgotten.
        new org.postern.queue.SpoolTools(spool, queue, clock).flush(null);
        await(() -> spool.get(first).isEmpty() && spool.get(second).isEmpty(), "both delivered");
        assertThat(mx.messages()).hasSize(2);
    }

    @Test
    void aRefusalByAServerThatAnswersDoesNotSuspendTheDestination() throws Exception {
        mx = new ScriptedSmtpServer("127.0.0.2", port);
        mx.rcptReply = rcpt -> "451 4.3.0 try later";
        String first = enqueue(0);
        await(() -> allDeferred(List.of(first)) && queue.idle(), "first deferred");
        String second = enqueue(1);
        await(() -> allDeferred(List.of(second)) && queue.idle(), "second deferred");
        assertThat(attempts).hasValue(2);
        assertThat(recipient(second).lastReply()).startsWith("host mx.down.test[127.0.0.2] said: 451 4.3.0 try later");
    }
}
