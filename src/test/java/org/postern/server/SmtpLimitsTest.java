package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * Postfix's smtpd limits: message_size_limit (RFC 1870), smtpd_recipient_limit,
 * line_length_limit, smtpd_hard_error_limit, smtpd_timeout, the per-client connection count
 * (anvil) and hopcount_limit; each with Postfix's reply, and nothing stored when a message
 * is refused.
 */
class SmtpLimitsTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    static final String HOST = TestPostern.HOSTNAME;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir, """
                message_size_limit = 10000
                smtpd_recipient_limit = 3
                smtpd_hard_error_limit = 5
                smtpd_timeout = 2s
                smtpd_client_connection_count_limit = 2
                hopcount_limit = 5
                """);
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    private static RawSmtpClient inData() throws Exception {
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        assertThat(c.replies(3)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>");
        return c;
    }

    @Test
    void messageOverTheSizeLimitIsRefusedAndNotStored() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = inData()) {
            c.send("Subject: too-big\r\n\r\n" + ("x".repeat(99) + "\r\n").repeat(120) + ".\r\n");
            assertThat(c.reply()).isEqualTo("552 5.3.4 Error: message file too big");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
        assertThat(postern.messages("alice@example.test")).noneMatch(p -> p.toString().contains("too-big"));
    }

    @Test
    void mailWithSizeOverTheLimitIsRefused() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("MAIL FROM:<carol@remote.example> SIZE=10001"))
                    .isEqualTo("552 5.3.4 Message size exceeds fixed limit");
            assertThat(c.command("MAIL FROM:<carol@remote.example> SIZE=10000")).isEqualTo("250 2.1.0 Ok");
        }
    }

    @Test
    void recipientsOverTheLimitGet452() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
                    + "RCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n");
            assertThat(c.replies(5)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                    "452 4.5.3 Error: too many recipients");
        }
    }

    @Test
    void overlongCommandLineRunsItsFirstPartAndTheSessionContinues() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            // Postfix 3.7 (lab): no error of its own; the first line_length_limit bytes run as the command.
            assertThat(c.command("NOOP " + "a".repeat(3000))).isEqualTo("250 2.0.0 Ok");
            postern.awaitLog("request longer than 2048 bytes");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            // Exactly at the limit (2048 bytes with CRLF... minus CRLF) is still a command.
            assertThat(c.command("NOOP " + "a".repeat(2040))).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void hardErrorLimitDisconnectsWith421AfterTheLastErrorReply() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            for (int i = 1; i <= 5; i++) {
                assertThat(c.command("BOGUS " + i)).as("error %d", i).isEqualTo("500 5.5.2 Error: command not recognized");
            }
            // Postfix checks the limit before reading the next command: 421 follows unasked.
            assertThat(c.reply()).isEqualTo("421 4.7.0 " + HOST + " Error: too many errors");
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("too many errors after UNKNOWN from unknown[127.0.0.1]");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void idleClientTimesOutWith421() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("timeout after EHLO from unknown[127.0.0.1]");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void idleClientAfterStartTlsTimesOutWith421OverTls() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("STARTTLS")).startsWith("220 ");
            c.startTls();
            assertThat(c.command("EHLO client.example")).startsWith("250");
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("timeout after EHLO from unknown[127.0.0.1]");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void clientStallingInDataTimesOutWith421AndNothingIsStored() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = inData()) {
            c.send("Subject: stalled\r\n\r\nhalf a message");
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.awaitClosed()).isTrue();
        }
        String log = SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
        assertThat(log).containsPattern("timeout after DATA \\(\\d+ bytes\\) from unknown\\[127\\.0\\.0\\.1\\]");
    }

    @Test
    void connectionsOverThePerClientLimitGet421() throws Exception {
        try (RawSmtpClient one = SmtpTests.open(postern.smtpPort());
             RawSmtpClient two = SmtpTests.open(postern.smtpPort());
             RawSmtpClient three = RawSmtpClient.connect(postern.smtpPort())) {
            assertThat(three.reply()).isEqualTo("421 4.7.0 " + HOST + " Error: too many connections from 127.0.0.1");
            assertThat(three.awaitClosed()).isTrue();
            assertThat(one.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(two.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
        postern.awaitLog("Connection concurrency limit exceeded: limit from unknown[127.0.0.1] for service ");
        // The slots are given back: a new client is served again.
        TestPostern.await(() -> postern.server().smtp().sessionCount() == 0, Duration.ofSeconds(10), "sessions ended");
        try (RawSmtpClient again = SmtpTests.open(postern.smtpPort())) {
            assertThat(again.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
    }

    @Test
    void tooManyReceivedHeadersIsALoop() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = inData()) {
            c.send("Received: from a\r\n\tby b; Thu, 1 Jan 2026 00:00:00 +0000\r\n".repeat(6)
                    + "Subject: looping\r\n\r\nloop\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("554 5.4.0 Error: too many hops");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
        // A Received: line in the body does not count.
        try (RawSmtpClient c = inData()) {
            c.send("Subject: not-looping\r\n\r\n" + "Received: from body\r\n".repeat(6) + ".\r\n");
            SmtpTests.queuedId(c.reply());
        }
        postern.awaitMessage("alice@example.test", "not-looping");
    }
}
