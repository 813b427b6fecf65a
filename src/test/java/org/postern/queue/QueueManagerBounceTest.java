package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.testing.Await.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue manager with the {@link Notifier}: a scripted transport answers 5xx, 4xx or 2xx per
 * recipient; time is a {@link MutableClock}; notices are read back from the spool.
 */
class QueueManagerBounceTest {

    static final String BODY = "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: lunch\r\n\r\nSee you at noon.\r\n";

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T10:00:00Z"));
    /** What the transport answers per recipient: a status and a text. */
    final Map<String, Transport.Delivery> script = new ConcurrentHashMap<>();
    final List<String> attempts = new ArrayList<>();
    Spool spool;
    QueueManager manager;

    @BeforeEach
    void open() throws IOException {
        spool = Spool.open(dir);
    }

    @AfterEach
    void close() throws IOException {
        if (manager != null) {
            manager.close();
        }
        spool.close();
    }

    void start(Notifier.Settings settings) {
        Transport transport = (envelope, content, nexthop, recipients) -> {
            List<Transport.Delivery> out = new ArrayList<>();
            for (Recipient r : recipients) {
                synchronized (attempts) {
                    attempts.add(envelope.queueId() + " " + r.address());
                }
                out.add(script.getOrDefault(r.address(), new Transport.Delivery(r.address(), Recipient.Status.DEFERRED,
                        "4.4.1", "connect to mx.example.net[192.0.2.1]:25: Connection refused", "mx.example.net[192.0.2.1]:25")));
            }
            return out;
        };
        // Notices to example.org go to a transport that keeps them queued, so the test can read them.
        Transport hold = (envelope, content, nexthop, recipients) -> recipients.stream()
                .map(r -> new Transport.Delivery(r.address(), Recipient.Status.DEFERRED, "4.0.0", "kept for the test", "none"))
                .toList();
        manager = new QueueManager(spool, rcpt -> new Router.Route(
                rcpt.endsWith("@example.net") ? "smtp" : "keep", ""),
                Map.of("smtp", transport, "keep", hold),
                new QueueManager.Options(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofMinutes(60),
                        Duration.ofDays(5), Duration.ofDays(2), 5, 50), clock, new Notifier(spool, settings, clock));
    }

    static Notifier.Settings settings() {
        return Notifier.Settings.defaults("mx.example.org");
    }

    String store(String sender, Envelope.DsnRet ret, Recipient... recipients) throws IOException {
        try (SpoolWriter w = spool.newMessage()) {
            w.write(BODY.getBytes(StandardCharsets.US_ASCII));
            w.commit(new Envelope(w.queueId(), sender, List.of(recipients), clock.instant(),
                    new Envelope.ClientInfo("c.example", "192.0.2.7", "c.example", "ESMTP", null), 0, ret, "env-1",
                    Envelope.BodyType.SEVEN_BIT, false, Map.of()));
            return w.queueId();
        }
    }

    void pass(String queueId) throws InterruptedException {
        manager.submit(queueId);
        await(manager::idle, "delivery of " + queueId);
    }

    static Transport.Delivery bounce(String rcpt) {
        return new Transport.Delivery(rcpt, Recipient.Status.BOUNCED, "5.1.1",
                "host mx.example.net[192.0.2.1] said: 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown"
                        + " (in reply to RCPT TO command)", "mx.example.net[192.0.2.1]:25");
    }

    static Transport.Delivery sent(String rcpt) {
        return new Transport.Delivery(rcpt, Recipient.Status.DELIVERED, "2.0.0",
                "250 2.0.0 Ok: queued as 4XYZ", "mx.example.net[192.0.2.1]:25");
    }

    /** The notices in the spool: messages from the null sender or the double-bounce sender. */
    List<SpoolEntry> notices() {
        return spool.list().stream().filter(e -> e.envelope().sender().isEmpty()
                || e.envelope().sender().startsWith("double-bounce@")).toList();
    }

    MimeWalk content(SpoolEntry e) throws IOException {
        try (SpoolMessage m = spool.open(e.queueId()); InputStream in = m.content()) {
            return MimeWalk.parse(in.readAllBytes());
        }
    }

    @Test
    void permanentFailureQueuesOneBounceForThePassToTheSender() throws Exception {
        start(settings());
        script.put("bob@example.net", bounce("bob@example.net"));
        script.put("carol@example.net", bounce("carol@example.net"));
        script.put("dave@example.net", sent("dave@example.net"));
        String id = store("alice@example.org", null, Recipient.of("bob@example.net"), Recipient.of("carol@example.net"),
                Recipient.of("dave@example.net", "rfc822;dave@example.net", Set.of(Recipient.Notify.FAILURE)));
        pass(id);

        assertThat(spool.get(id)).as("all recipients final: the original is gone").isEmpty();
        List<SpoolEntry> notices = notices();
        assertThat(notices).hasSize(1);
        Envelope n = notices.get(0).envelope();
        assertThat(n.sender()).isEmpty();
        assertThat(n.recipients()).extracting(Recipient::address).containsExactly("alice@example.org");

        MimeWalk report = content(notices.get(0));
        assertThat(report.header("From")).startsWith("MAILER-DAEMON@mx.example.org");
        assertThat(report.header("Content-Type")).contains("multipart/report").contains("report-type=delivery-status");
        List<MimeWalk> parts = report.parts();
        List<Map<String, String>> groups = parts.get(1).statusGroups();
        assertThat(groups.get(0)).containsEntry("x-postern-queue-id", id).containsEntry("original-envelope-id", "env-1");
        assertThat(groups.subList(1, groups.size())).extracting(g -> g.get("final-recipient"))
                .containsExactly("rfc822; bob@example.net", "rfc822; carol@example.net");
        assertThat(groups.get(1)).containsEntry("action", "failed").containsEntry("status", "5.1.1")
                .containsEntry("remote-mta", "dns; mx.example.net");
        assertThat(groups.get(1).get("diagnostic-code")).isEqualTo(
                "smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown");
        assertThat(parts.get(2).contentType()).isEqualTo("message/rfc822");
        assertThat(parts.get(2).body()).contains("See you at noon.");
    }

    @Test
    void nullSenderGetsNoBounceAndDefaultNotifyClassesSendNoDoubleBounce() throws Exception {
        start(settings());
        script.put("bob@example.net", bounce("bob@example.net"));
        String id = store("", null, Recipient.of("bob@example.net"));
        pass(id);
        assertThat(spool.get(id)).isEmpty();
        assertThat(notices()).isEmpty();
    }

    @Test
    void doubleBounceGoesToPostmasterWhenNotifyClassesHas2bounceAndNeverLoops() throws Exception {
        Notifier.Settings s = settings();
        start(new Notifier.Settings(s.myhostname(), "example.org", s.bounceSizeLimit(), Set.of("2bounce"),
                s.bounceNoticeRecipient(), s.doubleBounceRecipient(), s.delayNoticeRecipient(), s.doubleBounceSender(),
                s.delayWarningTime(), s.maximalQueueLifetime()));
        script.put("bob@example.net", bounce("bob@example.net"));
        String id = store("", null, Recipient.of("bob@example.net"));
        pass(id);
        List<SpoolEntry> notices = notices();
        assertThat(notices).hasSize(1);
        assertThat(notices.get(0).envelope().sender()).isEqualTo("double-bounce@example.org");
        assertThat(notices.get(0).envelope().recipients()).extracting(Recipient::address)
                .containsExactly("postmaster@example.org");

        // That notice failing as well is only logged.
        script.put("postmaster@example.net", bounce("postmaster@example.net"));
        String again = store("double-bounce@example.org", null, Recipient.of("postmaster@example.net"));
        pass(again);
        assertThat(spool.get(again)).isEmpty();
        assertThat(notices()).extracting(SpoolEntry::queueId).containsExactly(notices.get(0).queueId());
    }

    @Test
    void postmasterGetsHeadersOfBouncesWhenNotifyClassesHasBounce() throws Exception {
        Notifier.Settings s = settings();
        start(new Notifier.Settings(s.myhostname(), "example.org", s.bounceSizeLimit(), Set.of("bounce"),
                "abuse-desk", s.doubleBounceRecipient(), s.delayNoticeRecipient(), s.doubleBounceSender(),
                s.delayWarningTime(), s.maximalQueueLifetime()));
        script.put("bob@example.net", bounce("bob@example.net"));
        pass(store("alice@example.org", null, Recipient.of("bob@example.net")));
        List<SpoolEntry> notices = notices();
        assertThat(notices).extracting(e -> e.envelope().recipients().get(0).address())
                .containsExactlyInAnyOrder("alice@example.org", "abuse-desk@example.org");
        SpoolEntry copy = notices.stream().filter(e -> e.envelope().sender().startsWith("double-bounce")).findFirst().orElseThrow();
        assertThat(content(copy).parts().get(2).contentType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void notifyNeverSuppressesTheBounce() throws Exception {
        start(settings());
        script.put("bob@example.net", bounce("bob@example.net"));
        String id = store("alice@example.org", null,
                Recipient.of("bob@example.net", null, Set.of(Recipient.Notify.NEVER)));
        pass(id);
        assertThat(spool.get(id)).isEmpty();
        assertThat(notices()).isEmpty();
    }

    @Test
    void retHdrsReturnsHeadersOnly() throws Exception {
        start(settings());
        script.put("bob@example.net", bounce("bob@example.net"));
        pass(store("alice@example.org", Envelope.DsnRet.HDRS, Recipient.of("bob@example.net")));
        MimeWalk third = content(notices().get(0)).parts().get(2);
        assertThat(third.contentType()).isEqualTo("text/rfc822-headers");
        assertThat(third.body()).contains("Subject: lunch").doesNotContain("See you at noon.");
    }

    @Test
    void expiryBouncesWithThePermanentFormOfTheLastReason() throws Exception {
        start(settings());
        String id = store("alice@example.org", null, Recipient.of("bob@example.net"));
        pass(id);
        assertThat(spool.get(id).orElseThrow().envelope().recipients().get(0).status())
                .isEqualTo(Recipient.Status.DEFERRED);
        assertThat(notices()).isEmpty();

        clock.advance(Duration.ofDays(5).plusMinutes(1));
        manager.scanDue();
        await(() -> spool.get(id).isEmpty(), "expiry of " + id);
        await(manager::idle, "idle");
        Map<String, String> rcpt = content(notices().get(0)).parts().get(1).statusGroups().get(1);
        assertThat(rcpt).containsEntry("action", "failed").containsEntry("status", "5.4.1")
                .containsEntry("diagnostic-code", "X-Postern; connect to mx.example.net[192.0.2.1]:25: Connection refused");
    }

    @Test
    void delayWarningIsSentOnceAfterDelayWarningTime() throws Exception {
        Notifier.Settings s = settings();
        start(new Notifier.Settings(s.myhostname(), s.myorigin(), s.bounceSizeLimit(), s.notifyClasses(),
                s.bounceNoticeRecipient(), s.doubleBounceRecipient(), s.delayNoticeRecipient(), s.doubleBounceSender(),
                Duration.ofHours(4), s.maximalQueueLifetime()));
        String id = store("alice@example.org", null, Recipient.of("bob@example.net"),
                Recipient.of("erin@example.net", null, Set.of(Recipient.Notify.FAILURE)));
        pass(id);
        assertThat(notices()).as("too young for a warning").isEmpty();

        clock.advance(Duration.ofHours(4));
        manager.scanDue();
        await(() -> !notices().isEmpty(), "delay warning");
        await(manager::idle, "idle");
        List<SpoolEntry> notices = notices();
        assertThat(notices).hasSize(1);
        assertThat(spool.get(id).orElseThrow().envelope().attributes()).containsKey(Notifier.DELAY_WARNED);
        MimeWalk report = content(notices.get(0));
        List<Map<String, String>> groups = report.parts().get(1).statusGroups();
        assertThat(groups.subList(1, groups.size())).as("erin asked for FAILURE only")
                .extracting(g -> g.get("final-recipient")).containsExactly("rfc822; bob@example.net");
        assertThat(groups.get(1)).containsEntry("action", "delayed");
        assertThat(groups.get(1).get("will-retry-until")).startsWith("Sat, 7 Mar 2026 10:00:00");
        assertThat(report.parts().get(2).contentType()).isEqualTo("text/rfc822-headers");

        int attemptsBefore = attempts.size();
        clock.advance(Duration.ofHours(2));
        manager.scanDue();
        await(() -> attempts.size() > attemptsBefore, "another attempt");
        await(manager::idle, "idle");
        assertThat(notices()).as("the warning is sent once").hasSize(1);
    }

    @Test
    void notifySuccessGetsADeliveredReport() throws Exception {
        start(settings());
        script.put("bob@example.net", sent("bob@example.net"));
        String id = store("alice@example.org", null,
                Recipient.of("bob@example.net", null, Set.of(Recipient.Notify.SUCCESS, Recipient.Notify.FAILURE)));
        pass(id);
        assertThat(spool.get(id)).isEmpty();
        MimeWalk report = content(notices().get(0));
        assertThat(report.parts().get(1).statusGroups().get(1)).containsEntry("action", "relayed")
                .containsEntry("status", "2.0.0");
        assertThat(report.parts().get(2).contentType()).isEqualTo("text/rfc822-headers");
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

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
}
