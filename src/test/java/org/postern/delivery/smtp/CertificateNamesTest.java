package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestCertificates;

/** Certificate name matching for the levels verify and secure (RFC 6125 section 6.4). */
class CertificateNamesTest {

    @Test
    void wildcardStandsForExactlyOneLeftmostLabel() {
        assertThat(CertificateNames.matches("*.example.com", "mx.example.com")).isTrue();
        assertThat(CertificateNames.matches("*.example.com", "MX.Example.COM.")).isTrue();
        assertThat(CertificateNames.matches("*.example.com", "a.b.example.com")).isFalse();
        assertThat(CertificateNames.matches("*.example.com", "example.com")).isFalse();
        assertThat(CertificateNames.matches("*.com", "example.com")).isFalse();
        assertThat(CertificateNames.matches("mx*.example.com", "mx1.example.com")).isFalse();
        assertThat(CertificateNames.matches("mx.*.example.com", "mx.a.example.com")).isFalse();
    }

    @Test
    void exactNamesIgnoreCaseAndTrailingDot() {
        assertThat(CertificateNames.matches("MX.example.com", "mx.example.com.")).isTrue();
        assertThat(CertificateNames.matches("mx.example.com", "mx2.example.com")).isFalse();
        assertThat(CertificateNames.matches("example.com", "mx.example.com")).isFalse();
    }

    @Test
    void leadingDotMatchesAnyNameBelowTheDomain() {
        assertThat(CertificateNames.matches("mx.example.com", ".example.com")).isTrue();
        assertThat(CertificateNames.matches("a.b.example.com", ".example.com")).isTrue();
        assertThat(CertificateNames.matches("*.example.com", ".example.com")).isTrue();
        assertThat(CertificateNames.matches("*.mx.example.com", ".example.com")).isTrue();
        assertThat(CertificateNames.matches("example.com", ".example.com")).isFalse();
        assertThat(CertificateNames.matches("badexample.com", ".example.com")).isFalse();
        assertThat(CertificateNames.matches("*.com", ".com")).isFalse();
    }

    @Test
    void subjectAltNamesWinOverTheCommonName(@TempDir Path dir) throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        var withSan = certs.issueServer("san", "cn.example.test", "mx.example.test", "*.pool.example.test");
        assertThat(CertificateNames.of(withSan.certificate())).containsExactly("mx.example.test", "*.pool.example.test");
        assertThat(CertificateNames.matchAny(withSan.certificate(), List.of("cn.example.test"))).isFalse();
        assertThat(CertificateNames.matchAny(withSan.certificate(), List.of("x.example.test", "a.pool.example.test"))).isTrue();

        var cnOnly = certs.issueServer("cn", "CN.Example.Test");
        assertThat(CertificateNames.of(cnOnly.certificate())).containsExactly("cn.example.test");
        assertThat(CertificateNames.matchAny(cnOnly.certificate(), List.of("cn.example.test"))).isTrue();
    }
}
