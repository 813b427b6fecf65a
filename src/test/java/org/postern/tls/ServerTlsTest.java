package org.postern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real handshakes over loopback, and certificate reloads, with certificates made in Java. */
class ServerTlsTest {

    private static final String HOST = "mx.example.test";
    /** File times are set explicitly, one minute apart, so that no test depends on the clock's resolution. */
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private Loopback loopback;
    private int writes;

    @BeforeEach
    void listen() throws Exception {
        loopback = new Loopback();
    }

    @AfterEach
    void stop() throws Exception {
        loopback.close();
    }

    /** A fresh self-signed EC credential in its own directory. */
    private TlsCredential newCredential(String name) throws TlsException {
        return SelfSigned.obtain(dir.resolve(name), HOST, SelfSigned.KeyType.EC_P256);
    }

    /** Copies the credential's files to live/cert.pem and live/key.pem (or one of them) with a new mtime. */
    private void install(TlsCredential credential, boolean cert, boolean key) throws Exception {
        Path live = Files.createDirectories(dir.resolve("live"));
        if (cert) {
            copy(credential.files().get(0), live.resolve("cert.pem"));
        }
        if (key) {
            copy(credential.files().get(1), live.resolve("key.pem"));
        }
    }

    private void copy(Path from, Path to) throws Exception {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        stamp(to);
    }

    private void stamp(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(EPOCH.plusSeconds(60L * ++writes)));
    }

    private ServerTls liveServer() throws TlsException {
        return ServerTls.fromFiles(dir.resolve("live/cert.pem"), dir.resolve("live/key.pem"), TlsProtocols.defaults());
    }

    private BigInteger servedSerial(ServerTls tls, X509Certificate... trusted) throws Exception {
        Future<TlsFacts> server = loopback.serveOne(tls, false);
        BigInteger serial = loopback.connect(Loopback.clientTrusting(trusted), false).serial();
        Loopback.await(server);
        return serial;
    }

    @Test
    void startTlsOverAnAcceptedPlainSocket() throws Exception {
        TlsCredential credential = newCredential("a");
        ServerTls tls = ServerTls.fromFiles(credential.files().get(0), credential.files().get(1), TlsProtocols.defaults());
        Future<TlsFacts> server = loopback.serveOne(tls, true);
        Loopback.ClientView client = loopback.connect(Loopback.clientTrusting(credential.leaf()), true);
        TlsFacts facts = Loopback.await(server);

        assertThat(client.reply()).isEqualTo("250 EHLO client.example.test");
        assertThat(client.serial()).isEqualTo(credential.leaf().getSerialNumber());
        assertThat(facts.protocol()).isEqualTo("TLSv1.3").isEqualTo(client.protocol());
        assertThat(facts.cipherSuite()).isEqualTo(client.cipherSuite()).startsWith("TLS_");
        assertThat(facts.cipherBits()).isIn(128, 256);
        assertThat(facts.receivedClause())
                .matches("using TLSv1\\.3 with cipher TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)"
                        + " \\((128/128|256/256) bits\\)");
    }

    @Test
    void implicitTlsWithTheSelfSignedFallback() throws Exception {
        ServerTls tls = ServerTls.selfSigned(dir.resolve("selfsigned"), HOST, TlsProtocols.defaults());
        X509Certificate leaf = tls.credentials().get(0).leaf();
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("RSA");
        Future<TlsFacts> server = loopback.serveOne(tls, false);
        Loopback.ClientView client = loopback.connect(Loopback.clientTrusting(leaf), false);
        assertThat(Loopback.await(server).protocol()).isEqualTo("TLSv1.3");
        assertThat(client.serial()).isEqualTo(leaf.getSerialNumber());
    }

    @Test
    void tls12ReportsItsCipher() throws Exception {
        TlsCredential credential = newCredential("a");
        ServerTls tls = ServerTls.fromFiles(credential.files().get(0), credential.files().get(1), TlsProtocols.defaults());
        Future<TlsFacts> server = loopback.serveOne(tls, true);
        Loopback.ClientView client = loopback.connect(Loopback.clientTrusting(credential.leaf()), true,
                new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
        TlsFacts facts = Loopback.await(server);
        assertThat(client.protocol()).isEqualTo("TLSv1.2");
        assertThat(facts.summary())
                .isEqualTo("TLSv1.2 with cipher TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (128/128 bits)");
    }

    @Test
    void onlyAeadCipherSuitesAreOffered() throws Exception {
        String[] jdkDefaults = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
        assertThat(jdkDefaults).as("the JDK's defaults, which the filter must narrow").anyMatch(s -> s.contains("_CBC_"));
        String[] offered = ServerTls.aeadOnly(jdkDefaults);
        assertThat(offered).noneMatch(s -> s.contains("_CBC_"))
                .contains("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");

        // A TLS 1.2 client that offers only a CBC suite (enabled by default in the JDK) gets no handshake.
        TlsCredential credential = newCredential("a");
        ServerTls tls = ServerTls.fromFiles(credential.files().get(0), credential.files().get(1), TlsProtocols.defaults());
        Future<TlsFacts> server = loopback.serveOne(tls, true);
        SSLContext client = Loopback.clientTrusting(credential.leaf());
        assertThatThrownBy(() -> loopback.connect(client, true, new String[] {"TLSv1.2"},
                new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"})).isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> Loopback.await(server)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SSLException.class);
    }

    @Test
    void protocolsNotEnabledAreRefused() throws Exception {
        TlsCredential credential = newCredential("a");
        ServerTls tls = ServerTls.fromFiles(credential.files().get(0), credential.files().get(1),
                TlsProtocols.parse("smtpd_tls_protocols", ">=TLSv1.3"));
        assertThat(tls.protocols().enabled()).containsExactly("TLSv1.3");
        Future<TlsFacts> server = loopback.serveOne(tls, false);
        SSLContext client = Loopback.clientTrusting(credential.leaf());
        assertThatThrownBy(() -> loopback.connect(client, false, new String[] {"TLSv1.2"}, null))
                .isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> Loopback.await(server)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SSLException.class);

        // The same context with the mandatory protocols of another listener.
        TlsProtocols both = TlsProtocols.parse("smtpd_tls_mandatory_protocols", ">=TLSv1.2");
        Future<TlsFacts> other = loopback.serveOne(tls, both, false, () -> { });
        assertThat(loopback.connect(client, false, new String[] {"TLSv1.2"}, null).protocol()).isEqualTo("TLSv1.2");
        assertThat(Loopback.await(other).protocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void reloadPicksUpARenewedCertificate() throws Exception {
        TlsCredential a = newCredential("a");
        TlsCredential b = newCredential("b");
        install(a, true, true);
        ServerTls tls = liveServer();
        assertThat(tls.checkForChanges()).isFalse();
        assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(a.leaf().getSerialNumber());

        install(b, true, true);
        assertThat(tls.checkForChanges()).isTrue();
        assertThat(tls.credentials().get(0).leaf().getSerialNumber()).isEqualTo(b.leaf().getSerialNumber());
        assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(b.leaf().getSerialNumber());
        assertThat(tls.checkForChanges()).isFalse();
    }

    @Test
    void brokenNewFilesKeepTheOldCertificate() throws Exception {
        TlsCredential a = newCredential("a");
        TlsCredential b = newCredential("b");
        install(a, true, true);
        ServerTls tls = liveServer();
        Path cert = dir.resolve("live/cert.pem");
        try (LogCapture log = new LogCapture()) {
            // Half a renewal: the new certificate is in place, its key not yet.
            install(b, true, false);
            assertThat(tls.checkForChanges()).isFalse();
            assertThat(log.warnings()).singleElement().asString()
                    .contains("does not match").contains(cert.toString()).endsWith("keeping the previous certificate");
            assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(a.leaf().getSerialNumber());

            Files.writeString(cert, "not a certificate\n");
            stamp(cert);
            assertThat(tls.checkForChanges()).isFalse();
            assertThat(log.warnings()).hasSize(2).last().asString().contains(cert.toString()).contains("no PEM blocks");
            // Warned once per change, not on every check.
            assertThat(tls.checkForChanges()).isFalse();
            assertThat(log.warnings()).hasSize(2);

            Files.delete(cert);
            assertThat(tls.checkForChanges()).isFalse();
            assertThat(log.warnings()).last().asString().contains(cert + ": no such file");
            assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(a.leaf().getSerialNumber());

            // The renewal completes.
            install(b, true, true);
            assertThat(tls.checkForChanges()).isTrue();
            assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(b.leaf().getSerialNumber());
        }
    }

    @Test
    void aSocketWrappedBeforeAReloadKeepsItsContext() throws Exception {
        TlsCredential a = newCredential("a");
        TlsCredential b = newCredential("b");
        install(a, true, true);
        ServerTls tls = liveServer();
        // The server wraps the accepted socket, then the certificate is renewed, then the handshake runs.
        Future<TlsFacts> server = loopback.serveOne(tls, false, () -> {
            install(b, true, true);
            if (!tls.checkForChanges()) {
                throw new AssertionError("no reload");
            }
        });
        BigInteger seen = loopback.connect(Loopback.clientTrusting(a.leaf(), b.leaf()), false).serial();
        Loopback.await(server);
        assertThat(seen).isEqualTo(a.leaf().getSerialNumber());
        assertThat(servedSerial(tls, a.leaf(), b.leaf())).isEqualTo(b.leaf().getSerialNumber());
    }

    @Test
    void aSymlinkSwitchIsNoticedEvenWithEqualSizeAndTime() throws Exception {
        TlsCredential a = newCredential("a");
        TlsCredential b = newCredential("b");
        // certbot: live/ holds links into archive/, switched to new files on renewal.
        Path archive = Files.createDirectories(dir.resolve("archive"));
        Path live = Files.createDirectories(dir.resolve("live"));
        FileTime time = FileTime.from(EPOCH);
        for (TlsCredential c : new TlsCredential[] {a, b}) {
            String n = c == a ? "1" : "2";
            Files.copy(c.files().get(0), archive.resolve("cert" + n + ".pem"));
            Files.copy(c.files().get(1), archive.resolve("key" + n + ".pem"));
            Files.setLastModifiedTime(archive.resolve("cert" + n + ".pem"), time);
            Files.setLastModifiedTime(archive.resolve("key" + n + ".pem"), time);
        }
        Files.createSymbolicLink(live.resolve("cert.pem"), Path.of("../archive/cert1.pem"));
        Files.createSymbolicLink(live.resolve("key.pem"), Path.of("../archive/key1.pem"));
        ServerTls tls = liveServer();
        assertThat(tls.credentials().get(0).leaf().getSerialNumber()).isEqualTo(a.leaf().getSerialNumber());

        for (String name : new String[] {"cert", "key"}) {
            Path link = live.resolve(name + ".pem");
            Path next = live.resolve(name + ".pem.new");
            Files.createSymbolicLink(next, Path.of("../archive/" + name + "2.pem"));
            Files.move(next, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        assertThat(tls.checkForChanges()).isTrue();
        assertThat(tls.credentials().get(0).leaf().getSerialNumber()).isEqualTo(b.leaf().getSerialNumber());
    }

    @Test
    void anExpiredCertificateIsStillServed() throws Exception {
        // Valid from 400 to 35 days ago: a renewal that failed; better an old certificate than no TLS.
        Path old = dir.resolve("old");
        SelfSigned.obtain(old, HOST, SelfSigned.KeyType.EC_P256, Instant.now().minus(java.time.Duration.ofDays(400)));
        try (LogCapture log = new LogCapture()) {
            ServerTls tls = ServerTls.fromFiles(SelfSigned.certFile(old), SelfSigned.keyFile(old), TlsProtocols.defaults());
            assertThat(log.warnings()).singleElement().asString().contains("expired on");
            Future<TlsFacts> server = loopback.serveOne(tls, false);
            Loopback.ClientView client = loopback.connect(Loopback.clientTrustingAnything(), false);
            Loopback.await(server);
            assertThat(client.serial()).isEqualTo(tls.credentials().get(0).leaf().getSerialNumber());
        }
    }
}
