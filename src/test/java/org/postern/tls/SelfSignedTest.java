package org.postern.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedTest {

    @TempDir
    Path dir;

    @Test
    void generatesRsaCertificateForTheHost() throws Exception {
        Path certs = dir.resolve("certs");
        TlsCredential c = SelfSigned.obtain(certs, "MX.Example.TEST");
        X509Certificate leaf = c.leaf();
        assertThat(c.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(2, "mx.example.test"));
        assertThat(leaf.getSubjectX500Principal()).isEqualTo(leaf.getIssuerX500Principal());
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // id-kp-serverAuth
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getSerialNumber().signum()).isPositive();
        leaf.verify(leaf.getPublicKey());
        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isBetween(Duration.ofDays(365), Duration.ofDays(366));
        assertThat(Files.readString(SelfSigned.keyFile(certs))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(SelfSigned.certFile(certs))).startsWith("-----BEGIN CERTIFICATE-----\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(SelfSigned.keyFile(certs))))
                .isEqualTo("rw-------");
        assertThat(c.files()).containsExactly(SelfSigned.certFile(certs), SelfSigned.keyFile(certs));
        try (var listing = Files.list(certs)) {
            assertThat(listing.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(SelfSigned.CERT_FILE, SelfSigned.KEY_FILE);
        }
    }

    @Test
    void generatesEcOnRequest() throws Exception {
        TlsCredential c = SelfSigned.obtain(dir, "mx.example.test", SelfSigned.KeyType.EC_P256);
        assertThat(c.privateKey().getAlgorithm()).isEqualTo("EC");
        assertThat(SelfSigned.namesHost(c.leaf(), "mx.example.test")).isTrue();
    }

    @Test
    void reusesAGoodOneAndReplacesOthers() throws Exception {
        Instant now = Instant.now();
        var ec = SelfSigned.KeyType.EC_P256;
        var first = SelfSigned.obtain(dir, "mx.example.test", ec, now).leaf().getSerialNumber();
        assertThat(SelfSigned.obtain(dir, "mx.example.test", ec, now.plus(Duration.ofDays(300))).leaf()
                .getSerialNumber()).isEqualTo(first);

        var otherHost = SelfSigned.obtain(dir, "mail.example.test", ec, now).leaf();
        assertThat(otherHost.getSerialNumber()).isNotEqualTo(first);
        assertThat(SelfSigned.namesHost(otherHost, "mail.example.test")).isTrue();

        var nearExpiry = SelfSigned.obtain(dir, "mail.example.test", ec, now.plus(Duration.ofDays(340))).leaf();
        assertThat(nearExpiry.getSerialNumber()).isNotEqualTo(otherHost.getSerialNumber());

        Files.writeString(SelfSigned.certFile(dir), "garbage");
        var repaired = SelfSigned.obtain(dir, "mail.example.test", ec, now).leaf();
        assertThat(repaired.getSerialNumber()).isNotEqualTo(nearExpiry.getSerialNumber());
    }

    @Test
    void ipLiteralGoesIntoAnIpAddressName() throws Exception {
        X509Certificate leaf = SelfSigned.obtain(dir, "192.0.2.25", SelfSigned.KeyType.EC_P256).leaf();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(7, "192.0.2.25"));
    }
}
