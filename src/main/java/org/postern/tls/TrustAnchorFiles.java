package org.postern.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the trust anchors of {@code smtp_tls_CAfile} (one PEM bundle) and
 * {@code smtp_tls_CApath} (a directory of PEM files, as OpenSSL's c_rehash or Debian's
 * /etc/ssl/certs lay it out). Text between the PEM blocks is skipped, as in the bundles
 * distributions ship (RFC 7468 section 2 allows explanatory text around the blocks). Used by
 * the SMTP client; the smtpd side reads its CAs in {@link ClientCertChecks}.
 */
public final class TrustAnchorFiles {

    private static final Pattern CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");

    private TrustAnchorFiles() {
    }

    /**
     * The certificates in a PEM file.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate, with the reason
     */
    public static List<X509Certificate> readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + describe(e)
                    + "; name a readable PEM file of CA certificates, e.g. /etc/ssl/certs/ca-certificates.crt", e);
        }
        List<X509Certificate> certificates = parse(text, file);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----); "
                    + "name a PEM file of CA certificates, e.g. /etc/ssl/certs/ca-certificates.crt");
        }
        return certificates;
    }

    /**
     * The certificates of every PEM file in a directory (files without a certificate are skipped).
     *
     * @throws IllegalArgumentException when the directory cannot be read or holds no certificate at all
     */
    public static List<X509Certificate> readDirectory(Path directory) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                try {
                    certificates.addAll(parse(Files.readString(file, StandardCharsets.ISO_8859_1), file));
                } catch (IOException | IllegalArgumentException e) {
                    // c_rehash directories hold other files too (e.g. CRLs, README); only certificates count.
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read directory " + directory + ": " + describe(e)
                    + "; name a directory of PEM CA certificates, e.g. /etc/ssl/certs", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("directory " + directory + " holds no PEM certificate; "
                    + "name a directory of PEM CA certificates, e.g. /etc/ssl/certs");
        }
        return certificates;
    }

    private static List<X509Certificate> parse(String text, Path file) {
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = CERTIFICATE.matcher(text);
        while (m.find()) {
            try {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                CertificateFactory factory = CertificateFactory.getInstance("X.509");
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": a PEM certificate block cannot be decoded: "
                        + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : String.valueOf(e.getMessage());
    }
}
