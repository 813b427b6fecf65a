package org.postern.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * Postfix's TLS protocol lists ({@code smtpd_tls_protocols}, {@code smtpd_tls_mandatory_protocols},
 * postconf(5)) turned into the JSSE protocol names to enable.
 *
 * <p>Elements are separated by commas, whitespace or colons, and are case-insensitive:
 * <ul>
 * <li>{@code !NAME} excludes a protocol;
 * <li>{@code NAME} includes it; if any protocol is included, all others are excluded (Postfix
 *     supports this form but does not recommend it);
 * <li>{@code >=VERSION} and {@code <=VERSION} (Postfix 3.6 and later) bound the range, where
 *     VERSION is a name or Postfix's hex form ({@code 0303} for TLSv1.2); an empty bound or
 *     {@code 0} means no bound.
 * </ul>
 * Whatever the list says, SSLv2, SSLv3, TLSv1 and TLSv1.1 are never enabled (RFC 7568, RFC 8996);
 * when the list would enable them, a warning says so. An empty list means TLSv1.2 and TLSv1.3.
 *
 * @param enabled  JSSE protocol names to enable, oldest first
 * @param warnings what was asked for but not granted
 */
public record TlsProtocols(List<String> enabled, List<String> warnings) {

    /** Every name Postfix knows, oldest first, with its protocol version number (hex form). */
    private static final List<String> KNOWN = List.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final Map<String, String> HEX = Map.of(
            "0002", "SSLv2", "0300", "SSLv3", "0301", "TLSv1", "0302", "TLSv1.1", "0303", "TLSv1.2", "0304", "TLSv1.3");
    /** RFC 8996 deprecates TLS 1.0 and 1.1; RFC 7568 and RFC 6176 did SSLv3 and SSLv2. */
    private static final List<String> ALLOWED = List.of("TLSv1.2", "TLSv1.3");

    private static final Logger LOG = MailLog.logger("tls");

    public TlsProtocols {
        enabled = List.copyOf(enabled);
        warnings = List.copyOf(warnings);
    }

    /** TLSv1.2 and TLSv1.3. */
    public static TlsProtocols defaults() {
        return new TlsProtocols(ALLOWED, List.of());
    }

    /**
     * Parses the value of {@code parameter} (its name is used in messages). Warnings are logged
     * as well as returned.
     *
     * @throws TlsException for an unknown protocol name, or when nothing usable is left
     */
    public static TlsProtocols parse(String parameter, String value) throws TlsException {
        if (value.isBlank()) {
            return defaults(); // Postfix would allow everything OpenSSL allows; we allow what is safe
        }
        List<String> included = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        int min = 0;
        int max = KNOWN.size() - 1;
        for (String element : value.trim().split("[\\s,:]+")) {
            if (element.isEmpty()) {
                continue;
            }
            if (element.startsWith(">=")) {
                min = bound(parameter, element.substring(2), 0);
            } else if (element.startsWith("<=")) {
                max = bound(parameter, element.substring(2), KNOWN.size() - 1);
            } else if (element.startsWith("!")) {
                excluded.add(name(parameter, element.substring(1)));
            } else {
                included.add(name(parameter, element));
            }
        }
        List<String> granted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = min; i <= max; i++) {
            String protocol = KNOWN.get(i);
            if ((!included.isEmpty() && !included.contains(protocol)) || excluded.contains(protocol)) {
                continue;
            }
            (ALLOWED.contains(protocol) ? granted : refused).add(protocol);
        }
        if (granted.isEmpty()) {
            throw new TlsException(parameter + " = " + value + ": leaves no usable protocol; Postern supports "
                    + String.join(" and ", ALLOWED) + " only");
        }
        List<String> warnings = refused.isEmpty() ? List.of()
                : List.of(parameter + ": " + String.join(", ", refused) + " never enabled (obsolete, RFC 8996);"
                        + " using " + String.join(", ", granted));
        warnings.forEach(LOG::warn);
        return new TlsProtocols(granted, warnings);
    }

    /** The enabled protocols as an array, for {@code SSLSocket.setEnabledProtocols}. */
    public String[] toArray() {
        return enabled.toArray(String[]::new);
    }

    private static int bound(String parameter, String version, int none) throws TlsException {
        if (version.isEmpty() || version.equals("0")) {
            return none;
        }
        String name = HEX.get(version);
        return KNOWN.indexOf(name != null ? name : name(parameter, version));
    }

    private static String name(String parameter, String text) throws TlsException {
        for (String known : KNOWN) {
            if (known.equalsIgnoreCase(text)) {
                return known;
            }
        }
        throw new TlsException(parameter + ": unknown TLS protocol \"" + text + "\"; valid: "
                + String.join(", ", KNOWN) + " (with ! to exclude, or >= and <= to bound;"
                + " bounds also take hex versions such as 0303)");
    }

    @Override
    public String toString() {
        return String.join(":", enabled);
    }
}
