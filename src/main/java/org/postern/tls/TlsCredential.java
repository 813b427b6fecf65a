package org.postern.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One server identity: a private key and its certificate chain (leaf first), with the files they
 * came from so that reload checks and error messages can name them.
 *
 * @param privateKey the key matching {@code chain.get(0)}'s public key
 * @param chain      leaf first, then intermediates, as sent in the TLS Certificate message
 *                   (RFC 8446 section 4.4.2: "The sender's certificate MUST come first")
 * @param files      the files read, in order, without duplicates
 * @param warnings   problems that do not stop the credential being used (e.g. an expired leaf)
 */
public record TlsCredential(PrivateKey privateKey, List<X509Certificate> chain, List<Path> files,
        List<String> warnings) {

    public TlsCredential {
        chain = List.copyOf(chain);
        files = List.copyOf(files);
        warnings = List.copyOf(warnings);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /** The server's own certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }
}
