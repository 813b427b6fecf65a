package org.postern.delivery.smtp;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
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
 * would only push the mail to plaintext. Whether the chain is signed by a CA the JDK trusts is
 * still checked after the handshake, for the log ("Trusted" or "Untrusted TLS connection").
 *
 * <p>One SSLContext serves every connection, so SunJSSE's client session cache resumes
 * sessions per host and port (RFC 8446 section 2.2; RFC 5077 for TLS 1.2).
 */
final class ClientTls {

    private final SSLContext context;
    private final X509TrustManager anchors;

    ClientTls() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            anchors = Arrays.stream(tmf.getTrustManagers()).filter(X509TrustManager.class::isInstance)
                    .map(X509TrustManager.class::cast).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no X509 trust manager in this JDK"));
            context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AcceptAny()}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the SMTP client: " + e.getMessage(), e);
        }
    }

    SSLSocketFactory socketFactory() {
        return context.getSocketFactory();
    }

    /** True when the server's chain leads to a CA in the JDK's trust store. */
    boolean trusted(SSLSession session) {
        try {
            Certificate[] peer = session.getPeerCertificates();
            X509Certificate[] chain = Arrays.stream(peer).filter(X509Certificate.class::isInstance)
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                return false;
            }
            // "UNKNOWN" is the auth type JSSE itself passes for TLS 1.3 (the key exchange is not tied to the certificate).
            anchors.checkServerTrusted(chain, "UNKNOWN");
            return true;
        } catch (SSLPeerUnverifiedException | CertificateException | RuntimeException e) {
            return false;
        }
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
