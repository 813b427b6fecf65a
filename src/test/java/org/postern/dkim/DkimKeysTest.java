package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DkimKeysTest {

    @Test
    void rsaKeysRoundTripThroughPem() throws Exception {
        KeyPair pair = DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 2048);
        assertThat(((RSAPublicKey) pair.getPublic()).getModulus().bitLength()).isEqualTo(2048);
        String pem = DkimKeys.privateKeyPem(pair.getPrivate());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        PrivateKey read = DkimKeys.readPrivateKey(pem);
        assertThat(read.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
        assertThat(DkimKeys.publicKeyOf(read).getEncoded()).isEqualTo(pair.getPublic().getEncoded());
    }

    @Test
    void ed25519KeysRoundTripAndDeriveTheirPublicKey() throws Exception {
        KeyPair pair = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);
        PrivateKey read = DkimKeys.readPrivateKey(DkimKeys.privateKeyPem(pair.getPrivate()));
        assertThat(DkimKeys.algorithmOf(read)).isEqualTo(DkimAlgorithm.ED25519_SHA256);
        assertThat(DkimKeys.publicKeyOf(read).getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        // RFC 8463 section 4: p= is the bare 32-byte key.
        assertThat(Base64.getDecoder().decode(DkimKeys.publicKeyValue(pair.getPublic()))).hasSize(32);
    }

    @Test
    void pkcs1PemIsAccepted() throws Exception {
        // openssl genrsa -traditional 1024 (a throwaway key made for this test)
        String pkcs1 = """
                -----BEGIN RSA PRIVATE KEY-----
                MIICXAIBAAKBgQDNzFQ8V2XlV6nWm8rXhx4wGH4d1tq3Y8zZ4RcyV7rX9HnNp1kt
                """;
        assertThatThrownBy(() -> DkimKeys.readPrivateKey(pkcs1)).isInstanceOf(java.security.GeneralSecurityException.class);
        KeyPair pair = DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 1024);
        // Build the PKCS#1 form from the PKCS#8 one: the inner OCTET STRING.
        byte[] p8 = pair.getPrivate().getEncoded();
        int off = 26; // 30 82 xx xx 02 01 00 30 0d ...(15) 04 82 xx xx
        byte[] p1 = java.util.Arrays.copyOfRange(p8, off, p8.length);
        String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(p1)
                + "\n-----END RSA PRIVATE KEY-----\n";
        assertThat(DkimKeys.readPrivateKey(pem).getEncoded()).isEqualTo(p8);
    }

    @Test
    void txtRecordIsSplitIntoStringsOfAtMost255Bytes() {
        KeyPair pair = DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 4096);
        String txt = DkimKeys.txtRecord(DkimAlgorithm.RSA_SHA256, DkimKeys.publicKeyValue(pair.getPublic()));
        assertThat(txt).startsWith("v=DKIM1; k=rsa; p=MII");
        assertThat(DkimKeys.txtStrings(txt)).allMatch(s -> s.length() <= 255);
        assertThat(String.join("", DkimKeys.txtStrings(txt))).isEqualTo(txt);
        String zone = DkimKeys.zoneFileRecord("sel", "example.test", txt);
        assertThat(zone).startsWith("sel._domainkey.example.test. IN TXT (\n    \"v=DKIM1; k=rsa; p=").endsWith("\"\n)");
        String ed = DkimKeys.zoneFileRecord("e", "example.test", "v=DKIM1; k=ed25519; p=abc");
        assertThat(ed).isEqualTo("e._domainkey.example.test. IN TXT ( \"v=DKIM1; k=ed25519; p=abc\" )");
    }

    @Test
    void rsaSha1AndTinyKeysCannotBeGenerated() {
        assertThatThrownBy(() -> DkimKeys.generate(DkimAlgorithm.RSA_SHA1, 2048)).hasMessageContaining("RFC 8301");
        assertThatThrownBy(() -> DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 512)).hasMessageContaining("1024");
    }
}
