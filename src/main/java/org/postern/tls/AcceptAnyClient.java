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

    static final AcceptAnyClient INSTANCE = new AcceptAnyClient();

    private AcceptAnyClient() {
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
        // An empty list in the CertificateRequest: clients then offer any certificate they have.
        return new X509Certificate[0];
    }
}
