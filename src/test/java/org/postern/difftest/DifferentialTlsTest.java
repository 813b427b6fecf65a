package org.postern.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestCertificates;

/**
 * The differential test for TLS client certificates, smtpd_reject_footer_maps and
 * smtpd_log_access_permit_actions: the same main.cf in Postern and in the private Postfix 3.7
 * ({@link PostfixInstance}), the same dialogues with a real TLS client that presents a CA-issued
 * certificate, a self-signed one or none, and every reply must be the same (greeting and EHLO
 * replies by code only), as must the "NOQUEUE: permit:" log lines.
 *
 * <p>Two Postfix instances, each started once: one with STARTTLS optional, compared with
 * Postern's MX port, and one with TLS required (smtpd_tls_security_level = encrypt, so
 * smtpd_tls_req_ccert applies), compared with Postern's submission port, which requires TLS.
 * Clients are impersonated with XCLIENT so that both servers log the same client name.
 */
class DifferentialTlsTest {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static PostfixInstance postfix;
    static PostfixInstance postfixEncrypt;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        if (!PostfixInstance.installed()) {
            fail("Postfix is not installed: install postfix (Debian package; see .ci/run, which installs it)");
        }
        certs = TestCertificates.create(dir.resolve("certs"));
        Path tables = dir.resolve("tables");
        Path relayCerts = PostfixInstance.writeTable(tables, "relay_clientcerts",
                certs.trusted.fingerprint("SHA-256") + " device one\n");
        Path ccertAccess = PostfixInstance.writeTable(tables, "ccert_access",
                certs.selfSigned.fingerprint("SHA-256") + " REJECT unknown device\n");
        Path footers = PostfixInstance.writeTable(tables, "footers.regexp", """
                /^554 5\\.7\\.1 <x@remote\\.test>: Relay access denied$/ Ask postmaster about $$client_address
                /^421 / \\cTLS footer
                """);
        String mainCf = """
                smtpd_tls_cert_file = %s
                smtpd_tls_key_file = %s
                smtpd_tls_ask_ccert = yes
                smtpd_tls_req_ccert = yes
                smtpd_tls_CAfile = %s
                relay_clientcerts = texthash:%s
                smtpd_relay_restrictions = permit_mynetworks, permit_tls_clientcerts,
                    check_ccert_access texthash:%s, reject_unauth_destination
                smtpd_log_access_permit_actions = static:all
                smtpd_reject_footer_maps = regexp:%s
                smtpd_reject_footer = plain footer
                """.formatted(certs.server.certFile(), certs.server.keyFile(), certs.ca.certFile(), relayCerts,
                ccertAccess, footers);
        String postfixOnly = """
                smtpd_tls_security_level = may
                virtual_mailbox_domains = example.test
                virtual_mailbox_maps = inline:{alice@example.test=x}
                """;
        CompletableFuture<PostfixInstance> may = CompletableFuture.supplyAsync(
                unchecked(() -> PostfixInstance.start(dir.resolve("postfix"), mainCf + postfixOnly, List.of())));
        CompletableFuture<PostfixInstance> encrypt = CompletableFuture.supplyAsync(
                unchecked(() -> PostfixInstance.start(dir.resolve("postfix-encrypt"), mainCf + postfixOnly,
                        List.of("smtpd_tls_security_level=encrypt"))));
        postern = TestPostern.start(dir.resolve("postern"), mainCf);
        postfix = may.join();
        postfixEncrypt = encrypt.join();
    }

    private interface Start<T> {
        T get() throws Exception;
    }

    private static <T> Supplier<T> unchecked(Start<T> start) {
        return () -> {
            try {
                return start.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {postern, postfix, postfixEncrypt}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    /**
     * XCLIENT as {@code 198.51.100.7 device.example.net}, EHLO, STARTTLS with {@code cert} (null:
     * none; STARTTLS skipped when {@code tls} is false), then {@code commands}; the replies in order,
     * the greeting and EHLO replies reduced to their code.
     */
    static List<String> dialogue(int port, boolean tls, KeyManager[] cert, String... commands) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawSmtpClient c = RawSmtpClient.connect(port)) {
            c.reply();
            replies.add(code(c.command("XCLIENT ADDR=198.51.100.7 NAME=device.example.net")));
            replies.add(code(c.command("EHLO client.example.net")));
            if (tls) {
                replies.add(c.command("STARTTLS"));
                c.startTls(cert);
            }
            for (String command : commands) {
                String reply = command.equals("EHLO client.example.net") ? code(c.command(command)) : c.command(command);
                replies.add(reply);
                if (reply == null) {
                    break;
                }
            }
            if (replies.getLast() != null && !replies.getLast().startsWith("421")) {
                return replies;
            }
            // a 421 arrives unasked after the handshake: it is the reply to whatever came next
        }
        return replies;
    }

    private static String code(String reply) {
        return reply == null ? null : reply.substring(0, 3);
    }

    /** Runs the dialogue on both servers and compares every reply. */
    static void same(int postfixPort, int posternPort, boolean tls, KeyManager[] cert, String... commands)
            throws IOException {
        List<String> expected = dialogue(postfixPort, tls, cert, commands);
        List<String> actual = dialogue(posternPort, tls, cert, commands);
        assertThat(actual).as("Postern's replies, Postfix's expected").isEqualTo(expected);
    }

    @Test
    void aCertificateInRelayClientcertsRelays() throws Exception {
        same(postfix.port(), postern.smtpPort(), true, certs.trusted.keyManagers(),
                "MAIL FROM:<trusted@client.example.net>", "RCPT TO:<x@remote.test>", "RCPT TO:<alice@example.test>",
                "QUIT");
        assertSamePermitLines("trusted@client.example.net");
    }

    @Test
    void checkCcertAccessRejectsAnUntrustedCertificate() throws Exception {
        same(postfix.port(), postern.smtpPort(), true, certs.selfSigned.keyManagers(),
                "MAIL FROM:<self@client.example.net>", "RCPT TO:<x@remote.test>", "QUIT");
    }

    @Test
    void withoutACertificateFooterMapsChooseTheFooter() throws Exception {
        same(postfix.port(), postern.smtpPort(), true, null,
                "MAIL FROM:<nocert@client.example.net>", "RCPT TO:<x@remote.test>", "RCPT TO:<y@remote.test>",
                "RCPT TO:<alice@example.test>", "QUIT");
        same(postfix.port(), postern.smtpPort(), false, null,
                "MAIL FROM:<plain@client.example.net>", "RCPT TO:<x@remote.test>", "QUIT");
    }

    @Test
    void permitLogLinesForMynetworks() throws Exception {
        List<String> replies = new ArrayList<>();
        for (int port : new int[] {postfix.port(), postern.smtpPort()}) {
            try (RawSmtpClient c = RawSmtpClient.connect(port)) {
                c.reply();
                c.command("XCLIENT ADDR=192.0.2.9 NAME=trusted.example.net");
                c.command("EHLO trusted.example.net");
                c.command("MAIL FROM:<mynet@client.example.net>");
                replies.add(c.command("RCPT TO:<x@remote.test>"));
            }
        }
        assertThat(replies.get(1)).isEqualTo(replies.get(0));
        assertSamePermitLines("mynet@client.example.net");
    }

    @Test
    void requiredCertificatesWhenTlsIsRequired() throws Exception {
        same(postfixEncrypt.port(), postern.submissionPort(), true, null, "EHLO client.example.net");
        same(postfixEncrypt.port(), postern.submissionPort(), true, certs.selfSigned.keyManagers(),
                "EHLO client.example.net");
        same(postfixEncrypt.port(), postern.submissionPort(), true, certs.trusted.keyManagers(),
                "EHLO client.example.net", "MAIL FROM:<req@client.example.net>", "QUIT");
    }

    /** The "NOQUEUE: permit:" lines that mention {@code sender}, from both logs, must be equal. */
    static void assertSamePermitLines(String sender) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        List<String> fromPostfix;
        List<String> fromPostern;
        do {
            fromPostfix = permitLines(postfix.logText(), sender);
            fromPostern = permitLines(postern.logText(), sender);
            if (!fromPostfix.isEmpty() && fromPostfix.size() == fromPostern.size()) {
                break;
            }
            Thread.sleep(20);   // polling interval of a deadline wait: postlogd writes asynchronously
        } while (Instant.now().isBefore(deadline));
        assertThat(fromPostfix).as("Postfix's permit lines").isNotEmpty();
        assertThat(fromPostern).as("Postern's permit lines, Postfix's expected").isEqualTo(fromPostfix);
    }

    private static List<String> permitLines(String log, String sender) {
        return log.lines().filter(l -> l.contains(": permit: ") && l.contains("from=<" + sender + ">"))
                .map(l -> l.substring(l.indexOf("]: ") + 3).replaceFirst("^[0-9A-Za-z]+: permit: ", "QUEUEID: permit: "))
                .toList();
    }

    @Test
    void theFixturesAreWhatTheScenariosNeed() throws IOException {
        assertThat(Files.readString(certs.trusted.certFile())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(certs.trusted.fingerprint("SHA-256")).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
    }
}
