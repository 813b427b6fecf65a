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
 * Exact Postfix replies of the basic commands and sequence errors, the disconnect statistics
 * line, and XCLIENT (Postfix XCLIENT_README).
 */
class SmtpCommandsTest {

    @TempDir
    static Path dir;
    @TempDir
    static Path otherDir;
    static TestPostern postern;

    static final String HOST = TestPostern.HOSTNAME;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir);
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    @Test
    void basicCommands() throws Exception {
        try (RawSmtpClient c = SmtpTests.open(postern.smtpPort())) {
            assertThat(c.command("HELO client.example")).isEqualTo("250 " + HOST);
            assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST + "\n250-PIPELINING\n")
                    .contains("\n250-SIZE ").contains("\n250-ENHANCEDSTATUSCODES\n").contains("\n250 CHUNKING");
            assertThat(c.command("VRFY alice@example.test")).isEqualTo("502 5.5.1 VRFY command is disabled");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("RSET")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("HELP")).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("EXPN staff")).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("FOO bar")).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
            assertThat(c.awaitClosed()).isTrue();
        }
    }

    @Test
    void sequenceErrors() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("503 5.5.1 Error: need MAIL command");
            assertThat(c.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");   // Postfix 3.7 (differential test): DATA before MAIL
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("503 5.5.1 Error: nested MAIL command");
            assertThat(c.command("DATA")).isEqualTo("554 5.5.1 Error: no valid recipients");
            assertThat(c.command("RCPT TO:<nobody@example.test>")).startsWith("550 5.1.1 <nobody@example.test>:");
            assertThat(c.command("DATA")).isEqualTo("554 5.5.1 Error: no valid recipients");
        }
    }

    @Test
    void disconnectLineCountsCommands() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<nobody@example.test>")).startsWith("550 ");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        postern.awaitLog("disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4\n");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void xclientFromAnAuthorizedHostGivesANewGreetingAndClient() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("XCLIENT ADDR=198.51.100.7 NAME=[UNAVAILABLE]")).startsWith("220 " + HOST + " ESMTP");
            assertThat(c.command("EHLO laptop.example.net")).startsWith("250-" + HOST);
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        postern.awaitLog("disconnect from unknown[198.51.100.7]");
        assertThat(SmtpTests.logSince(postern, mark)).contains("client=unknown[198.51.100.7]");
    }

    @Test
    void xclientAndHeloRequiredOnAServerThatTrustsNoProxy() throws Exception {
        try (TestPostern strict = TestPostern.start(otherDir, "smtpd_authorized_xclient_hosts =\nsmtpd_helo_required = yes")) {
            try (RawSmtpClient c = SmtpTests.open(strict.smtpPort())) {
                assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
                assertThat(c.command("EHLO client.example")).doesNotContain("XCLIENT");
                assertThat(c.command("XCLIENT ADDR=198.51.100.7")).isEqualTo("550 5.7.0 Error: insufficient authorization");
                assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            }
        } finally {
            SmtpTests.restoreLog(postern);
        }
    }
}
