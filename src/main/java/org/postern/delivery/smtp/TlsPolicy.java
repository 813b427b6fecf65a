package org.postern.delivery.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The TLS settings for one next hop: the level and, for {@code verify} and {@code secure}, the
 * names a server certificate must match, as Postfix writes them: {@code hostname} (the name of
 * the server connected to: the MX host, or the host of a {@code [host]} next hop),
 * {@code nexthop} (the next-hop domain or host), {@code dot-nexthop} (any name below it), or a
 * literal name ({@code .example.com}: any name below example.com).
 *
 * @param level the TLS level
 * @param match the match strategies and names (lower case), or for {@code fingerprint} the
 *              fingerprints; empty for the other levels
 */
record TlsPolicy(TlsLevel level, List<String> match) {

    /**
     * {@code smtp_tls_policy_maps} attributes Postern does not implement but may ignore safely:
     * they tune ciphers, protocols, SNI or session reuse, never which certificate is accepted.
     */
    private static final Set<String> IGNORED_ATTRIBUTES = Set.of("ciphers", "protocols", "exclude", "servername",
            "connection_reuse");

    TlsPolicy {
        match = List.copyOf(match);
    }

    /** The level with the default names of {@code smtp_tls_verify_cert_match} or {@code smtp_tls_secure_cert_match}. */
    static TlsPolicy of(TlsLevel level, SmtpClientSettings.TlsVerification verification) {
        return new TlsPolicy(level, switch (level) {
            case VERIFY -> verification.verifyCertMatch();
            case SECURE -> verification.secureCertMatch();
            case FINGERPRINT -> verification.fingerprintCertMatch();
            default -> List.of();
        });
    }

    /**
     * Parses an {@code smtp_tls_policy_maps} value: the level, then {@code name=value} attributes.
     * {@code match=} (names separated by colons) replaces the default names for verify and secure;
     * {@code ciphers}, {@code protocols}, {@code exclude}, {@code servername} and
     * {@code connection_reuse} are ignored with a warning.
     *
     * @param warn receives a warning for each attribute that is ignored
     * @throws IllegalArgumentException for an unknown level or attribute, or an empty match
     */
    static TlsPolicy parse(String value, SmtpClientSettings.TlsVerification verification, Consumer<String> warn) {
        String[] words = value.trim().split("\\s+");
        TlsLevel level = TlsLevel.parse(words[0]);
        List<String> match = null;
        for (int i = 1; i < words.length; i++) {
            String word = words[i];
            int eq = word.indexOf('=');
            String name = eq < 0 ? word : word.substring(0, eq).toLowerCase(Locale.ROOT);
            if (eq > 0 && name.equals("match")) {
                // TLS_README: names are separated by ":", fingerprints (which contain ":") by "|".
                match = level == TlsLevel.FINGERPRINT ? split(word.substring(eq + 1), "|")
                        : split(word.substring(eq + 1), ":");
                if (match.isEmpty()) {
                    throw new IllegalArgumentException("empty match= in TLS policy '" + value.trim()
                            + "'; write e.g. match=nexthop:dot-nexthop");
                }
                if (!level.verifiesCertificate()) {
                    warn.accept("match= is ignored at TLS level " + words[0] + " in policy '" + value.trim() + "'");
                }
            } else if (eq > 0 && IGNORED_ATTRIBUTES.contains(name)) {
                warn.accept("TLS policy attribute '" + word + "' is not implemented by Postern and is ignored");
            } else {
                throw new IllegalArgumentException("unknown TLS policy attribute '" + word + "' in '" + value.trim()
                        + "'; Postern knows match=, and ignores ciphers=, protocols=, exclude=, servername= "
                        + "and connection_reuse=");
            }
        }
        TlsPolicy policy = match == null || !level.verifiesCertificate() ? of(level, verification)
                : new TlsPolicy(level, match);
        if (level == TlsLevel.FINGERPRINT && policy.match().isEmpty()) {
            throw new IllegalArgumentException("configured at fingerprint security level, but with no fingerprints "
                    + "to match; add match=AA:BB:...|CC:DD:... or set smtp_tls_fingerprint_cert_match");
        }
        return policy;
    }

    /**
     * The names a certificate must match at this level when connected to {@code hostname} for
     * {@code hop}: the strategies expanded, literals as they are.
     */
    List<String> expectedNames(String hostname, NextHop hop) {
        if (level == TlsLevel.FINGERPRINT) {
            return match; // fingerprints, not names
        }
        List<String> names = new ArrayList<>();
        for (String m : match) {
            switch (m) {
                case "hostname" -> names.add(hostname.toLowerCase(Locale.ROOT));
                case "nexthop" -> names.add(hop.host());
                case "dot-nexthop" -> names.add("." + hop.host());
                default -> names.add(m);
            }
        }
        return names;
    }

    /** Splits a Postfix cert_match value at whitespace, commas and (for match=) colons. */
    static List<String> split(String value, String extraSeparators) {
        List<String> out = new ArrayList<>();
        for (String s : value.toLowerCase(Locale.ROOT).split("[\\s," + extraSeparators + "]+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
