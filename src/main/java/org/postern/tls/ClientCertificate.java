package org.postern.tls;

/**
 * What the server knows about the certificate a TLS client presented, in the terms Postfix uses
 * for {@code permit_tls_clientcerts}, {@code check_ccert_access}, the policy-service attributes
 * {@code ccert_*} and the Received header.
 *
 * @param subjectCn            the leaf's subject common name ({@code ccert_subject}); empty when
 *                             it has none
 * @param issuerCn             the leaf's issuer common name, or its organisation when the issuer
 *                             has no CN ({@code ccert_issuer})
 * @param trusted              true when the chain verified against {@code smtpd_tls_CAfile} /
 *                             {@code smtpd_tls_CApath} (Postfix's "Trusted" vs "Untrusted")
 * @param fingerprint          {@code ccert_fingerprint}: the digest of the DER certificate, as
 *                             colon-separated upper-case hex
 * @param publicKeyFingerprint {@code ccert_pubkey_fingerprint}: the digest of the DER
 *                             SubjectPublicKeyInfo, same form
 * @param problem              why verification failed (OpenSSL's wording where it has one), or
 *                             null when trusted
 */
public record ClientCertificate(String subjectCn, String issuerCn, boolean trusted, String fingerprint,
                                String publicKeyFingerprint, String problem) {

    /** Postfix's Received header clause: {@code Client CN "x", Issuer "y" (verified OK)}. */
    public String receivedClause() {
        return "Client CN \"" + subjectCn + "\", Issuer \"" + issuerCn + "\" ("
                + (trusted ? "verified OK" : "not verified") + ")";
    }
}
