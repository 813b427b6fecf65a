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
 * STARTTLS command injection (RFC 3207 section 4, CVE-2011-0411): commands sent in plaintext
 * in the same packet as STARTTLS are thrown away, never run inside the TLS session; and the
 * session state is reset after the handshake (RFC 3207 section 4.2).
 */
class StartTlsInjectionTest {

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
    void plaintextMailFromSentWithStarttlsIsNotExecutedAfterTheHandshake() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
            assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            assertThat(c.command("EHLO client.example")).startsWith("250-" + TestPostern.HOSTNAME)
                    .doesNotContain("STARTTLS");
            // Had the injected MAIL run, this would be "503 5.5.1 Error: nested MAIL command".
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        postern.awaitLog("disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 mail=1 quit=1 commands=5");
        assertThat(SmtpTests.logSince(postern, mark))
                .contains("unknown[127.0.0.1]: discarding 20 bytes of plaintext sent after STARTTLS")
                .doesNotContain("evil@x");
    }

    @Test
    void plaintextRsetSentWithStarttlsGetsNoReply() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("STARTTLS\r\nRSET\r\n");
            assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            // The first reply over TLS answers the first command sent over TLS.
            c.send("NOOP\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
            assertThat(c.available()).isEmpty();
        }
    }

    @Test
    void stateIsResetAfterStarttls() throws Exception {
        try (RawSmtpClient c = SmtpTests.open(postern.submissionPort())) {
            assertThat(c.command("EHLO client.example")).contains("250-STARTTLS");
            assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            // HELO/EHLO is forgotten: AUTH and MAIL need a new EHLO.
            assertThat(c.command("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ="))
                    .isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
            assertThat(c.command("EHLO client.example")).contains("250-AUTH PLAIN LOGIN");
            assertThat(c.command("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ="))
                    .isEqualTo("235 2.7.0 Authentication successful");
            assertThat(c.command("STARTTLS")).isEqualTo("554 5.5.1 Error: TLS already active");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
    }

    @Test
    void mailTransactionStartedBeforeStarttlsIsGoneAfterIt() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            assertThat(c.command("EHLO client.example")).startsWith("250-");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("503 5.5.1 Error: need MAIL command");
        }
    }
}
