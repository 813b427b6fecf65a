package org.postern.tls;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSession;

/**
 * What a finished handshake agreed, in the form Postfix writes it into Received headers and log
 * lines: {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)}. Cipher suites are
 * the IANA names JSSE uses (Postfix shows OpenSSL's names for TLS 1.2 suites).
 *
 * @param protocol      e.g. {@code TLSv1.3}
 * @param cipherSuite   e.g. {@code TLS_AES_256_GCM_SHA384}
 * @param cipherBits    the effective symmetric key strength
 * @param algorithmBits the bits of the cipher's key as the algorithm uses it (168 for 3DES,
 *                      whose strength is 112), as OpenSSL's SSL_CIPHER_get_bits reports both
 * @param clientCertRequested true when the server asked for a client certificate
 *                      ({@code smtpd_tls_ask_ccert})
 * @param clientCert    the certificate the client presented, or null
 */
public record TlsFacts(String protocol, String cipherSuite, int cipherBits, int algorithmBits,
                       boolean clientCertRequested, ClientCertificate clientCert) {

    /** A session without client certificate (none was asked for). */
    public TlsFacts(String protocol, String cipherSuite, int cipherBits, int algorithmBits) {
        this(protocol, cipherSuite, cipherBits, algorithmBits, false, null);
    }

    private static final Pattern BLOCK_CIPHER = Pattern.compile("_(?:AES|ARIA|CAMELLIA)_(\\d+)_");

    /** The facts of an established session in which no client certificate was asked for. */
    public static TlsFacts of(SSLSession session) {
        return of(session, ClientCertChecks.NONE);
    }

    /** The facts of an established session, with the client certificate examined by {@code checks}. */
    public static TlsFacts of(SSLSession session, ClientCertChecks checks) {
        String suite = session.getCipherSuite();
        int[] bits = bits(suite);
        return new TlsFacts(session.getProtocol(), suite, bits[0], bits[1], checks.ask(), checks.examine(session));
    }

    /**
     * Postfix's word for the session in its "TLS connection established" log line: Trusted (a
     * client certificate that verified), Untrusted (one that did not) or Anonymous (none).
     */
    public String trustWord() {
        return clientCert == null ? "Anonymous" : clientCert.trusted() ? "Trusted" : "Untrusted";
    }

    /**
     * The Received header's client-certificate comment, without parentheses, as Postfix writes it
     * after the cipher: the certificate's CN and issuer, or that none was presented or asked for.
     */
    public String clientCertClause() {
        if (clientCert != null) {
            return clientCert.receivedClause();
        }
        return clientCertRequested ? "Client did not present a certificate" : "No client certificate requested";
    }

    /** {cipher bits, algorithm bits} from the suite name; 0/0 when the cipher is unknown. */
    static int[] bits(String suite) {
        Matcher m = BLOCK_CIPHER.matcher(suite);
        if (m.find()) {
            int n = Integer.parseInt(m.group(1));
            return new int[] {n, n};
        }
        if (suite.contains("_CHACHA20_")) {
            return new int[] {256, 256};
        }
        if (suite.contains("_3DES_EDE_")) {
            return new int[] {112, 168}; // meet-in-the-middle halves 3DES's 168 key bits' strength
        }
        if (suite.contains("_RC4_128_")) {
            return new int[] {128, 128};
        }
        if (suite.contains("_DES40_")) {
            return new int[] {40, 56};
        }
        if (suite.contains("_DES_")) {
            return new int[] {56, 56};
        }
        return new int[] {0, 0}; // NULL ciphers, and any suite this table does not know
    }

    /** {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)}. */
    public String summary() {
        return protocol + " with cipher " + cipherSuite + " (" + cipherBits + "/" + algorithmBits + " bits)";
    }

    /** The Received header's TLS comment, without parentheses: {@code using TLSv1.3 with cipher ...}. */
    public String receivedClause() {
        return "using " + summary();
    }

    @Override
    public String toString() {
        return summary();
    }
}
