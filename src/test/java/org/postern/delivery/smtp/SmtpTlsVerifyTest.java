package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import org.postern.lookup.LookupTable;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestCertificates;
import org.postern.testing.TestDnsServer;
import org.postern.tls.ServerTls;
import org.postern.tls.TlsProtocols;
import org.slf4j.LoggerFactory;

/**
 * The levels verify and secure against real TLS servers on 127.0.0.x: certificates issued by a
 * test CA that is given as trust anchor (as smtp_tls_CAfile would), MX records from a loopback
 * DNS server. A server that fails the check gets nothing after STARTTLS, and never plaintext.
 */
class SmtpTlsVerifyTest {

    private static final String MESSAGE = "From: a@client.test\r\nTo: user@remote.test\r\nSubject: hi\r\n\r\nHello\r\n";

    @TempDir
    Path dir;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final Logger smtpLog = (Logger) LoggerFactory.getLogger("postern.smtp");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private TestDnsServer dns;
    private ScriptedSmtpServer mx;
    private TestCertificates certs;
    private int port;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        mx = new ScriptedSmtpServer("127.0.0.2");
        port = mx.port();
        dns.add("remote.test", "MX", "10 mx.remote.test.");
        dns.add("mx.remote.test", "A", "127.0.0.2");
        certs = TestCertificates.create(dir.resolve("certs"));
        logged.start();
        // Tests log warnings only; this one reads the INFO TLS lines, without printing them.
        smtpLog.setLevel(ch.qos.logback.classic.Level.INFO);
        smtpLog.setAdditive(false);
        smtpLog.addAppender(logged);
    }

    @AfterEach
    void tearDown() throws Exception {
        smtpLog.detachAppender(logged);
        smtpLog.setLevel(null);
        smtpLog.setAdditive(true);
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        mx.close();
        dns.close();
    }

    /** Lets {@code server} present a certificate issued by the test CA for {@code dnsNames}. */
    private void present(ScriptedSmtpServer server, String... dnsNames) throws Exception {
        TestCertificates.Issued cert = certs.issueServer("server-" + String.join("-", dnsNames), "ignored.cn.test", dnsNames);
        server.tls = ServerTls.fromFiles(cert.certFile(), cert.keyFile(), TlsProtocols.defaults());
    }

    private SmtpClientSettings settings(TlsLevel level) {
        return settings(level, List.of());
    }

    private SmtpClientSettings settings(TlsLevel level, List<String> fingerprints) {
        return SmtpClientSettings.defaults("client.test").withDefaultPort(port).withTlsLevel(level)
                .withTlsVerification(new SmtpClientSettings.TlsVerification(List.of(certs.ca.certificate()),
                        List.of("hostname"), List.of("nexthop", "dot-nexthop"), "SHA-256", fingerprints));
    }

    private SmtpTransport transport(SmtpClientSettings settings, LookupTable policies, LookupTable passwords) {
        DnsResolver resolver = DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2));
        SmtpTransport t = new SmtpTransport("smtp", resolver, settings, policies, passwords, new Random(1));
        closeLater.add(t);
        return t;
    }

    private static LookupTable table(Map<String, String> entries) {
        return SmtpTransportTest.table(entries);
    }

    private Transport.Delivery deliver(SmtpTransport t, String nexthop) {
        Envelope e = Envelope.of("4ABCDE", "sender@client.test", List.of(Recipient.of("user@remote.test")),
                Instant.now(), Envelope.ClientInfo.UNKNOWN).withSize(MESSAGE.length());
        Transport.Content content = () -> new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8));
        return t.deliver(e, content, nexthop, e.recipients()).getFirst();
    }

    private List<String> infoLines() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private void assertRefusedAfterStarttls(Transport.Delivery d, String text) {
        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.7.5");
        assertThat(d.text()).isEqualTo(text);
        assertThat(d.relay()).isEqualTo("mx.remote.test[127.0.0.2]:" + port);
        // Nothing after the handshake: no EHLO, no AUTH, no MAIL, and no plaintext retry.
        assertThat(mx.commands()).containsExactly("EHLO client.test", "STARTTLS");
        assertThat(mx.messages()).isEmpty();
    }

    @Test
    void verifyDeliversToATrustedServerNamedAsTheMxHost() throws Exception {
        present(mx, "mx.remote.test");

        Transport.Delivery d = deliver(transport(settings(TlsLevel.VERIFY), null, null), "remote.test");

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(mx.commands()).startsWith("EHLO client.test", "STARTTLS", "EHLO client.test", "MAIL FROM:<sender@client.test> SIZE=65");
        assertThat(infoLines()).anyMatch(l -> l.startsWith(
                "Verified TLS connection established to mx.remote.test[127.0.0.2]:" + port + ": TLS"));
    }

    @Test
    void verifyRefusesAnUntrustedCertificateAndSendsNoPassword() throws Exception {
        TestCertificates.Issued self = certs.selfSignedServer("self-mx", "mx.remote.test", "mx.remote.test");
        mx.tls = ServerTls.fromFiles(self.certFile(), self.keyFile(), TlsProtocols.defaults());
        mx.extensions = List.of("PIPELINING", "AUTH PLAIN LOGIN");
        LookupTable passwords = table(Map.of("mx.remote.test", "joe:s3cret"));

        Transport.Delivery d = deliver(transport(settings(TlsLevel.VERIFY).withSasl(true, false, true), null, passwords),
                "remote.test");

        // Postfix's text for both failures; the log says the chain was the problem.
        assertRefusedAfterStarttls(d, "Server certificate not verified");
        assertThat(infoLines()).containsSubsequence(
                "certificate verification failed for mx.remote.test[127.0.0.2]:" + port + ": self-signed certificate")
                .anyMatch(l -> l.startsWith("Untrusted TLS connection established to mx.remote.test"));
    }

    @Test
    void verifyRefusesATrustedCertificateForAnotherName() throws Exception {
        present(mx, "mail.elsewhere.test");

        Transport.Delivery d = deliver(transport(settings(TlsLevel.VERIFY), null, null), "remote.test");

        assertRefusedAfterStarttls(d, "Server certificate not verified");
        assertThat(infoLines()).anyMatch(l -> l.startsWith("Trusted TLS connection established to mx.remote.test"))
                .noneMatch(l -> l.startsWith("certificate verification failed"));
    }

    @Test
    void withoutTrustAnchorsTheJdkTrustStoreDoesNotKnowTheTestCa() throws Exception {
        present(mx, "mx.remote.test");
        SmtpClientSettings jdkDefault = settings(TlsLevel.VERIFY).withTlsVerification(SmtpClientSettings.TlsVerification.DEFAULT);

        Transport.Delivery d = deliver(transport(jdkDefault, null, null), "remote.test");

        assertRefusedAfterStarttls(d, "Server certificate not verified");
        assertThat(infoLines()).contains(
                "certificate verification failed for mx.remote.test[127.0.0.2]:" + port + ": untrusted issuer CN=Test CA");
    }

    @Test
    void verifyWithoutStarttlsWaitsAndNeverGoesPlaintext() {
        Transport.Delivery d = deliver(transport(settings(TlsLevel.VERIFY), null, null), "remote.test");

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.7.4");
        assertThat(d.text()).isEqualTo("TLS is required, but was not offered by host mx.remote.test[127.0.0.2]");
        assertThat(mx.commands()).containsExactly("EHLO client.test");
        assertThat(mx.messages()).isEmpty();
    }

    @Test
    void secureMatchesTheNextHopDomainOrASubdomain() throws Exception {
        present(mx, "remote.test");
        assertThat(deliver(transport(settings(TlsLevel.SECURE), null, null), "remote.test").status())
                .isEqualTo(Recipient.Status.DELIVERED);

        present(mx, "*.remote.test");   // dot-nexthop: any name below remote.test
        assertThat(deliver(transport(settings(TlsLevel.SECURE), null, null), "remote.test").status())
                .isEqualTo(Recipient.Status.DELIVERED);
    }

    @Test
    void secureIgnoresTheMxHostNameSoAForgedMxDoesNotHelp() throws Exception {
        // The MX record points outside the domain; the server's certificate is valid for that host.
        dns.add("forged.test", "MX", "10 mx.attacker.test.");
        dns.add("mx.attacker.test", "A", "127.0.0.2");
        present(mx, "mx.attacker.test");

        Transport.Delivery verify = deliver(transport(settings(TlsLevel.VERIFY), null, null), "forged.test");
        assertThat(verify.status()).isEqualTo(Recipient.Status.DELIVERED);

        Transport.Delivery secure = deliver(transport(settings(TlsLevel.SECURE), null, null), "forged.test");
        assertThat(secure.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(secure.dsn()).isEqualTo("4.7.5");
        assertThat(secure.text()).isEqualTo("Server certificate not verified");
    }

    @Test
    void policyMapLevelAndMatchOverrideTheDefaults() throws Exception {
        present(mx, "smtp.provider.test");
        String hop = "[mx.remote.test]:" + port;

        // secure with the default names wants mx.remote.test or below: the provider's name does not match.
        Transport.Delivery plain = deliver(transport(settings(TlsLevel.MAY),
                table(Map.of(hop, "secure")), null), hop);
        assertThat(plain.text()).isEqualTo("Server certificate not verified");

        Transport.Delivery matched = deliver(transport(settings(TlsLevel.MAY),
                table(Map.of(hop, "secure match=nexthop:smtp.provider.test")), null), hop);
        assertThat(matched.status()).isEqualTo(Recipient.Status.DELIVERED);

        Transport.Delivery suffix = deliver(transport(settings(TlsLevel.MAY),
                table(Map.of(hop, "verify match=.provider.test")), null), hop);
        assertThat(suffix.status()).isEqualTo(Recipient.Status.DELIVERED);
    }

    @Test
    void unknownPolicyAttributeDefersWithTheReason() {
        Transport.Delivery d = deliver(transport(settings(TlsLevel.MAY),
                table(Map.of("remote.test", "secure tafile=/etc/anchors.pem")), null), "remote.test");

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.3.0");
        assertThat(d.text()).startsWith("TLS policy lookup for remote.test: unknown TLS policy attribute 'tafile=/etc/anchors.pem'");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void fingerprintAcceptsTheListedCertificateOrKeyWhoeverIssuedIt() throws Exception {
        TestCertificates.Issued self = certs.selfSignedServer("pinned", "pinned.test", "pinned.test");
        mx.tls = ServerTls.fromFiles(self.certFile(), self.keyFile(), TlsProtocols.defaults());

        Transport.Delivery byCert = deliver(transport(settings(TlsLevel.FINGERPRINT,
                List.of("00:11", self.fingerprint("SHA-256").toLowerCase())), null, null), "remote.test");
        assertThat(byCert.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(infoLines()).anyMatch(l -> l.startsWith("Verified TLS connection established to mx.remote.test"))
                .noneMatch(l -> l.startsWith("certificate verification failed"));

        Transport.Delivery byKey = deliver(transport(settings(TlsLevel.FINGERPRINT,
                List.of(self.pubkeyFingerprint("SHA-256"))), null, null), "remote.test");
        assertThat(byKey.status()).isEqualTo(Recipient.Status.DELIVERED);
    }

    @Test
    void fingerprintRefusesAnyOtherCertificateEvenATrustedOne() throws Exception {
        present(mx, "mx.remote.test");
        TestCertificates.Issued other = certs.selfSignedServer("other", "other.test", "other.test");

        Transport.Delivery d = deliver(transport(settings(TlsLevel.FINGERPRINT,
                List.of(other.fingerprint("SHA-256"))), null, null), "remote.test");

        assertRefusedAfterStarttls(d, "Server certificate not verified");
    }

    @Test
    void fingerprintPolicyListsItsFingerprintsSeparatedByBars() throws Exception {
        TestCertificates.Issued self = certs.selfSignedServer("pinned", "pinned.test", "pinned.test");
        mx.tls = ServerTls.fromFiles(self.certFile(), self.keyFile(), TlsProtocols.defaults());

        Transport.Delivery d = deliver(transport(settings(TlsLevel.MAY), table(Map.of("remote.test",
                "fingerprint match=AA:BB|" + self.fingerprint("SHA-256"))), null), "remote.test");
        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);

        Transport.Delivery none = deliver(transport(settings(TlsLevel.MAY), table(Map.of("remote.test",
                "fingerprint")), null), "remote.test");
        assertThat(none.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(none.text()).isEqualTo("TLS policy lookup for remote.test: configured at fingerprint security "
                + "level, but with no fingerprints to match; add match=AA:BB:...|CC:DD:... or set "
                + "smtp_tls_fingerprint_cert_match");
    }

    @Test
    void aFailedCheckMovesOnToTheNextMx() throws Exception {
        ScriptedSmtpServer backup = new ScriptedSmtpServer("127.0.0.3", port);
        closeLater.add(backup);
        dns.add("remote.test", "MX", "20 mx2.remote.test.");
        dns.add("mx2.remote.test", "A", "127.0.0.3");
        present(mx, "wrong.remote.test.invalid");
        present(backup, "mx2.remote.test");

        Transport.Delivery d = deliver(transport(settings(TlsLevel.VERIFY), null, null), "remote.test");

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(d.relay()).isEqualTo("mx2.remote.test[127.0.0.3]:" + port);
        assertThat(mx.messages()).isEmpty();
        assertThat(backup.messages()).hasSize(1);
    }
}
