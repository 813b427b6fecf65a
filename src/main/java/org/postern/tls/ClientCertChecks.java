package org.postern.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The client-certificate settings of one listener and the checks Postfix makes on a certificate
 * a client presents: {@code smtpd_tls_ask_ccert}, {@code smtpd_tls_req_ccert}, the trust anchors
 * of {@code smtpd_tls_CAfile} and {@code smtpd_tls_CApath}, and {@code smtpd_tls_fingerprint_digest}.
 *
 * <p>As in Postfix, the handshake accepts any certificate (a client is never refused at the TLS
 * layer); afterwards the chain is verified against the anchors (RFC 5280 section 6, without
 * revocation checks, as Postfix does not check CRLs by default) and the result is recorded as
 * trusted or not. {@code permit_tls_clientcerts} and {@code check_ccert_access} use the
 * fingerprints whether or not the chain verified; {@code permit_tls_all_clientcerts} and
 * {@code smtpd_tls_req_ccert} need it to verify.
 *
 * @param ask     request a certificate in the handshake
 * @param require with TLS required: end the session unless a trusted certificate was presented
 * @param anchors the CAs a client certificate must chain to
 * @param listed  the CAs named in the certificate request: those of smtpd_tls_CAfile, as Postfix
 *                sends them (not those of smtpd_tls_CApath). Clients such as Java's pick a
 *                certificate issued by a listed CA; OpenSSL-based ones send theirs regardless.
 * @param digest  the JDK name of the fingerprint digest (e.g. SHA-256)
 */
public record ClientCertChecks(boolean ask, boolean require, Set<TrustAnchor> anchors, List<X509Certificate> listed,
                               String digest) {

    /** No client certificates: never asked for. */
    public static final ClientCertChecks NONE = new ClientCertChecks(false, false, Set.of(), List.of(), "SHA-256");

    /** smtpd_tls_fingerprint_digest values (OpenSSL digest names) to JDK MessageDigest names. */
    private static final Map<String, String> DIGESTS = Map.of(
            "md5", "MD5", "sha1", "SHA-1", "sha224", "SHA-224", "sha256", "SHA-256",
            "sha384", "SHA-384", "sha512", "SHA-512");

    /** The JDK MessageDigest name of an smtpd/smtp_tls_fingerprint_digest value, or null when unknown. */
    public static String jdkDigest(String postfixName) {
        return DIGESTS.get(postfixName == null ? "" : postfixName.strip().toLowerCase(Locale.ROOT));
    }

    /** The values smtpd_tls_fingerprint_digest accepts. */
    public static final List<String> DIGEST_NAMES = List.of("md5", "sha1", "sha224", "sha256", "sha384", "sha512");

    /**
     * Reads the settings.
     *
     * @param caFile the PEM file of CA certificates, or null/blank
     * @param caPath a directory of PEM CA certificate files, or null/blank
     * @param digest an smtpd_tls_fingerprint_digest value
     * @throws TlsException naming the parameter and file when the CAs cannot be read
     */
    public static ClientCertChecks of(boolean ask, boolean require, String caFile, String caPath, String digest)
            throws TlsException {
        String jdkDigest = DIGESTS.get(digest == null ? "" : digest.strip().toLowerCase(Locale.ROOT));
        if (jdkDigest == null) {
            throw new TlsException("smtpd_tls_fingerprint_digest = " + digest + ": unknown digest; use one of "
                    + String.join(", ", DIGEST_NAMES));
        }
        Set<TrustAnchor> anchors = new LinkedHashSet<>();
        List<X509Certificate> listed = new ArrayList<>();
        if (caFile != null && !caFile.isBlank()) {
            Path file = Path.of(caFile.strip());
            List<X509Certificate> certs = readCertificates(file, "smtpd_tls_CAfile");
            if (certs.isEmpty()) {
                throw new TlsException("smtpd_tls_CAfile = " + file + ": no PEM certificate in the file");
            }
            certs.forEach(c -> anchors.add(new TrustAnchor(c, null)));
            listed.addAll(certs);
        }
        if (caPath != null && !caPath.isBlank()) {
            Path dir = Path.of(caPath.strip());
            if (!Files.isDirectory(dir)) {
                throw new TlsException("smtpd_tls_CApath = " + dir + ": not a directory");
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    // c_rehash links (hash.0) and the PEM files they point to: read each once.
                    if (Files.isRegularFile(f)) {
                        readCertificates(f, "smtpd_tls_CApath").forEach(c -> anchors.add(new TrustAnchor(c, null)));
                    }
                }
            } catch (IOException e) {
                throw new TlsException("smtpd_tls_CApath = " + dir + ": cannot read: " + e.getMessage(), e);
            }
        }
        return new ClientCertChecks(ask || require, require, Set.copyOf(anchors), List.copyOf(listed), jdkDigest);
    }

    private static List<X509Certificate> readCertificates(Path file, String parameter) throws TlsException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (IOException e) {
            throw new TlsException(parameter + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsException(parameter + ": " + file + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    /** The certificate the client presented in {@code session}, or null when it presented none. */
    public ClientCertificate examine(SSLSession session) {
        if (!ask) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        List<X509Certificate> x509 = new ArrayList<>();
        for (Certificate c : chain) {
            x509.add((X509Certificate) c);
        }
        byte[] der;
        try {
            der = leaf.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            return null;   // the JDK decoded it from DER during the handshake, so this does not happen
        }
        String problem = verify(x509);
        return new ClientCertificate(commonName(leaf.getSubjectX500Principal().getName(), false),
                commonName(leaf.getIssuerX500Principal().getName(), true), problem == null,
                fingerprint(der), fingerprint(leaf.getPublicKey().getEncoded()), problem);
    }

    /** Null when the chain leads to one of the anchors; else OpenSSL's words for why not. */
    String verify(List<X509Certificate> chain) {
        X509Certificate leaf = chain.getFirst();
        X509Certificate last = chain.getLast();
        boolean selfSigned = last.getSubjectX500Principal().equals(last.getIssuerX500Principal());
        if (anchors.isEmpty()) {
            return selfSigned ? selfSignedText(chain) : "unable to get local issuer certificate";
        }
        try {
            // A self-signed root sent by the client is not part of the path to validate (RFC 5280 6.1).
            List<X509Certificate> path = new ArrayList<>(chain);
            if (path.size() > 1 && selfSigned) {
                path.removeLast();
            }
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return null;
        } catch (CertPathValidatorException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CertificateExpiredException) {
                return "certificate has expired";
            }
            if (cause instanceof CertificateNotYetValidException) {
                return "certificate is not yet valid";
            }
            if (e.getReason() == java.security.cert.PKIXReason.NO_TRUST_ANCHOR) {
                return selfSigned ? selfSignedText(chain) : "unable to get local issuer certificate";
            }
            return "certificate verification failed: " + e.getMessage();
        } catch (InvalidAlgorithmParameterException | java.security.cert.CertificateException
                 | NoSuchAlgorithmException e) {
            return "certificate verification failed: " + e.getMessage() + " (subject "
                    + leaf.getSubjectX500Principal().getName() + ")";
        }
    }

    private static String selfSignedText(List<X509Certificate> chain) {
        return chain.size() == 1 ? "self-signed certificate" : "self-signed certificate in certificate chain";
    }

    /** Colon-separated upper-case hex of the digest, as Postfix writes fingerprints. */
    public String fingerprint(byte[] der) {
        try {
            byte[] digest = MessageDigest.getInstance(this.digest).digest(der);
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + digest, e);
        }
    }

    /**
     * The CN of an RFC 2253 name (the most specific one when there are several); for an issuer
     * without a CN, its O, as Postfix's tls_issuer_CN does. Empty when there is neither.
     */
    static String commonName(String rfc2253, boolean orOrganisation) {
        try {
            List<Rdn> rdns = new LdapName(rfc2253).getRdns();   // least significant last
            for (String type : orOrganisation ? List.of("CN", "O") : List.of("CN")) {
                for (int i = rdns.size() - 1; i >= 0; i--) {
                    if (rdns.get(i).getType().equalsIgnoreCase(type)) {
                        return String.valueOf(rdns.get(i).getValue());
                    }
                }
            }
            return "";
        } catch (InvalidNameException e) {
            return "";
        }
    }
}
