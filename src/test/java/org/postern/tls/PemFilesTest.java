package org.postern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key and certificate files made by the openssl command line, in every form operators have. */
class PemFilesTest {

    private static final String SUBJECT = "/CN=mx.example.test";
    private static final String SAN = "subjectAltName=DNS:mx.example.test";

    @TempDir
    static Path dir;

    @BeforeAll
    static void makeFixtures() throws Exception {
        assumeTrue(OpenSsl.available(), "openssl is not installed");
        // RSA, PKCS#8 (what certbot writes), and the same key as PKCS#1.
        OpenSsl.run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa-key.pem",
                "-out", "rsa-cert.pem", "-days", "30", "-subj", SUBJECT, "-addext", SAN);
        OpenSsl.run(dir, "pkey", "-in", "rsa-key.pem", "-traditional", "-out", "rsa-pkcs1.pem");
        // EC P-256, PKCS#8 and SEC1.
        OpenSsl.run(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec-key.pem");
        OpenSsl.run(dir, "req", "-x509", "-new", "-key", "ec-key.pem", "-out", "ec-cert.pem", "-days", "30",
                "-subj", SUBJECT, "-addext", SAN);
        OpenSsl.run(dir, "pkey", "-in", "ec-key.pem", "-traditional", "-out", "ec-sec1.pem");
        // openssl ecparam -genkey writes EC PARAMETERS before the EC PRIVATE KEY.
        OpenSsl.run(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ecparam-key.pem");
        OpenSsl.run(dir, "req", "-x509", "-new", "-key", "ecparam-key.pem", "-out", "ecparam-cert.pem",
                "-days", "30", "-subj", SUBJECT, "-addext", SAN);
        // Ed25519 (RFC 8410).
        OpenSsl.run(dir, "genpkey", "-algorithm", "ED25519", "-out", "ed-key.pem");
        OpenSsl.run(dir, "req", "-x509", "-new", "-key", "ed-key.pem", "-out", "ed-cert.pem", "-days", "30",
                "-subj", SUBJECT, "-addext", SAN);
        // A CA and a leaf it signed, for chains.
        OpenSsl.run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem",
                "-out", "ca-cert.pem", "-days", "30", "-subj", "/CN=Postern Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        OpenSsl.run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "leaf-key.pem", "-out", "leaf.csr", "-subj", SUBJECT);
        Files.writeString(dir.resolve("san.ext"), SAN + "\n");
        OpenSsl.run(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                "-set_serial", "4242", "-days", "30", "-extfile", "san.ext", "-out", "leaf-cert.pem");
        concat("fullchain.pem", "leaf-cert.pem", "ca-cert.pem");
        // Encrypted keys, PKCS#8 and traditional (Proc-Type: 4,ENCRYPTED).
        OpenSsl.run(dir, "pkey", "-in", "rsa-key.pem", "-aes256", "-passout", "pass:secret", "-out", "enc-pkcs8.pem");
        OpenSsl.run(dir, "pkey", "-in", "rsa-key.pem", "-traditional", "-aes256", "-passout", "pass:secret",
                "-out", "enc-traditional.pem");
        OpenSsl.run(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2-key.pem");
    }

    private static Path concat(String target, String... parts) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append(Files.readString(dir.resolve(part)));
        }
        return Files.writeString(dir.resolve(target), sb);
    }

    private static Path f(String name) {
        return dir.resolve(name);
    }

    @Test
    void readsRsaPkcs8() throws Exception {
        assertThat(Files.readString(f("rsa-key.pem"))).contains("BEGIN PRIVATE KEY");
        TlsCredential c = PemFiles.load(f("rsa-cert.pem"), f("rsa-key.pem"));
        assertThat(c.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(c.chain()).hasSize(1);
        assertThat(c.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=mx.example.test");
        assertThat(c.files()).containsExactly(f("rsa-cert.pem"), f("rsa-key.pem"));
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void readsRsaPkcs1() throws Exception {
        assertThat(Files.readString(f("rsa-pkcs1.pem"))).contains("BEGIN RSA PRIVATE KEY");
        TlsCredential c = PemFiles.load(f("rsa-cert.pem"), f("rsa-pkcs1.pem"));
        assertThat(c.privateKey().getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void readsEcPkcs8AndSec1() throws Exception {
        assertThat(PemFiles.load(f("ec-cert.pem"), f("ec-key.pem")).privateKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Files.readString(f("ec-sec1.pem"))).contains("BEGIN EC PRIVATE KEY");
        assertThat(PemFiles.load(f("ec-cert.pem"), f("ec-sec1.pem")).privateKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void skipsEcParametersBlock() throws Exception {
        assertThat(Files.readString(f("ecparam-key.pem"))).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");
        assertThat(PemFiles.load(f("ecparam-cert.pem"), f("ecparam-key.pem")).privateKey().getAlgorithm())
                .isEqualTo("EC");
    }

    @Test
    void readsEd25519() throws Exception {
        assertThat(PemFiles.load(f("ed-cert.pem"), f("ed-key.pem")).privateKey().getAlgorithm())
                .isIn("Ed25519", "EdDSA");
    }

    @Test
    void keyInTheCertificateFileEitherOrder() throws Exception {
        Path certThenKey = concat("cert-then-key.pem", "rsa-cert.pem", "rsa-pkcs1.pem");
        TlsCredential c = PemFiles.load(certThenKey, null);
        assertThat(c.files()).containsExactly(certThenKey);
        Path keyThenChain = concat("key-then-chain.pem", "leaf-key.pem", "leaf-cert.pem", "ca-cert.pem");
        assertThat(PemFiles.load(keyThenChain, keyThenChain).chain()).hasSize(2);
    }

    @Test
    void readsChainLeafFirst() throws Exception {
        TlsCredential c = PemFiles.load(f("fullchain.pem"), f("leaf-key.pem"));
        assertThat(c.chain()).hasSize(2);
        assertThat(c.leaf().getSerialNumber().intValue()).isEqualTo(4242);
        assertThat(c.chain().get(1).getSubjectX500Principal().getName()).isEqualTo("CN=Postern Test CA");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void warnsAboutChainOutOfOrder() throws Exception {
        Path wrongOrder = concat("wrong-order.pem", "leaf-cert.pem", "rsa-cert.pem");
        TlsCredential c = PemFiles.load(wrongOrder, f("leaf-key.pem"));
        assertThat(c.warnings()).singleElement().asString().contains(wrongOrder.toString()).contains("leaf first");
    }

    @Test
    void chainFilesHoldSeveralKeysEachFollowedByItsChain() throws Exception {
        Path rsa = concat("chain-rsa.pem", "rsa-key.pem", "rsa-cert.pem");
        Path ec = concat("chain-ec.pem", "leaf-key.pem", "leaf-cert.pem", "ca-cert.pem");
        List<TlsCredential> all = PemFiles.loadChainFiles(List.of(rsa, ec));
        assertThat(all).hasSize(2);
        assertThat(all.get(0).privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(all.get(1).privateKey().getAlgorithm()).isEqualTo("EC");
        assertThat(all.get(1).chain()).hasSize(2);
        // A key in one file, its chain in the next: the files are one sequence.
        List<TlsCredential> split = PemFiles.loadChainFiles(List.of(f("leaf-key.pem"), f("fullchain.pem")));
        assertThat(split).singleElement().satisfies(c -> {
            assertThat(c.chain()).hasSize(2);
            assertThat(c.files()).containsExactly(f("leaf-key.pem"), f("fullchain.pem"));
        });
    }

    @Test
    void chainFilesWantTheKeyFirst() {
        assertThatThrownBy(() -> PemFiles.loadChainFiles(List.of(f("fullchain.pem"), f("leaf-key.pem"))))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(f("fullchain.pem").toString())
                .hasMessageContaining("comes before any private key");
        assertThatThrownBy(() -> PemFiles.loadChainFiles(List.of(f("leaf-key.pem"))))
                .hasMessageContaining("not followed by its certificate chain");
    }

    @Test
    void mismatchNamesBothFiles() {
        for (String[] pair : new String[][] {
                {"rsa-cert.pem", "rsa2-key.pem"}, {"rsa-cert.pem", "ec-key.pem"},
                {"ec-cert.pem", "ecparam-key.pem"}, {"ed-cert.pem", "ec-key.pem"}, {"fullchain.pem", "rsa-key.pem"}}) {
            assertThatThrownBy(() -> PemFiles.load(f(pair[0]), f(pair[1])))
                    .isInstanceOf(TlsException.class)
                    .hasMessageContaining("does not match")
                    .hasMessageContaining(f(pair[0]).toString())
                    .hasMessageContaining(f(pair[1]).toString());
        }
    }

    @Test
    void encryptedKeysAreRefusedWithAdvice() {
        for (String name : List.of("enc-pkcs8.pem", "enc-traditional.pem")) {
            assertThatThrownBy(() -> PemFiles.load(f("rsa-cert.pem"), f(name)))
                    .isInstanceOf(TlsException.class)
                    .hasMessageContaining(f(name).toString())
                    .hasMessageContaining("encrypted private keys are not supported; decrypt with openssl pkey");
        }
    }

    @Test
    void garbageAndMissingFilesAreNamed() throws Exception {
        Path text = Files.writeString(dir.resolve("garbage.pem"), "this is not a certificate\n");
        assertThatThrownBy(() -> PemFiles.load(text, f("rsa-key.pem")))
                .hasMessageContaining(text.toString()).hasMessageContaining("no PEM blocks");
        Path badBase64 = Files.writeString(dir.resolve("bad-base64.pem"),
                "-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.load(badBase64, f("rsa-key.pem")))
                .isInstanceOf(TlsException.class).hasMessageContaining(badBase64.toString());
        Path badDer = Files.writeString(dir.resolve("bad-der.pem"),
                "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemFiles.load(badDer, f("rsa-key.pem")))
                .isInstanceOf(TlsException.class).hasMessageContaining(badDer.toString());
        Path binary = Files.write(dir.resolve("binary.der"), new byte[] {0x30, (byte) 0x82, 0x01, (byte) 0xff, 0});
        assertThatThrownBy(() -> PemFiles.load(f("rsa-cert.pem"), binary))
                .isInstanceOf(TlsException.class).hasMessageContaining(binary.toString());
        Path csr = f("leaf.csr");
        assertThatThrownBy(() -> PemFiles.load(csr, f("leaf-key.pem")))
                .hasMessageContaining(csr.toString()).hasMessageContaining("unexpected PEM block");
        assertThatThrownBy(() -> PemFiles.load(dir.resolve("nonexistent.pem"), null))
                .hasMessage(dir.resolve("nonexistent.pem") + ": no such file");
        assertThatThrownBy(() -> PemFiles.load(f("rsa-cert.pem"), null))
                .hasMessageContaining(f("rsa-cert.pem").toString()).hasMessageContaining("no private key found");
        assertThatThrownBy(() -> PemFiles.load(f("rsa-key.pem"), null))
                .hasMessageContaining("no CERTIFICATE block found");
        Path twoKeys = concat("two-keys.pem", "rsa-key.pem", "rsa2-key.pem");
        assertThatThrownBy(() -> PemFiles.load(f("rsa-cert.pem"), twoKeys)).hasMessageContaining("2 private keys");
        assertThat(Files.readString(text, StandardCharsets.US_ASCII)).isNotEmpty();
    }

    @Test
    void expiredOrNotYetValidLeafIsUsedWithAWarning() throws Exception {
        try (LogCapture log = new LogCapture()) {
            TlsCredential expired = PemFiles.load(f("rsa-cert.pem"), f("rsa-key.pem"),
                    Instant.now().plus(Duration.ofDays(60)));
            assertThat(expired.warnings()).singleElement().asString()
                    .contains(f("rsa-cert.pem").toString()).contains("expired on").contains("using it anyway");
            TlsCredential early = PemFiles.load(f("rsa-cert.pem"), f("rsa-key.pem"),
                    Instant.now().minus(Duration.ofDays(2)));
            assertThat(early.warnings()).singleElement().asString().contains("not valid before");
            assertThat(log.warnings()).hasSize(2);
        }
    }

    @Test
    void handshakeSendsTheIntermediateAndWorksWithEd25519() throws Exception {
        try (Loopback loopback = new Loopback()) {
            X509Certificate ca = PemFiles.load(f("ca-cert.pem"), f("ca-key.pem")).leaf();
            ServerTls chained = ServerTls.fromFiles(f("fullchain.pem"), f("leaf-key.pem"), TlsProtocols.defaults());
            Future<TlsFacts> server = loopback.serveOne(chained, true);
            // The client trusts only the CA: the server must send the chain behind its leaf.
            Loopback.ClientView client = loopback.connect(Loopback.clientTrusting(ca), true);
            Loopback.await(server);
            assertThat(client.chainLength()).isEqualTo(2);
            assertThat(client.serial()).isEqualTo(BigInteger.valueOf(4242));

            ServerTls ed = ServerTls.fromFiles(f("ed-cert.pem"), f("ed-key.pem"), TlsProtocols.defaults());
            server = loopback.serveOne(ed, false);
            X509Certificate edLeaf = ed.credentials().get(0).leaf();
            assertThat(loopback.connect(Loopback.clientTrusting(edLeaf), false).serial())
                    .isEqualTo(edLeaf.getSerialNumber());
            assertThat(Loopback.await(server).protocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void chainFilesServeTheKeyTheClientCanUse() throws Exception {
        Path rsa = concat("serve-rsa.pem", "rsa-key.pem", "rsa-cert.pem");
        Path ec = concat("serve-ec.pem", "leaf-key.pem", "leaf-cert.pem", "ca-cert.pem");
        ServerTls tls = ServerTls.fromChainFiles(List.of(rsa, ec), TlsProtocols.defaults());
        X509Certificate rsaLeaf = tls.credentials().get(0).leaf();
        X509Certificate ca = tls.credentials().get(1).chain().get(1);
        try (Loopback loopback = new Loopback()) {
            // In TLS 1.2 the cipher suite fixes the certificate's key type (RFC 5246 section 7.4.2).
            for (String suite : List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")) {
                Future<TlsFacts> server = loopback.serveOne(tls, false);
                Loopback.ClientView client = loopback.connect(Loopback.clientTrusting(rsaLeaf, ca), false,
                        new String[] {"TLSv1.2"}, new String[] {suite});
                assertThat(Loopback.await(server).summary()).isEqualTo("TLSv1.2 with cipher " + suite + " (256/256 bits)");
                assertThat(client.serial()).isEqualTo(suite.contains("RSA") ? rsaLeaf.getSerialNumber() : BigInteger.valueOf(4242));
            }
        }
    }
}
