package org.postern.delivery.smtp;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for the SMTP client. Opportunistic and mandatory-encryption TLS (levels {@code may} and
 * {@code encrypt}) accept any server certificate, as Postfix does: without DANE or MTA-STS an
 * MX certificate cannot be bound to the recipient domain (RFC 7672 section 1.3), and refusing
 * would only push the mail to plaintext. Whether the chain leads to a trust anchor is still
 * checked after the handshake, for the log ("Trusted" or "Untrusted TLS connection").
 *
 * <p>The levels {@code verify}, {@code secure} and {@code fingerprint} use the same handshake and
 * then {@link #check} the peer's chain against the trust anchors and the expected names (or the
 * certificate against the expected fingerprints) before the client sends
 * anything else (no EHLO, AUTH or MAIL goes over an unverified session). The trust anchors are
 * those of {@code smtp_tls_CAfile} and {@code smtp_tls_CApath}, or the JDK's default trust
 * store when neither is set. Path validation is the JDK's PKIX (RFC 5280 section 6).
 *
 * <p>One SSLContext serves every connection, so SunJSSE's client session cache resumes
 * sessions per host and port (RFC 8446 section 2.2; RFC 5077 for TLS 1.2).
 */
final class ClientTls {

    /** What the client knows of the server after the handshake, by Postfix's log words. */
    enum PeerStatus {
        /** The chain does not lead to a trust anchor. */
        UNTRUSTED("Untrusted"),
        /** The chain leads to a trust anchor; no name was checked or none matched. */
        TRUSTED("Trusted"),
        /** Trusted, and a certificate name matches an expected name. */
        VERIFIED("Verified");

        final String logWord;

        PeerStatus(String logWord) {
            this.logWord = logWord;
        }
    }

    private final SSLContext context;
    private final X509TrustManager anchors;
    private final String fingerprintDigest;

    /** With the JDK's default trust store and SHA-256 fingerprints. */
    ClientTls() {
        this(List.of(), "SHA-256");
    }

    /**
     * @param trustAnchors      the CA certificates to trust; empty for the JDK's default trust store
     * @param fingerprintDigest the JDK digest name for the level fingerprint (e.g. SHA-256)
     */
    ClientTls(List<X509Certificate> trustAnchors, String fingerprintDigest) {
        this.fingerprintDigest = fingerprintDigest;
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (trustAnchors.isEmpty()) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < trustAnchors.size(); i++) {
                    store.setCertificateEntry("anchor-" + i, trustAnchors.get(i));
                }
                tmf.init(store);
            }
            anchors = Arrays.stream(tmf.getTrustManagers()).filter(X509TrustManager.class::isInstance)
                    .map(X509TrustManager.class::cast).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no X509 trust manager in this JDK"));
            context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AcceptAny()}, null);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS for the SMTP client: " + e.getMessage(), e);
        }
    }

    SSLSocketFactory socketFactory() {
        return context.getSocketFactory();
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param status  untrusted, trusted or verified
     * @param problem for an untrusted chain, why, in OpenSSL's words as Postfix logs them
     *                ({@code self-signed certificate}, {@code untrusted issuer CN=...},
     *                {@code certificate has expired}); else null
     */
    record Peer(PeerStatus status, String problem) {
    }

    /** True when the server's chain leads to a trust anchor. */
    boolean trusted(SSLSession session) {
        return check(session, TlsLevel.MAY, List.of()).status() != PeerStatus.UNTRUSTED;
    }

    /**
     * The server's standing: untrusted, trusted, or verified. At {@code verify} and {@code secure}
     * verified means trusted with a certificate name matching one of {@code expected} (see
     * {@link CertificateNames}); at {@code fingerprint}, that the certificate's fingerprint or its
     * public key's is one of {@code expected}, whoever issued it (Postfix matches both). Other
     * levels are never verified.
     */
    Peer check(SSLSession session, TlsLevel level, List<String> expected) {
        X509Certificate[] chain;
        try {
            Certificate[] peer = session.getPeerCertificates();
            chain = Arrays.stream(peer).filter(X509Certificate.class::isInstance)
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (SSLPeerUnverifiedException e) {
            return new Peer(PeerStatus.UNTRUSTED, "no server certificate");
        }
        if (chain.length == 0) {
            return new Peer(PeerStatus.UNTRUSTED, "no server certificate");
        }
        String problem = null;
        try {
            // "UNKNOWN" is the auth type JSSE itself passes for TLS 1.3 (the key exchange is not tied to the certificate).
            anchors.checkServerTrusted(chain, "UNKNOWN");
        } catch (CertificateException | RuntimeException e) {
            problem = problem(chain, e);
        }
        PeerStatus trust = problem == null ? PeerStatus.TRUSTED : PeerStatus.UNTRUSTED;
        if (level == TlsLevel.FINGERPRINT) {
            // No CA is involved at this level, so an untrusted chain is no problem worth logging.
            return new Peer(fingerprintMatches(chain[0], expected) ? PeerStatus.VERIFIED : trust, null);
        }
        if (problem != null) {
            return new Peer(PeerStatus.UNTRUSTED, problem);
        }
        boolean named = level.verifiesCertificate() && CertificateNames.matchAny(chain[0], expected);
        return new Peer(named ? PeerStatus.VERIFIED : PeerStatus.TRUSTED, null);
    }

    /** The certificate's or its public key's digest is one of {@code fingerprints} (hex, colons and case ignored). */
    private boolean fingerprintMatches(X509Certificate certificate, List<String> fingerprints) {
        try {
            String cert = hex(MessageDigest.getInstance(fingerprintDigest).digest(certificate.getEncoded()));
            String key = hex(MessageDigest.getInstance(fingerprintDigest).digest(certificate.getPublicKey().getEncoded()));
            for (String f : fingerprints) {
                String want = f.replace(":", "").toUpperCase(java.util.Locale.ROOT);
                if (want.equals(cert) || want.equals(key)) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String hex(byte[] digest) {
        return java.util.HexFormat.of().withUpperCase().formatHex(digest);
    }

    private static String problem(X509Certificate[] chain, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateExpiredException) {
                return "certificate has expired";
            }
            if (t instanceof java.security.cert.CertificateNotYetValidException) {
                return "certificate is not yet valid";
            }
        }
        X509Certificate last = chain[chain.length - 1];
        if (last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
            return chain.length == 1 ? "self-signed certificate" : "self-signed certificate in certificate chain";
        }
        return "untrusted issuer " + last.getIssuerX500Principal().getName();
    }

    /** Accepts every server certificate; the trust decision is {@link #trusted}'s, for logging. */
    private static final class AcceptAny extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // accepted: opportunistic TLS (see the class comment)
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // accepted: opportunistic TLS
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // accepted: opportunistic TLS
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
