package org.postern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsProtocolsTest {

    private static TlsProtocols parse(String value) throws TlsException {
        return TlsProtocols.parse("smtpd_tls_protocols", value);
    }

    @Test
    void emptyMeansTls12AndTls13() throws Exception {
        assertThat(parse("").enabled()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(parse("  ").warnings()).isEmpty();
        assertThat(TlsProtocols.defaults().toArray()).containsExactly("TLSv1.2", "TLSv1.3");
    }

    @Test
    void exclusionForm() throws Exception {
        TlsProtocols p = parse("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1");
        assertThat(p.enabled()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(p.warnings()).isEmpty();
        assertThat(parse("!SSLv2:!SSLv3:!TLSv1:!TLSv1.1:!TLSv1.3").enabled()).containsExactly("TLSv1.2");
    }

    @Test
    void rangeForm() throws Exception {
        assertThat(parse(">=TLSv1.2").enabled()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(parse(">=TLSv1.3").enabled()).containsExactly("TLSv1.3");
        assertThat(parse(">=TLSv1.2 <=TLSv1.2").enabled()).containsExactly("TLSv1.2");
        assertThat(parse(">=0303, <=0304").enabled()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(parse(">=0 <=").enabled()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(parse(">=tlsv1.3").enabled()).containsExactly("TLSv1.3");
    }

    @Test
    void inclusionFormExcludesEverythingElse() throws Exception {
        assertThat(parse("TLSv1.3").enabled()).containsExactly("TLSv1.3");
        assertThat(parse("TLSv1.2 TLSv1.3 !TLSv1.3").enabled()).containsExactly("TLSv1.2");
    }

    @Test
    void obsoleteProtocolsAreNeverEnabledAndSaySo() throws Exception {
        try (LogCapture log = new LogCapture()) {
            TlsProtocols p = TlsProtocols.parse("smtpd_tls_mandatory_protocols", "!SSLv2, !SSLv3");
            assertThat(p.enabled()).containsExactly("TLSv1.2", "TLSv1.3");
            assertThat(p.warnings()).containsExactly("smtpd_tls_mandatory_protocols: TLSv1, TLSv1.1 never enabled"
                    + " (obsolete, RFC 8996); using TLSv1.2, TLSv1.3");
            assertThat(log.warnings()).containsExactlyElementsOf(p.warnings());
        }
        assertThat(parse(">=TLSv1").warnings()).singleElement().asString().contains("TLSv1, TLSv1.1 never enabled");
        assertThat(parse("SSLv3 TLSv1.2").warnings()).singleElement().asString().contains("SSLv3 never enabled");
    }

    @Test
    void unknownNamesListTheValidOnes() {
        for (String bad : new String[] {"TLSv1.4", "!TLS1.2", ">=TLSv9", "<=0305"}) {
            assertThatThrownBy(() -> parse(bad))
                    .isInstanceOf(TlsException.class)
                    .hasMessageStartingWith("smtpd_tls_protocols: unknown TLS protocol")
                    .hasMessageContaining("valid: SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3");
        }
    }

    @Test
    void nothingUsableLeftIsAnError() {
        assertThatThrownBy(() -> parse("<=TLSv1.1")).hasMessageContaining("leaves no usable protocol");
        assertThatThrownBy(() -> parse("!TLSv1.2 !TLSv1.3")).hasMessageContaining("leaves no usable protocol");
        assertThatThrownBy(() -> parse(">=TLSv1.3 <=TLSv1.2")).hasMessageContaining("leaves no usable protocol");
    }
}
