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
    ENCRYPT;

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
            default -> throw new IllegalArgumentException("TLS security level '" + value
                    + "' is not supported by Postern's SMTP client; use none, may, encrypt or dane (= may)");
        };
    }
}
