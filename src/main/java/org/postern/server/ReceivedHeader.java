package org.postern.server;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.postern.tls.TlsFacts;

/**
 * The Received: trace header Postern prepends to each accepted message (RFC 5321 section 4.4),
 * in Postfix's layout:
 *
 * <pre>
 * Received: from laptop.example.net (unknown [198.51.100.7])
 *         (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
 *         (No client certificate requested)
 *         (Authenticated sender: alice@example.org)
 *         by mx.example.org (Postern) with ESMTPSA id 19A2B3C4D5E6F
 *         for &lt;bob@example.org&gt;; Sat, 28 Nov 2026 01:23:49 +0000 (UTC)
 * </pre>
 * The protocol word follows RFC 3848 (ESMTP, ESMTPS, ESMTPA, ESMTPSA) and RFC 6531
 * (UTF8SMTP...). The {@code for} clause is written only for a single recipient, as Postfix does,
 * so that Bcc recipients are not revealed.
 */
public final class ReceivedHeader {

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private ReceivedHeader() {
    }

    /**
     * @param helo          the HELO/EHLO argument, or null
     * @param tls           the session's TLS facts when it should be recorded, or null
     * @param authenticated the SASL login when it should be recorded, or null
     * @param recipient     the only recipient, or null when there are several
     */
    public static byte[] build(String helo, String clientName, String clientAddress, TlsFacts tls,
                               String authenticated, String myHostname, String protocol, String queueId,
                               String recipient, ZonedDateTime now) {
        StringBuilder h = new StringBuilder(256);
        h.append("Received: from ").append(helo != null ? helo : clientName)
                .append(" (").append(clientName).append(" [").append(clientAddress).append("])");
        if (tls != null) {
            h.append("\r\n\t(").append(tls.receivedClause()).append(')');
            // Postfix: the client-certificate comment always follows the cipher comment.
            h.append("\r\n\t(").append(tls.clientCertClause()).append(')');
        }
        if (authenticated != null) {
            h.append("\r\n\t(Authenticated sender: ").append(authenticated).append(')');
        }
        h.append("\r\n\tby ").append(myHostname).append(" (Postern) with ").append(protocol)
                .append(" id ").append(queueId);
        if (recipient != null) {
            h.append("\r\n\tfor <").append(recipient).append('>');
        }
        h.append("; ").append(DATE.format(now)).append(" (").append(now.getZone().getDisplayName(
                java.time.format.TextStyle.SHORT, Locale.ROOT)).append(")\r\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3848 / RFC 6531 protocol word. */
    public static String protocol(boolean esmtp, boolean tls, boolean authenticated, boolean smtputf8) {
        if (!esmtp) {
            return "SMTP";
        }
        return (smtputf8 ? "UTF8SMTP" : "ESMTP") + (tls ? "S" : "") + (authenticated ? "A" : "");
    }
}
