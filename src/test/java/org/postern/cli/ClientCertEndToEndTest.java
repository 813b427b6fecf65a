package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.KeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestCertificates;

/**
 * TLS client certificates end to end: a real JSSE client presents a certificate (issued by a
 * test CA, or self-signed) after STARTTLS to a running Postern. The MX port asks for certificates
 * and relays for listed fingerprints (permit_tls_clientcerts); check_ccert_access rejects one;
 * the submission port (TLS required) requires a trusted certificate (smtpd_tls_req_ccert), which
 * the MX port (TLS optional) ignores. One server for the class.
 */
class ClientCertEndToEndTest {

    @TempDir
    static Path dir;
    static TestPostern postern;
    static TestCertificates certs;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create(dir.resolve("certs"));
        Path relayCerts = Files.writeString(dir.resolve("relay_clientcerts"),
                certs.trusted.fingerprint("SHA-256") + " trusted client\n");
        Path ccertAccess = Files.writeString(dir.resolve("ccert_access"),
                certs.selfSigned.pubkeyFingerprint("SHA-256") + " REJECT unknown device\n");
        postern = TestPostern.start(dir.resolve("postern"), """
                smtpd_tls_ask_ccert = yes
                smtpd_tls_req_ccert = yes
                smtpd_tls_CAfile = %s
                relay_clientcerts = texthash:%s
                smtpd_relay_restrictions = permit_mynetworks, permit_tls_clientcerts,
                    check_ccert_access texthash:%s, reject_unauth_destination
                smtpd_log_access_permit_actions = permit_tls_clientcerts
                """.formatted(certs.ca.certFile(), relayCerts, ccertAccess));
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    /** Connects to the MX port, STARTTLS with the given certificate (null: none), EHLO. */
    static RawSmtpClient mx(KeyManager[] cert) throws Exception {
        RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort());
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example.net")).contains("STARTTLS");
        assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        c.startTls(cert);
        assertThat(c.command("EHLO client.example.net")).startsWith("250-");
        return c;
    }

    @Test
    void aListedCertificateRelaysAndTheReceivedHeaderNamesIt() throws Exception {
        try (RawSmtpClient c = mx(certs.trusted.keyManagers())) {
            assertThat(c.command("MAIL FROM:<device@client.example.net>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<someone@remote.example>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            c.command("RSET");
            assertThat(c.command("MAIL FROM:<device@client.example.net>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            assertThat(c.command("Subject: from a device\r\n\r\nccert-marker\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        }
        String message = Files.readString(postern.awaitMessage("alice@example.test", "ccert-marker"));
        assertThat(message).contains("\t(Client CN \"client.example.test\", Issuer \"Test CA\" (verified OK))\n");
        postern.awaitLog("Trusted TLS connection established from");
        postern.awaitLog("action=permit_tls_clientcerts for Client host=");
    }

    @Test
    void withoutACertificateRelayIsDenied() throws Exception {
        try (RawSmtpClient c = mx(null)) {
            assertThat(c.command("MAIL FROM:<device@client.example.net>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<someone@remote.example>"))
                    .isEqualTo("554 5.7.1 <someone@remote.example>: Relay access denied");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            assertThat(c.command("Subject: anonymous\r\n\r\nno-cert-marker\r\n.")).startsWith("250 ");
        }
        String message = Files.readString(postern.awaitMessage("alice@example.test", "no-cert-marker"));
        assertThat(message).contains("\t(Client did not present a certificate)\n");
    }

    @Test
    void checkCcertAccessRejectsAnUntrustedCertificateByItsPublicKey() throws Exception {
        try (RawSmtpClient c = mx(certs.selfSigned.keyManagers())) {
            assertThat(c.command("MAIL FROM:<device@client.example.net>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<someone@remote.example>"))
                    .isEqualTo("554 5.7.1 <self.example.test>: Client certificate rejected: unknown device");
        }
        postern.awaitLog("certificate verification failed for ");
        postern.awaitLog("Untrusted TLS connection established from");
    }

    @Test
    void submissionRequiresATrustedCertificate() throws Exception {
        try (RawSmtpClient c = submission(null)) {
            assertThat(c.reply()).isEqualTo("421 4.7.1 mx.example.test Error: No client certificate presented");
            assertThat(c.awaitClosed()).isTrue();
        }
        try (RawSmtpClient c = submission(certs.selfSigned.keyManagers())) {
            assertThat(c.reply()).isEqualTo("421 4.7.1 mx.example.test Error: Client certificate not trusted");
            assertThat(c.awaitClosed()).isTrue();
        }
        try (RawSmtpClient c = submission(certs.trusted.keyManagers())) {
            assertThat(c.command("EHLO client.example.net")).startsWith("250-").contains("AUTH");
        }
        postern.awaitLog("NOQUEUE: abort: TLS from ");
    }

    private static RawSmtpClient submission(KeyManager[] cert) throws Exception {
        RawSmtpClient c = RawSmtpClient.connect(postern.submissionPort());
        assertThat(c.reply()).startsWith("220 ");
        c.command("EHLO client.example.net");
        assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        c.startTls(cert);
        return c;
    }
}
