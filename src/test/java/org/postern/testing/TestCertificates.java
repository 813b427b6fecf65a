package org.postern.testing;

import java.net.Socket;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for client-certificate tests, made in the test (EC P-256, valid for a day): a CA
 * "Test CA", a client certificate it issued ({@link #trusted}, CN client.example.test), a
 * self-signed client certificate ({@link #selfSigned}, CN self.example.test) and a self-signed
 * server certificate ({@link #server}, CN mx.example.test); more server certificates on demand
 * ({@link #issueServer}, {@link #selfSignedServer}). Each is written as PEM files
 * readable by every user (a private Postfix reads them too).
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** One certificate and its key, in memory and as PEM files. */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {

        /**
         * Key managers that present this certificate as a TLS client whatever CA names the server
         * lists in its certificate request, as OpenSSL clients do (JSSE's own key manager would
         * send nothing when the issuer is not listed).
         */
        public KeyManager[] keyManagers() {
            X509Certificate cert = certificate;
            PrivateKey privateKey = key;
            return new KeyManager[] {new X509ExtendedKeyManager() {
                @Override
                public String[] getClientAliases(String keyType, Principal[] issuers) {
                    return new String[] {"client"};
                }

                @Override
                public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                    return "client";
                }

                @Override
                public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                    return "client";
                }

                @Override
                public String[] getServerAliases(String keyType, Principal[] issuers) {
                    return null;
                }

                @Override
                public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                    return null;
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    return new X509Certificate[] {cert};
                }

                @Override
                public PrivateKey getPrivateKey(String alias) {
                    return privateKey;
                }
            }};
        }

        /** Postfix's ccert_fingerprint with digest {@code jdkDigest} (e.g. SHA-256). */
        public String fingerprint(String jdkDigest) {
            try {
                return hex(jdkDigest, certificate.getEncoded());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Postfix's ccert_pubkey_fingerprint: the digest of the DER SubjectPublicKeyInfo. */
        public String pubkeyFingerprint(String jdkDigest) {
            return hex(jdkDigest, certificate.getPublicKey().getEncoded());
        }
    }

    public final Issued ca;
    public final Issued trusted;
    public final Issued selfSigned;
    public final Issued server;
    private final Path dir;

    private TestCertificates(Path dir, Issued ca, Issued trusted, Issued selfSigned, Issued server) {
        this.dir = dir;
        this.ca = ca;
        this.trusted = trusted;
        this.selfSigned = selfSigned;
        this.server = server;
    }

    /** Makes the four certificates in {@code dir}: ca.pem, client.pem, self.pem, server.pem (+ .key). */
    public static TestCertificates create(Path dir) throws Exception {
        Files.createDirectories(dir);
        KeyPair caKeys = keyPair();
        X509Certificate caCert = sign(caKeys, "Test CA", caKeys, "Test CA", true);
        Issued ca = write(dir, "ca", caCert, caKeys.getPrivate());
        KeyPair clientKeys = keyPair();
        Issued trusted = write(dir, "client",
                sign(clientKeys, "client.example.test", caKeys, "Test CA", false), clientKeys.getPrivate());
        KeyPair selfKeys = keyPair();
        Issued self = write(dir, "self",
                sign(selfKeys, "self.example.test", selfKeys, "self.example.test", false), selfKeys.getPrivate());
        KeyPair serverKeys = keyPair();
        Issued server = write(dir, "server",
                sign(serverKeys, "mx.example.test", serverKeys, "mx.example.test", false), serverKeys.getPrivate());
        return new TestCertificates(dir, ca, trusted, self, server);
    }

    /**
     * A server certificate issued by {@link #ca} with subject CN {@code commonName} and the given
     * DNS subjectAltNames (none: the certificate has no subjectAltName extension), written as
     * {@code fileName}.pem and .key.
     */
    public Issued issueServer(String fileName, String commonName, String... dnsNames) throws Exception {
        KeyPair keys = keyPair();
        X509Certificate cert = sign(keys.getPublic(), commonName, ca.key(), "Test CA", false, dnsNames);
        return write(dir, fileName, cert, keys.getPrivate());
    }

    /** A self-signed server certificate (no CA trusts it) with the given DNS subjectAltNames. */
    public Issued selfSignedServer(String fileName, String commonName, String... dnsNames) throws Exception {
        KeyPair keys = keyPair();
        X509Certificate cert = sign(keys.getPublic(), commonName, keys.getPrivate(), commonName, false, dnsNames);
        return write(dir, fileName, cert, keys.getPrivate());
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(KeyPair subject, String subjectCn, KeyPair issuer, String issuerCn, boolean ca)
            throws Exception {
        return sign(subject.getPublic(), subjectCn, issuer.getPrivate(), issuerCn, ca);
    }

    private static X509Certificate sign(java.security.PublicKey subject, String subjectCn, PrivateKey issuerKey,
                                        String issuerCn, boolean ca, String... dnsNames) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuerCn),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + subjectCn), subject);
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        if (dnsNames.length > 0) {
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static Issued write(Path dir, String name, X509Certificate cert, PrivateKey key) throws Exception {
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));   // PKCS#8
        for (Path p : new Path[] {certFile, keyFile}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return new Issued(cert, key, certFile.toAbsolutePath(), keyFile.toAbsolutePath());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static String hex(String jdkDigest, byte[] der) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance(jdkDigest).digest(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
