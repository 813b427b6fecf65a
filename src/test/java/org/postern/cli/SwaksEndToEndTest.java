package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Postern as users meet it: swaks (a real SMTP client) against the MX port, submission with
 * STARTTLS and submissions with implicit TLS, mail landing in Maildir. One server for the class.
 */
class SwaksEndToEndTest {

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

    record Swaks(int exit, String output) {
    }

    static Swaks swaks(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--hide-informational", "--timeout", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Swaks(p.exitValue(), out);
    }

    private static String server(int port) {
        return "127.0.0.1:" + port;
    }

    @Test
    void mailFromTheInternetArrivesInMaildirByteExactApartFromAddedHeaders() throws Exception {
        Path body = dir.resolve("message.eml");
        String message = "From: Carol <carol@remote.example>\r\nTo: alice@example.test\r\nSubject: hello\r\n"
                + "Message-ID: <1@remote.example>\r\n\r\nLine one\r\n.leading dot\r\n\r\nlast line with trailing spaces  ";
        Files.writeString(body, message);
        Swaks r = swaks("--server", server(postern.smtpPort()), "--from", "carol@remote.example",
                "--to", "alice@example.test", "--data", "@" + body);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).containsPattern("250 2\\.0\\.0 Ok: queued as [0-9A-F]+");

        Path delivered = postern.awaitMessage("alice@example.test", "Message-ID: <1@remote.example>");
        String stored = Files.readString(delivered, StandardCharsets.UTF_8);
        // Maildir keeps LF line ends; Postern adds Delivered-To, Return-Path, Authentication-Results
        // and Received on top.
        assertThat(stored).startsWith("Delivered-To: alice@example.test\nReturn-Path: <carol@remote.example>\n"
                + "Authentication-Results: " + TestPostern.HOSTNAME + ";");
        assertThat(stored).contains("\nReceived: from ");
        assertThat(stored).contains("\tby " + TestPostern.HOSTNAME + " (Postern) with ESMTP id ")
                .contains("\tfor <alice@example.test>; ");
        // swaks ends the last line with CRLF before the final dot.
        assertThat(stored.substring(stored.indexOf("From: Carol"))).isEqualTo(message.replace("\r\n", "\n") + "\n");
        postern.awaitLog("to=<alice@example.test>, relay=virtual");
        assertThat(postern.logText()).contains("status=sent (delivered to maildir)");
    }

    @Test
    void unknownLocalUserIsRejectedAtRcptAndRelayIsRefused() throws Exception {
        Swaks unknown = swaks("--server", server(postern.smtpPort()), "--from", "carol@remote.example",
                "--to", "nobody@example.test");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.output()).contains(
                "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
        // Postfix's reject line: "; " once, then single spaces between the fields.
        postern.awaitLog("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <nobody@example.test>: Recipient address "
                + "rejected: User unknown in virtual mailbox table; from=<carol@remote.example> to=<nobody@example.test> "
                + "proto=ESMTP helo=<");
        Swaks relay = swaks("--server", server(postern.smtpPort()), "--from", "carol@remote.example",
                "--to", "dave@elsewhere.example");
        assertThat(relay.output()).contains("454 4.7.1 <dave@elsewhere.example>: Relay access denied");
    }

    @Test
    void submissionWithStarttlsAndAuthPlainMaySendAnywhereAsOwnAddress() throws Exception {
        Swaks r = swaks("--server", server(postern.submissionPort()), "-tls", "--auth", "PLAIN",
                "--auth-user", "alice@example.test", "--auth-password", TestPostern.PASSWORD,
                "--from", "alice@example.test", "--to", "bob@example.test,dave@elsewhere.example",
                "--header", "X-Test: starttls-plain");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("235 2.7.0 Authentication successful");
        Path delivered = postern.awaitMessage("bob@example.test", "X-Test: starttls-plain");
        assertThat(Files.readString(delivered)).containsPattern("with ESMTPSA id [0-9A-F]+; ")
                .contains("(using TLSv1.3 with cipher ");
        postern.awaitLog("sasl_method=PLAIN, sasl_username=alice@example.test");
    }

    @Test
    void submissionsWithImplicitTlsAndAuthLogin() throws Exception {
        Swaks r = swaks("--server", server(postern.submissionsPort()), "--tlsc", "--auth", "LOGIN",
                "--auth-user", "bob@example.test", "--auth-password", TestPostern.PASSWORD,
                "--from", "bob@example.test", "--to", "bob@example.test", "--header", "X-Test: implicit-tls");
        assertThat(r.exit()).as(r.output()).isZero();
        postern.awaitMessage("bob@example.test", "X-Test: implicit-tls");
    }

    @Test
    void submissionRequiresTlsThenLoginAndOwnSenderAddress() throws Exception {
        Swaks plain = swaks("--server", server(postern.submissionPort()), "--from", "alice@example.test",
                "--to", "bob@example.test");
        assertThat(plain.output()).contains("530 5.7.0 Must issue a STARTTLS command first");

        Swaks anonymous = swaks("--server", server(postern.submissionPort()), "-tls", "--from", "alice@example.test",
                "--to", "bob@example.test");
        assertThat(anonymous.output()).contains("554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied");

        Swaks forged = swaks("--server", server(postern.submissionPort()), "-tls", "--auth", "PLAIN",
                "--auth-user", "alice@example.test", "--auth-password", TestPostern.PASSWORD,
                "--from", "bob@example.test", "--to", "dave@elsewhere.example");
        assertThat(forged.output()).contains(
                "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test");
    }

    @Test
    void wrongPasswordGets535AndAFail2banLogLine() throws Exception {
        Swaks r = swaks("--server", server(postern.submissionsPort()), "--tlsc", "--auth", "LOGIN",
                "--auth-user", "alice@example.test", "--auth-password", "wrong",
                "--from", "alice@example.test", "--to", "bob@example.test");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("535 5.7.8 Error: authentication failed: (reason unavailable)");
        postern.awaitLog("postern/submissions/smtpd[");
        // fail2ban's postfix filter: "warning: host[IP]: SASL LOGIN authentication failed:"
        postern.awaitLog("warning: unknown[127.0.0.1]: SASL LOGIN authentication failed: authentication failure");
    }

    @Test
    void pipelinedTransaction() throws Exception {
        Swaks r = swaks("--server", server(postern.smtpPort()), "--pipeline", "--from", "carol@remote.example",
                "--to", "alice@example.test,bob@example.test", "--header", "X-Test: pipelined");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readString(postern.awaitMessage("alice@example.test", "X-Test: pipelined")))
                .doesNotContain("\tfor <");   // two recipients: no "for" clause
        postern.awaitMessage("bob@example.test", "X-Test: pipelined");
        assertThat(r.output()).doesNotContain("improper command pipelining");
    }
}
