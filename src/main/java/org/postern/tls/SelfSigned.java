package org.postern.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * A self-signed server certificate for when the operator has configured none, so that STARTTLS
 * still encrypts. Most MTAs do not authenticate the MX (RFC 3207 section 4.1; RFC 7672 and
 * RFC 8461 are the opt-in exceptions), so an unverifiable certificate still protects against
 * passive eavesdropping.
 *
 * <p>The certificate and its PKCS#8 key live as PEM in a directory of Postern's ({@value
 * #CERT_FILE}, {@value #KEY_FILE}, the key mode 0600) and are reused across restarts while they
 * name the host and have more than {@link #RENEW_BEFORE} left; otherwise a new pair is made.
 */
public final class SelfSigned {

    /** Key algorithms offered. RSA 2048 is the default: every TLS client, however old, has it. */
    public enum KeyType { RSA_2048, EC_P256 }

    public static final String CERT_FILE = "selfsigned-cert.pem";
    public static final String KEY_FILE = "selfsigned-key.pem";
    /** About a year, the usual lifetime of a certificate nobody renews by hand. */
    static final Duration VALIDITY = Duration.ofDays(365);
    /** Replace the certificate when less than this is left, well before clients see it expire. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** Backdating the start tolerates peers whose clocks run a little slow. */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private static final Logger LOG = MailLog.logger("tls");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSigned() {
    }

    /** The certificate file in {@code dir}. */
    public static Path certFile(Path dir) {
        return dir.resolve(CERT_FILE);
    }

    /** The private key file in {@code dir}. */
    public static Path keyFile(Path dir) {
        return dir.resolve(KEY_FILE);
    }

    /** The existing self-signed credential in {@code dir} if still good for {@code hostname}, else a new RSA one. */
    public static TlsCredential obtain(Path dir, String hostname) throws TlsException {
        return obtain(dir, hostname, KeyType.RSA_2048, Instant.now());
    }

    /** As {@link #obtain(Path, String)}, generating a key of {@code type} when a new one is needed. */
    public static TlsCredential obtain(Path dir, String hostname, KeyType type) throws TlsException {
        return obtain(dir, hostname, type, Instant.now());
    }

    static TlsCredential obtain(Path dir, String hostname, KeyType type, Instant now) throws TlsException {
        Path certFile = certFile(dir);
        Path keyFile = keyFile(dir);
        if (Files.exists(certFile) || Files.exists(keyFile)) {
            String reason = unusableReason(certFile, keyFile, hostname, now);
            if (reason == null) {
                return PemFiles.load(certFile, keyFile, now);
            }
            LOG.info("replacing self-signed certificate in {}: {}", dir, reason);
        }
        write(dir, hostname, type, now);
        LOG.info("generated self-signed certificate for {} in {}; clients cannot verify it,"
                + " configure smtpd_tls_cert_file for a CA-signed one", hostname, dir);
        return PemFiles.load(certFile, keyFile, now);
    }

    /** Why the files in place will not do, or null when they will. */
    private static String unusableReason(Path certFile, Path keyFile, String hostname, Instant now) {
        TlsCredential existing;
        try {
            existing = PemFiles.load(certFile, keyFile, now);
        } catch (TlsException e) {
            return e.getMessage();
        }
        X509Certificate leaf = existing.leaf();
        if (leaf.getNotBefore().toInstant().isAfter(now)
                || leaf.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
            return "valid only from " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant();
        }
        if (!namesHost(leaf, hostname)) {
            return "issued for another host name, not " + hostname;
        }
        return null;
    }

    /** Whether a subjectAltName of the certificate is exactly {@code hostname} (RFC 6125 section 6.4.1). */
    static boolean namesHost(X509Certificate certificate, String hostname) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return false;
            }
            for (List<?> name : names) {
                if (name.get(1) instanceof String value && value.equalsIgnoreCase(hostname)) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void write(Path dir, String hostname, KeyType type, Instant now) throws TlsException {
        KeyPair pair;
        X509CertificateHolder certificate;
        try {
            pair = newKeyPair(type);
            certificate = certificate(hostname, pair, type, now);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new TlsException("cannot generate a self-signed certificate for " + hostname + ": " + e, e);
        }
        try {
            Files.createDirectories(dir);
            // Key first: a crash between the two writes leaves a mismatch, which the next start
            // detects and repairs, never a new certificate with a stale key.
            writeAtomically(keyFile(dir), pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
            writeAtomically(certFile(dir), pem("CERTIFICATE", certificate.getEncoded()), "rw-r--r--");
        } catch (IOException e) {
            throw new TlsException(dir + ": cannot write the self-signed certificate: " + e, e);
        }
    }

    private static KeyPair newKeyPair(KeyType type) throws GeneralSecurityException {
        KeyPairGenerator generator;
        if (type == KeyType.RSA_2048) {
            generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
        } else {
            generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        return generator.generateKeyPair();
    }

    private static X509CertificateHolder certificate(String hostname, KeyPair pair, KeyType type, Instant now)
            throws IOException, OperatorCreationException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
        // RFC 5280 section 4.1.2.2: a positive serial of at most 20 octets; random, so that a
        // regenerated certificate never repeats one a client may have cached.
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
        int nameType = IP_LITERAL.matcher(hostname).matches() ? GeneralName.iPAddress : GeneralName.dNSName;
        // RFC 6125 section 6.4.4: clients check subjectAltName, not the CN.
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(nameType, hostname.toLowerCase(Locale.ROOT))));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        int usage = KeyUsage.digitalSignature | (type == KeyType.RSA_2048 ? KeyUsage.keyEncipherment : 0);
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        String signature = type == KeyType.RSA_2048 ? "SHA256withRSA" : "SHA256withECDSA";
        return builder.build(new JcaContentSignerBuilder(signature).build(pair.getPrivate()));
    }

    /** RFC 7468 section 2: base64 in lines of 64 characters between BEGIN and END lines. */
    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /** Writes through a temporary file created with its final permissions, then renames it into place. */
    private static void writeAtomically(Path target, String content, String permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, ".postern-", ".tmp", attributes);
        try {
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
