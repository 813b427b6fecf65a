package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.queue.ControlClient;
import org.postern.queue.QueueTools;
import org.postern.store.password.PasswordSchemes;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestDnsServer;

/**
 * "Nothing accepted is ever lost" while delivering out: a real {@code postern serve} process
 * (A) with a queue of messages for a remote domain sends them over SMTP to a second Postern
 * (B, on 127.0.0.2, A's relayhost), and is killed with SIGKILL in the middle of it, then
 * started again on the same data. Every message must reach B's mailbox; a message that
 * was in flight at a kill (B answered 250, A had not recorded it yet) may arrive twice, and
 * those duplicates are counted and reported, as in {@link CrashSafetyTest}.
 */
class OutboundCrashSafetyTest {

    private static final int MESSAGES = 300;
    private static final int KILLS = 1;
    private static final String RECIPIENT = "carol@remote.test";

    @TempDir
    Path dir;
    private Process sender;
    private TestPostern receiver;
    private TestDnsServer dns;

    @AfterEach
    void tearDown() {
        if (sender != null) {
            sender.destroyForcibly();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    /** B: takes mail for carol@remote.test into its Maildir. */
    private TestPostern startReceiver() throws Exception {
        TestPostern b = TestPostern.start(dir.resolve("b"), "inet_interfaces = 127.0.0.2\n");
        b.accounts().addDomain("remote.test");
        b.accounts().addMailbox(RECIPIENT, PasswordSchemes.hash("SHA512-CRYPT", TestPostern.PASSWORD.toCharArray()), 0);
        return b;
    }

    /** A's configuration: everything to B as relayhost; mail from the test client held until released. */
    private PosternProcess configureSender(int port, int receiverPort) throws Exception {
        Path config = Files.createDirectories(dir.resolve("a/etc"));
        Path log = dir.resolve("a/maillog");
        Files.writeString(config.resolve("main.cf"), """
                myhostname = a.example.test
                data_directory = %s
                maillog_file = %s
                dns_servers = %s
                inet_interfaces = 127.0.0.1
                smtpd_tls_security_level = none
                smtp_tls_security_level = none
                relayhost = [127.0.0.2]:%d
                smtpd_recipient_restrictions = check_recipient_access inline:{ %s=HOLD }
                queue_run_delay = 1s
                minimal_backoff_time = 1s
                maximal_backoff_time = 2s
                smtpd_error_sleep_time = 0s
                postern_shutdown_timeout = 2s
                """.formatted(dir.resolve("a/data"), log, dns.address(), receiverPort, RECIPIENT));
        Files.writeString(config.resolve("master.cf"), port + " inet n - n - - smtpd\n");
        return new PosternProcess(config, log, dir.resolve("a/stdout"));
    }

    /** Queues the messages in A (held), one SMTP session; returns the Message-IDs A acknowledged with 250. */
    private static Set<String> queue(int port) throws Exception {
        Set<String> acked = new LinkedHashSet<>();
        try (RawSmtpClient c = RawSmtpClient.connect(port)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.example")).startsWith("250");
            for (int i = 0; i < MESSAGES; i++) {
                String id = "out-" + i + "@crash.test";
                assertThat(c.command("MAIL FROM:<alice@a.example.test>")).startsWith("250");
                assertThat(c.command("RCPT TO:<" + RECIPIENT + ">")).startsWith("250");
                assertThat(c.command("DATA")).startsWith("354");
                String reply = c.command("From: alice@a.example.test\r\nTo: " + RECIPIENT + "\r\nSubject: outbound crash\r\n"
                        + "Message-ID: <" + id + ">\r\n\r\n" + "body line\r\n".repeat(20) + ".");
                assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
                acked.add(id);
            }
            c.command("QUIT");
        }
        return acked;
    }

    /** {@code postern queue release ALL} over A's control socket; a kill in the middle is fine. */
    private void release(PosternProcess a) {
        try {
            ControlClient.connect(dir.resolve("a/data/queue")).orElseThrow().release(QueueTools.Selection.ALL);
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("OutboundCrashSafetyTest: release interrupted by the kill: " + e);
        }
    }

    private long deliveredFiles() {
        try (var files = Files.list(receiver.maildir(RECIPIENT).resolve("new"))) {
            return files.count();
        } catch (java.io.IOException e) {
            return 0;   // no message yet
        }
    }

    @Test
    void everyQueuedMessageIsDeliveredDespiteSigkillsWhileDelivering() throws Exception {
        dns = new TestDnsServer();
        receiver = startReceiver();
        int port = TestPostern.freePort();
        PosternProcess a = configureSender(port, receiver.smtpPort());
        sender = a.start(1);
        long queueing = System.nanoTime();
        Set<String> acked = queue(port);
        assertThat(acked).hasSize(MESSAGES);
        List<String> report = new ArrayList<>();
        report.add("%d messages queued (held) in %.2fs".formatted(MESSAGES, (System.nanoTime() - queueing) / 1e9));

        // Release the whole held queue: A delivers each message as it is released, up to 20 at a
        // time. The release runs beside the kills; after a restart, what was not released yet is.
        Thread releasing = Thread.ofVirtual().start(() -> release(a));
        // One kill early in the run: each restart of a JVM costs seconds, and the test should stay
        // under a minute. CrashSafetyTest kills more often on the accepting side.
        int kills = 0;
        for (int round = 0; round < KILLS; round++) {
            long start = System.nanoTime();
            long target = deliveredFiles() + MESSAGES / 10;
            TestPostern.await(() -> deliveredFiles() >= target || !sender.isAlive(), Duration.ofSeconds(30),
                    "delivered " + target + "; log:\n" + a.logText());
            long atKill = deliveredFiles();
            if (atKill >= MESSAGES) {
                break;   // everything went before this kill moment: nothing left to interrupt
            }
            sender.toHandle().destroyForcibly();   // SIGKILL
            assertThat(sender.waitFor(30, TimeUnit.SECONDS)).isTrue();
            kills++;
            report.add("kill %d: after %.2fs of delivering, %d of %d in B's mailbox"
                    .formatted(kills, (System.nanoTime() - start) / 1e9, atKill, MESSAGES));
            releasing.join(30_000);
            sender = a.start(kills + 1);
            releasing = Thread.ofVirtual().start(() -> release(a));
        }
        releasing.join(30_000);

        TestPostern.await(() -> PosternProcess.messageIds(receiver.maildir(RECIPIENT)).keySet().containsAll(acked),
                Duration.ofSeconds(40), "queued messages never delivered; log:\n" + a.logText());
        Map<String, Integer> seen = PosternProcess.messageIds(receiver.maildir(RECIPIENT));
        long duplicates = seen.values().stream().filter(n -> n > 1).count();
        report.add("total: %d queued, all delivered, %d kills; duplicates: %d (in flight at a kill)"
                .formatted(acked.size(), kills, duplicates));
        report.forEach(l -> System.out.println("OutboundCrashSafetyTest: " + l));

        assertThat(kills).as("the sender was killed while it delivered").isPositive();
        assertThat(seen.keySet()).as("only messages that were sent").isEqualTo(acked);
        // A message whose 250 from B came just before a kill, and whose delivered state had not
        // reached A's disk, is sent again after the restart: at most once more per kill.
        int maxCopies = 1 + kills;
        assertThat(seen.values()).allMatch(n -> n <= maxCopies);
        TestPostern.await(() -> a.count("removed") >= MESSAGES, Duration.ofSeconds(20), "A's queue emptied");

        sender.toHandle().destroy();
        assertThat(sender.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sender.exitValue()).isZero();
    }
}
