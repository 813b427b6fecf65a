package org.postern.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's trust manager: it takes whatever certificate a client presents, so that the
 * handshake never fails over a client certificate. Postfix does the same (its verify callback
 * lets every chain through and records the result); {@link ClientCertChecks} verifies the chain
 * afterwards and the restrictions decide. It is never used for server certificates: Postern's
 * SMTP server has no client side on these contexts.
 */
final class AcceptAnyClient extends X509ExtendedTrustManager {

    private final X509Certificate[] listed;

    /** @param listed the CAs to name in the certificate request (RFC 8446 section 4.2.4) */
    AcceptAnyClient(java.util.List<X509Certificate> listed) {
        this.listed = listed.toArray(X509Certificate[]::new);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("server-side context: no server certificates to check");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("server-side context: no server certificates to check");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("server-side context: no server certificates to check");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        // Empty: clients offer any certificate they have.
        return listed.clone();
    }
}
