package org.postern.policy;

import java.util.List;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.HeaderField;

/**
 * What the engine may know about an SMTP session when it checks a stage
 * (postfix-restrictions.md section 11 item 3). Implemented by the server, by tests and by
 * {@code explain}. Values not known yet are null (or 0).
 */
public interface SessionFacts {
    String clientAddress();

    int clientPort();

    /** The verified client name, or {@code unknown}. */
    String clientName();

    NameStatus clientNameStatus();

    /** The unverified PTR name, or {@code unknown}. */
    String reverseClientName();

    NameStatus reverseClientNameStatus();

    String serverAddress();

    int serverPort();

    /** Null when no HELO/EHLO was received yet. */
    String heloName();

    /** {@code SMTP} or {@code ESMTP}. */
    String protocol();

    boolean tlsActive();

    String tlsProtocol();

    String tlsCipher();

    int tlsCipherBits();

    /**
     * The certificate fingerprint of the client's TLS certificate ({@code ccert_fingerprint}:
     * colon-separated upper-case hex of the {@code smtpd_tls_fingerprint_digest} of the DER
     * certificate), or null when the client presented none.
     */
    default String ccertFingerprint() {
        return null;
    }

    /** The same digest of the certificate's DER SubjectPublicKeyInfo ({@code ccert_pubkey_fingerprint}), or null. */
    default String ccertPubkeyFingerprint() {
        return null;
    }

    /** The client certificate's subject CN, or null when there is no certificate. */
    default String ccertSubject() {
        return null;
    }

    /** The client certificate's issuer CN, or null when there is no certificate. */
    default String ccertIssuer() {
        return null;
    }

    /** True when the client certificate chain verified against smtpd_tls_CAfile / smtpd_tls_CApath. */
    default boolean ccertTrusted() {
        return false;
    }

    /** Null when not authenticated. */
    String saslMethod();

    String saslUsername();

    String saslSender();

    boolean illegalPipelining();

    /** Null before the queue file exists. */
    String queueId();

    /** The same for every request of one message. */
    String instance();

    /** Null before MAIL; empty for the null sender. */
    String sender();

    /** The RCPT being checked, as given; null elsewhere. */
    String recipient();

    /** Accepted recipients so far. */
    int recipientCount();

    /** MAIL SIZE= or the actual size at end of data; 0 if unknown. */
    long messageSize();

    String etrnDomain();

    /** The message's header fields as the client sent them; null before the end of the content. */
    default List<HeaderField> messageHeaders() {
        return null;
    }

    /** The DKIM results of the message; null before the end of the content or when not verified. */
    default DkimVerification dkimVerification() {
        return null;
    }
}
