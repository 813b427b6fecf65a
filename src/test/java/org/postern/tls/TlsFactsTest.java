package org.postern.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TlsFactsTest {

    @Test
    void bitsOfCommonSuites() {
        assertThat(TlsFacts.bits("TLS_AES_256_GCM_SHA384")).containsExactly(256, 256);
        assertThat(TlsFacts.bits("TLS_AES_128_GCM_SHA256")).containsExactly(128, 128);
        assertThat(TlsFacts.bits("TLS_CHACHA20_POLY1305_SHA256")).containsExactly(256, 256);
        assertThat(TlsFacts.bits("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")).containsExactly(256, 256);
        assertThat(TlsFacts.bits("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")).containsExactly(128, 128);
        assertThat(TlsFacts.bits("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")).containsExactly(256, 256);
        assertThat(TlsFacts.bits("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA")).containsExactly(256, 256);
        assertThat(TlsFacts.bits("TLS_RSA_WITH_3DES_EDE_CBC_SHA")).containsExactly(112, 168);
        assertThat(TlsFacts.bits("TLS_RSA_WITH_NULL_SHA256")).containsExactly(0, 0);
    }

    @Test
    void postfixStyleText() {
        TlsFacts facts = new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, 256);
        assertThat(facts.summary()).isEqualTo("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
        assertThat("(" + facts.receivedClause() + ")")
                .isEqualTo("(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))");
    }
}
