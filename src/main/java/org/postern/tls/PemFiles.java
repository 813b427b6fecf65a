package org.postern.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * Reads a server's private key and certificate chain from PEM files (RFC 7468) as Let's Encrypt
 * clients write them: certbot writes PKCS#8 {@code PRIVATE KEY}, acme.sh and older tools write
 * PKCS#1 {@code RSA PRIVATE KEY} (RFC 8017 appendix A.1.2) or SEC1 {@code EC PRIVATE KEY}
 * (RFC 5915), the latter sometimes after an {@code EC PARAMETERS} block. Ed25519/Ed448 PKCS#8 keys
 * (RFC 8410) are read too.
 *
 * <p>BouncyCastle only parses the PEM/ASN.1; keys and certificates are built by the JDK's own
 * providers so that SunJSSE uses them unchanged.
 *
 * <p>Two layouts, as in Postfix: {@code smtpd_tls_cert_file} + {@code smtpd_tls_key_file} (the key
 * may sit in the certificate file), and {@code smtpd_tls_chain_files}, where each private key is
 * directly followed by its chain, leaf first. The key must match the leaf certificate; an expired
 * or not-yet-valid leaf is only warned about, because refusing to start would take mail down
 * while a renewal is pending.
 */
public final class PemFiles {

    private static final Logger LOG = MailLog.logger("tls");

    /** PKCS#8 algorithm OIDs to JDK KeyFactory names (RFC 8017, RFC 5480, RFC 8410). */
    private static final Map<ASN1ObjectIdentifier, String> KEY_ALGORITHMS = Map.of(
            PKCSObjectIdentifiers.rsaEncryption, "RSA",
            PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
            X9ObjectIdentifiers.id_ecPublicKey, "EC",
            EdECObjectIdentifiers.id_Ed25519, "Ed25519",
            EdECObjectIdentifiers.id_Ed448, "Ed448");

    private PemFiles() {
    }

    /** One decoded PEM block: a certificate or a private key, and where it came from. */
    private record Block(Path file, X509Certificate certificate, PrivateKey key) {
    }

    /**
     * Reads {@code smtpd_tls_cert_file} (leaf first, then intermediates) and
     * {@code smtpd_tls_key_file}. When {@code keyFile} is null or the same file, the key is
     * taken from the certificate file, as Postfix allows.
     */
    public static TlsCredential load(Path certFile, Path keyFile) throws TlsException {
        return load(certFile, keyFile, Instant.now());
    }

    static TlsCredential load(Path certFile, Path keyFile, Instant now) throws TlsException {
        boolean oneFile = keyFile == null || keyFile.equals(certFile);
        List<Block> certBlocks = read(certFile);
        List<Block> keyBlocks = oneFile ? certBlocks : read(keyFile);
        Path keySource = oneFile ? certFile : keyFile;

        List<X509Certificate> chain = certBlocks.stream()
                .filter(b -> b.certificate() != null).map(Block::certificate).toList();
        List<PrivateKey> keys = keyBlocks.stream().filter(b -> b.key() != null).map(Block::key).toList();
        if (chain.isEmpty()) {
            throw new TlsException(certFile + ": no CERTIFICATE block found");
        }
        if (keys.isEmpty()) {
            throw new TlsException(keySource + ": no private key found"
                    + (oneFile ? " (set smtpd_tls_key_file if the key is in a separate file)" : ""));
        }
        if (keys.size() > 1) {
            throw new TlsException(keySource + ": holds " + keys.size() + " private keys; expected one"
                    + " (use smtpd_tls_chain_files for several keys)");
        }
        List<Path> files = oneFile ? List.of(certFile) : List.of(certFile, keyFile);
        return credential(keys.get(0), keySource, chain, certFile, files, now);
    }

    /**
     * Reads {@code smtpd_tls_chain_files}: the files are taken as one sequence of PEM blocks in
     * which each private key is followed by its certificate chain, leaf first (Postfix
     * postconf(5), smtpd_tls_chain_files). Several keys (say RSA and ECDSA) give several
     * credentials; SunJSSE picks the one the client can use.
     */
    public static List<TlsCredential> loadChainFiles(List<Path> files) throws TlsException {
        return loadChainFiles(files, Instant.now());
    }

    static List<TlsCredential> loadChainFiles(List<Path> files, Instant now) throws TlsException {
        if (files.isEmpty()) {
            throw new TlsException("smtpd_tls_chain_files: no files given");
        }
        List<Block> blocks = new ArrayList<>();
        for (Path file : files) {
            blocks.addAll(read(file));
        }
        List<TlsCredential> credentials = new ArrayList<>();
        int i = 0;
        while (i < blocks.size()) {
            Block keyBlock = blocks.get(i);
            if (keyBlock.key() == null) {
                throw new TlsException(keyBlock.file() + ": certificate "
                        + keyBlock.certificate().getSubjectX500Principal().getName()
                        + " comes before any private key; smtpd_tls_chain_files wants each key"
                        + " followed by its certificate chain");
            }
            i++;
            List<X509Certificate> chain = new ArrayList<>();
            LinkedHashSet<Path> used = new LinkedHashSet<>(List.of(keyBlock.file()));
            Path leafFile = null;
            while (i < blocks.size() && blocks.get(i).certificate() != null) {
                if (leafFile == null) {
                    leafFile = blocks.get(i).file();
                }
                chain.add(blocks.get(i).certificate());
                used.add(blocks.get(i).file());
                i++;
            }
            if (chain.isEmpty()) {
                throw new TlsException(keyBlock.file() + ": private key is not followed by its"
                        + " certificate chain");
            }
            credentials.add(credential(keyBlock.key(), keyBlock.file(), chain, leafFile,
                    List.copyOf(used), now));
        }
        if (credentials.isEmpty()) {
            throw new TlsException(files + ": no private key or certificate found");
        }
        return credentials;
    }

    private static TlsCredential credential(PrivateKey key, Path keyFile, List<X509Certificate> chain,
            Path certFile, List<Path> files, Instant now) throws TlsException {
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new TlsException("private key in " + keyFile + " does not match the certificate "
                    + leaf.getSubjectX500Principal().getName() + " in " + certFile
                    + " (the server's own certificate must come first)");
        }
        List<String> warnings = new ArrayList<>();
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            warnings.add(certFile + ": certificate " + leaf.getSubjectX500Principal().getName()
                    + " expired on " + leaf.getNotAfter().toInstant() + "; using it anyway");
        } catch (CertificateNotYetValidException e) {
            warnings.add(certFile + ": certificate " + leaf.getSubjectX500Principal().getName()
                    + " is not valid before " + leaf.getNotBefore().toInstant() + "; using it anyway");
        }
        // RFC 8446 section 4.4.2: each certificate SHOULD directly certify the one preceding it.
        for (int n = 1; n < chain.size(); n++) {
            if (!chain.get(n).getSubjectX500Principal().equals(chain.get(n - 1).getIssuerX500Principal())) {
                warnings.add(certFile + ": certificate " + (n + 1) + " (" + chain.get(n).getSubjectX500Principal()
                        .getName() + ") did not issue certificate " + n + "; the chain should be leaf first,"
                        + " then its issuer, and so on");
            }
        }
        warnings.forEach(LOG::warn);
        return new TlsCredential(key, chain, files, warnings);
    }

    /** Whether the private key belongs to the public key. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAKey rsa) {
            return publicKey instanceof RSAKey pub && rsa.getModulus().equals(pub.getModulus());
        }
        // No portable way to derive an EC/EdDSA public key from the private one: prove possession.
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA: the key names the signature
        };
        try {
            byte[] challenge = "postern key match check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // wrong key type for the certificate, or bad key: either way no match
        }
    }

    /** All certificates and keys in one file, in order. */
    private static List<Block> read(Path file) throws TlsException {
        List<Block> blocks = new ArrayList<>();
        // ISO-8859-1 maps every byte, so a binary file gives a PEM error, not a charset error.
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1);
                PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                switch (object) {
                    case X509CertificateHolder holder -> blocks.add(new Block(file, certificate(file, holder), null));
                    case PrivateKeyInfo info -> blocks.add(new Block(file, null, privateKey(file, info)));
                    case PEMKeyPair pair -> blocks.add(new Block(file, null, privateKey(file, pair.getPrivateKeyInfo())));
                    case ASN1ObjectIdentifier curve -> {
                        // EC PARAMETERS (openssl ecparam -genkey): the EC PRIVATE KEY that follows
                        // names its curve again (RFC 5915 section 3), so this block adds nothing.
                    }
                    case PKCS8EncryptedPrivateKeyInfo e -> throw encrypted(file);
                    case PEMEncryptedKeyPair e -> throw encrypted(file);
                    default -> throw new TlsException(file + ": unexpected PEM block ("
                            + object.getClass().getSimpleName() + "); expected CERTIFICATE or a private key");
                }
            }
        } catch (NoSuchFileException e) {
            throw new TlsException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new TlsException(file + ": permission denied");
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports bad base64 or DER as IOException or unchecked exceptions alike.
            throw new TlsException(file + ": not a valid PEM file: " + e.getMessage(), e);
        }
        if (blocks.isEmpty()) {
            throw new TlsException(file + ": no PEM blocks found (expected -----BEGIN CERTIFICATE----- or"
                    + " -----BEGIN PRIVATE KEY-----)");
        }
        return blocks;
    }

    private static TlsException encrypted(Path file) {
        return new TlsException(file + ": encrypted private keys are not supported; decrypt with"
                + " openssl pkey -in " + file + " -out KEY.pem (and keep KEY.pem mode 0600)");
    }

    private static X509Certificate certificate(Path file, X509CertificateHolder holder) throws TlsException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(file + ": certificate cannot be parsed: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file, PrivateKeyInfo info) throws TlsException {
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm = KEY_ALGORITHMS.get(oid);
        if (algorithm == null) {
            throw new TlsException(file + ": unsupported private key algorithm " + oid
                    + "; use RSA, ECDSA or Ed25519");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new TlsException(file + ": " + algorithm + " keys are not supported by this Java runtime", e);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(file + ": " + algorithm + " private key cannot be decoded: " + e.getMessage(), e);
        }
    }
}
