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
 * Clients that vanish in every session state: the session logs Postfix's
 * {@code lost connection after X from ...} and {@code disconnect from ...}, does not crash, and
 * stores nothing of a message in progress (not in the spool, not in incoming/, not in a Maildir).
 */
class AbruptDisconnectTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        assertThat(postern.messages("alice@example.test")).isEmpty();
        postern.close();
    }

    private static String lostAfter(int mark, String what) throws Exception {
        String log = SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
        assertThat(log).containsPattern("lost connection after " + what + " from unknown\\[127\\.0\\.0\\.1\\]\n(.*\n)*"
                + ".*disconnect from unknown\\[127\\.0\\.0\\.1\\]");
        assertThat(log).doesNotContain("Exception");
        return log;
    }

    @Test
    void afterConnect() throws Exception {
        int mark = SmtpTests.mark(postern);
        SmtpTests.open(postern.smtpPort()).abort();
        lostAfter(mark, "CONNECT");
    }

    @Test
    void afterEhlo() throws Exception {
        int mark = SmtpTests.mark(postern);
        SmtpTests.openEhlo(postern.smtpPort()).close();
        lostAfter(mark, "EHLO");
    }

    @Test
    void afterMail() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
        c.abort();
        lostAfter(mark, "MAIL");
    }

    @Test
    void afterRcpt() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
        assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
        c.close();
        lostAfter(mark, "RCPT");
        assertThat(SmtpTests.queueIdsSince(postern, mark)).hasSize(1);
    }

    @Test
    void inTheMiddleOfDataContent() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        assertThat(c.replies(3)).hasSize(3);
        // Big enough to spill to incoming/ (over the spool's in-memory limit).
        c.send("Subject: half\r\n\r\n" + ("y".repeat(998) + "\r\n").repeat(400) + "no end");
        c.abort();
        lostAfter(mark, "DATA \\(\\d+ bytes\\)");
    }

    @Test
    void rightAfterTheDataCommand() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        assertThat(c.replies(3)).hasSize(3);
        c.close();
        lostAfter(mark, "DATA \\(0 bytes\\)");
    }

    @Test
    void inTheMiddleOfABdatChunk() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\n");
        assertThat(c.replies(2)).hasSize(2);
        c.send("BDAT 20\r\nSubject: first\r\n\r\nab");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: 20 bytes");
        c.send("BDAT 1000 LAST\r\nonly a part of it");
        c.abort();
        lostAfter(mark, "BDAT \\(\\d+ bytes\\)");
    }

    @Test
    void inTheMiddleOfTheStarttlsHandshake() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        c.sendPartialClientHello();
        c.abort();
        lostAfter(mark, "STARTTLS");
    }

    @Test
    void inTheMiddleOfTheImplicitTlsHandshake() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = RawSmtpClient.connect(postern.submissionsPort());
        c.sendPartialClientHello();
        c.close();
        lostAfter(mark, "CONNECT");
    }

    @Test
    void duringAuth() throws Exception {
        int mark = SmtpTests.mark(postern);
        RawSmtpClient c = RawSmtpClient.connectTls(postern.submissionsPort());
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example")).contains("AUTH PLAIN LOGIN");
        assertThat(c.command("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
        c.abort();
        lostAfter(mark, "AUTH");
    }
}
