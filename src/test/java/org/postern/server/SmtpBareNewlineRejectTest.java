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
 * {@code smtpd_forbid_bare_newline = reject} (postfix-restrictions.md 7.1): a message with a
 * bare LF is rejected at end of data; a command line ending in bare LF gets the reply and a
 * disconnect. Smuggling attempts are rejected as a whole.
 */
class SmtpBareNewlineRejectTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir, "smtpd_forbid_bare_newline = reject");
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    static final String BARE_LF = "550 5.5.2 " + TestPostern.HOSTNAME + " Error: bare <LF> received";

    @Test
    void smugglingAttemptIsRejectedAtEndOfDataAndNothingIsStored() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).hasSize(3);
            c.send("Subject: x\r\n\r\nbefore\r\n.\n" + SmtpSmugglingTest.SMUGGLED);
            assertThat(c.reply()).isEqualTo(BARE_LF);
            // The session goes on (RSET: Postfix 3.7 keeps the transaction after an end-of-data reject).
            assertThat(c.command("RSET")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        String log = SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
        assertThat(log).contains("reject: DATA from unknown[127.0.0.1]: " + BARE_LF)
                .doesNotContain("from=<evil@x>");
        assertThat(postern.messages("alice@example.test")).isEmpty();
        assertThat(postern.messages("bob@example.test")).isEmpty();
    }

    @Test
    void bareLfCommandLineGetsTheReplyAndADisconnect() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("NOOP\n");
            assertThat(c.reply()).isEqualTo(BARE_LF);
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("NOQUEUE: reject: NOOP from unknown[127.0.0.1]: " + BARE_LF);
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }
}
