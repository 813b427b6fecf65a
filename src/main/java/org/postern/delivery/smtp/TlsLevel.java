package org.postern.delivery.smtp;

import java.util.Locale;

/**
 * The TLS security levels of Postfix's SMTP client ({@code smtp_tls_security_level}, TLS_README)
 * that Postern implements.
 */
public enum TlsLevel {
    /** No TLS, even when the server offers STARTTLS. */
    NONE,
    /**
     * Opportunistic TLS: STARTTLS when offered, any certificate accepted; plaintext when not
     * offered, refused or when the handshake fails (the delivery is then retried in the clear).
     */
    MAY,
    /** Mandatory TLS encryption, any certificate accepted; no STARTTLS means the mail waits. */
    ENCRYPT,
    /**
     * Mandatory TLS with a verified server certificate: the chain leads to a trust anchor and a
     * certificate name matches {@code smtp_tls_verify_cert_match} (default: the MX host name).
     */
    VERIFY,
    /**
     * Like {@link #VERIFY}, but the names come from {@code smtp_tls_secure_cert_match} (default:
     * the next-hop domain and its subdomains), so a forged MX record does not help an attacker.
     */
    SECURE,
    /**
     * Mandatory TLS where the server certificate (or its public key) must have one of the
     * fingerprints of {@code smtp_tls_fingerprint_cert_match}; no CA is involved.
     */
    FINGERPRINT;

    /** True when the mail waits rather than goes out without TLS. */
    public boolean mandatory() {
        return this != NONE && this != MAY;
    }

    /** True when the server certificate must pass a check (trust and name, or fingerprint). */
    public boolean verifiesCertificate() {
        return this == VERIFY || this == SECURE || this == FINGERPRINT;
    }

    /**
     * Parses a level as {@code smtp_tls_security_level} and {@code smtp_tls_policy_maps} write it.
     * {@code dane} becomes {@code may}: DANE needs DNSSEC-validated TLSA records, which Postern's
     * resolver does not provide, and Postfix itself downgrades dane to may without them.
     *
     * @throws IllegalArgumentException for a level Postern does not implement, with the ones it does
     */
    public static TlsLevel parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "none" -> NONE;
            case "may", "dane" -> MAY;
            case "encrypt" -> ENCRYPT;
            case "verify" -> VERIFY;
            case "secure" -> SECURE;
            case "fingerprint" -> FINGERPRINT;
            default -> throw new IllegalArgumentException("TLS security level '" + value
                    + "' is not supported by Postern's SMTP client; use none, may, encrypt, fingerprint, verify, secure or dane (= may)");
        };
    }
}
