package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * Pipelining (RFC 2920) and its enforcement (postfix-restrictions.md 7.2): legitimate groups
 * after EHLO are answered in order; a client that does not wait for the EHLO reply, or talks
 * before the greeting, is flagged, and with the default smtpd_forbid_unauth_pipelining = yes
 * gets 554 5.5.0 and is disconnected.
 */
class PipeliningTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir);
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    @Test
    void mailSentTogetherWithEhloIsImproperPipeliningAndDisconnects() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.open(postern.smtpPort())) {
            c.send("EHLO client.example\r\nMAIL FROM:<carol@remote.example>\r\n");
            assertThat(c.reply()).isEqualTo("554 5.5.0 Error: SMTP protocol synchronization");
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("improper command pipelining after EHLO from unknown[127.0.0.1]: MAIL FROM:<carol@remote.example>");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void pipelinedGroupAfterEhloGetsAllRepliesInOrder() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\n"
                    + "RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertThat(c.replies(5)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok",
                    "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table",
                    "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>");
            // Content, end of data and the next transaction in one write, too.
            c.send("Subject: pipelined-group\r\n\r\nhello\r\n.\r\nRSET\r\nMAIL FROM:<>\r\n");
            SmtpTests.queuedId(c.reply());
            assertThat(c.replies(2)).containsExactly("250 2.0.0 Ok", "250 2.1.0 Ok");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        postern.awaitMessage("alice@example.test", "pipelined-group");
        postern.awaitMessage("bob@example.test", "pipelined-group");
        assertThat(postern.logText()).doesNotContain("improper command pipelining after MAIL");
    }

    @Test
    void pregreetIsLoggedAndPunished() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            // Sent before the greeting. The server looks after its client name lookup, so the
            // bytes are normally there; if the server happened to look first, the session is
            // a normal one, and the log must then not claim a pregreet.
            c.send("EHLO early.example\r\n");
            assertThat(c.reply()).startsWith("220 " + TestPostern.HOSTNAME);
            String next = c.reply();
            postern.awaitLog("connect from unknown[127.0.0.1]");
            if (SmtpTests.logSince(postern, mark).contains("improper command pipelining after CONNECT")) {
                assertThat(next).isEqualTo("554 5.5.0 Error: SMTP protocol synchronization");
                assertThat(c.awaitClosed()).isTrue();
                postern.awaitLog("improper command pipelining after CONNECT from unknown[127.0.0.1]: EHLO early.example");
            } else {
                assertThat(next).startsWith("250-" + TestPostern.HOSTNAME);
            }
        }
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }
}
