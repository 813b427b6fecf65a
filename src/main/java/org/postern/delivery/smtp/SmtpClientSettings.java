package org.postern.delivery.smtp;

import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The settings of the SMTP client, by their Postfix names (smtp(8), postconf(5)).
 *
 * @param heloName          {@code smtp_helo_name}
 * @param timeouts          the {@code smtp_*_timeout} family
 * @param bindAddress       {@code smtp_bind_address}, or null
 * @param bindAddress6      {@code smtp_bind_address6}, or null
 * @param useIpv4           {@code inet_protocols} includes ipv4
 * @param useIpv6           {@code inet_protocols} includes ipv6
 * @param addressPreference {@code smtp_address_preference}: any, ipv4 or ipv6
 * @param defaultPort       {@code smtp_tcp_port}
 * @param mxAddressLimit    {@code smtp_mx_address_limit}: addresses tried per delivery (0: no limit)
 * @param mxSessionLimit    {@code smtp_mx_session_limit}: SMTP sessions per delivery (0: no limit)
 * @param cacheOnDemand     {@code smtp_connection_cache_on_demand}
 * @param cacheTimeLimit    {@code smtp_connection_cache_time_limit}: how long an idle connection is kept
 * @param reuseTimeLimit    {@code smtp_connection_reuse_time_limit}: how long a connection is reused after it was opened
 * @param tlsLevel          {@code smtp_tls_security_level}
 * @param saslEnabled       {@code smtp_sasl_auth_enable}
 * @param saslPlaintext     {@code smtp_sasl_security_options} allows plaintext mechanisms (no noplaintext)
 * @param saslPlaintextTls  {@code smtp_sasl_tls_security_options} allows plaintext mechanisms
 * @param saslSoftBounce    {@code smtp_sasl_auth_soft_bounce}: an authentication failure defers
 * @param tlsVerification   trust anchors and certificate names for the levels verify and secure
 */
public record SmtpClientSettings(String heloName, Timeouts timeouts, InetAddress bindAddress, InetAddress bindAddress6,
                                 boolean useIpv4, boolean useIpv6, String addressPreference, int defaultPort,
                                 int mxAddressLimit, int mxSessionLimit, boolean cacheOnDemand,
                                 Duration cacheTimeLimit, Duration reuseTimeLimit, TlsLevel tlsLevel,
                                 boolean saslEnabled, boolean saslPlaintext, boolean saslPlaintextTls,
                                 boolean saslSoftBounce, TlsVerification tlsVerification) {

    public SmtpClientSettings {
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(addressPreference, "addressPreference");
        Objects.requireNonNull(tlsLevel, "tlsLevel");
        Objects.requireNonNull(tlsVerification, "tlsVerification");
        if (!useIpv4 && !useIpv6) {
            throw new IllegalArgumentException("inet_protocols allows neither IPv4 nor IPv6");
        }
    }

    /** Postfix's defaults, with the given HELO name and Postern's TLS default (may). */
    public static SmtpClientSettings defaults(String heloName) {
        return new SmtpClientSettings(heloName, Timeouts.DEFAULT, null, null, true, true, "any", 25, 5, 2,
                true, Duration.ofSeconds(2), Duration.ofSeconds(300), TlsLevel.MAY, false, false, true, true,
                TlsVerification.DEFAULT);
    }

    public SmtpClientSettings withTlsLevel(TlsLevel level) {
        return new SmtpClientSettings(heloName, timeouts, bindAddress, bindAddress6, useIpv4, useIpv6,
                addressPreference, defaultPort, mxAddressLimit, mxSessionLimit, cacheOnDemand, cacheTimeLimit,
                reuseTimeLimit, level, saslEnabled, saslPlaintext, saslPlaintextTls, saslSoftBounce,
                tlsVerification);
    }

    public SmtpClientSettings withDefaultPort(int port) {
        return new SmtpClientSettings(heloName, timeouts, bindAddress, bindAddress6, useIpv4, useIpv6,
                addressPreference, port, mxAddressLimit, mxSessionLimit, cacheOnDemand, cacheTimeLimit,
                reuseTimeLimit, tlsLevel, saslEnabled, saslPlaintext, saslPlaintextTls, saslSoftBounce,
                tlsVerification);
    }

    public SmtpClientSettings withSasl(boolean enabled, boolean plaintext, boolean plaintextTls) {
        return new SmtpClientSettings(heloName, timeouts, bindAddress, bindAddress6, useIpv4, useIpv6,
                addressPreference, defaultPort, mxAddressLimit, mxSessionLimit, cacheOnDemand, cacheTimeLimit,
                reuseTimeLimit, tlsLevel, enabled, plaintext, plaintextTls, saslSoftBounce,
                tlsVerification);
    }

    public SmtpClientSettings withTlsVerification(TlsVerification verification) {
        return new SmtpClientSettings(heloName, timeouts, bindAddress, bindAddress6, useIpv4, useIpv6,
                addressPreference, defaultPort, mxAddressLimit, mxSessionLimit, cacheOnDemand, cacheTimeLimit,
                reuseTimeLimit, tlsLevel, saslEnabled, saslPlaintext, saslPlaintextTls, saslSoftBounce, verification);
    }

    /**
     * How the levels verify and secure check a server certificate (postconf(5)).
     *
     * @param trustAnchors    the certificates of {@code smtp_tls_CAfile} and {@code smtp_tls_CApath};
     *                        empty for the JDK's default trust store
     * @param verifyCertMatch {@code smtp_tls_verify_cert_match} (lower case; default hostname)
     * @param secureCertMatch {@code smtp_tls_secure_cert_match} (lower case; default nexthop, dot-nexthop)
     * @param fingerprintDigest the JDK name of {@code smtp_tls_fingerprint_digest} (e.g. SHA-256)
     * @param fingerprintCertMatch {@code smtp_tls_fingerprint_cert_match}: colon-separated hex
     */
    public record TlsVerification(List<X509Certificate> trustAnchors, List<String> verifyCertMatch,
                                  List<String> secureCertMatch, String fingerprintDigest,
                                  List<String> fingerprintCertMatch) {
        public static final TlsVerification DEFAULT = new TlsVerification(List.of(), List.of("hostname"),
                List.of("nexthop", "dot-nexthop"), "SHA-256", List.of());

        public TlsVerification {
            trustAnchors = List.copyOf(trustAnchors);
            verifyCertMatch = List.copyOf(verifyCertMatch);
            secureCertMatch = List.copyOf(secureCertMatch);
            Objects.requireNonNull(fingerprintDigest, "fingerprintDigest");
            fingerprintCertMatch = List.copyOf(fingerprintCertMatch);
        }

        /** Fingerprints as Postfix lists them: separated by whitespace, commas or {@code |}. */
        public static List<String> fingerprints(String value) {
            return TlsPolicy.split(value, "|");
        }

        /** Postfix's list syntax: names separated by whitespace, commas or colons, as lower case. */
        public static List<String> names(String value) {
            return TlsPolicy.split(value, ":");
        }
    }

    /**
     * Time limits per protocol stage (Postfix's names and defaults).
     *
     * @param connect  {@code smtp_connect_timeout} (30s)
     * @param helo     {@code smtp_helo_timeout} (300s): greeting and EHLO/HELO reply
     * @param starttls {@code smtp_starttls_timeout} (300s): STARTTLS reply and handshake
     * @param mail     {@code smtp_mail_timeout} (300s)
     * @param rcpt     {@code smtp_rcpt_timeout} (300s)
     * @param dataInit {@code smtp_data_init_timeout} (120s): the reply to DATA
     * @param dataXfer {@code smtp_data_xfer_timeout} (180s): each write of the content
     * @param dataDone {@code smtp_data_done_timeout} (600s): the reply to the final dot
     * @param rset     {@code smtp_rset_timeout} (20s)
     * @param quit     {@code smtp_quit_timeout} (300s)
     */
    public record Timeouts(Duration connect, Duration helo, Duration starttls, Duration mail, Duration rcpt,
                           Duration dataInit, Duration dataXfer, Duration dataDone, Duration rset, Duration quit) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(300),
                Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(120),
                Duration.ofSeconds(180), Duration.ofSeconds(600), Duration.ofSeconds(20), Duration.ofSeconds(300));
    }
}
