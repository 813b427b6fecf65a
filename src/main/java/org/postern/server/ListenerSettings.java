package org.postern.server;

import java.time.Duration;
import java.util.Locale;
import org.postern.config.Listener;
import org.postern.config.ParameterSet;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.smtp.BareNewline;
import org.postern.smtp.EhloKeywords;
import org.postern.log.MailLog;
import org.postern.tls.ClientCertChecks;
import org.postern.tls.TlsException;
import org.postern.tls.TlsProtocols;

/**
 * The parameters one listener's sessions use, read once from its effective parameter set
 * (main.cf plus the master.cf {@code -o} overrides) so that sessions never parse configuration.
 */
public record ListenerSettings(
        String name,
        String syslogName,
        String myHostname,
        String myOrigin,
        String banner,
        Duration timeout,
        int lineLengthLimit,
        long messageSizeLimit,
        int hopcountLimit,
        int recipientLimit,
        int softErrorLimit,
        int hardErrorLimit,
        Duration errorSleep,
        int connectionCountLimit,
        int connectionRateLimit,
        Duration rateUnit,
        Networks eventLimitExceptions,
        boolean heloRequired,
        boolean vrfyDisabled,
        boolean smtputf8,
        BareNewline bareNewline,
        Networks bareNewlineExclusions,
        int bareNewlineRejectCode,
        boolean forbidUnauthPipelining,
        Networks xclientHosts,
        TlsLevel tlsLevel,
        TlsProtocols tlsProtocols,
        boolean wrapperMode,
        boolean tlsAuthOnly,
        boolean tlsReceivedHeader,
        ClientCertChecks clientCerts,
        boolean saslEnabled,
        boolean saslAuthenticatedHeader,
        Networks saslExceptions,
        boolean brokenSaslClients,
        EhloKeywords.Discard discardEhloKeywords,
        boolean peernameLookup,
        String recipientDelimiter,
        boolean dkimSigning,
        long queueMinfree) {

    private static final org.slf4j.Logger LOG = MailLog.logger("smtpd");

    /** smtpd_tls_security_level; verify, secure and fingerprint act as encrypt (with a warning at start). */
    public enum TlsLevel { NONE, MAY, ENCRYPT }

    public static ListenerSettings of(Listener listener, LookupTables tables) throws TableConfigException {
        // Called at start-up: a bad value stops the server with a message naming the parameter.
        ParameterSet p = listener.parameters();
        String syslogName = p.get("syslog_name");
        boolean wrapper = p.bool("smtpd_tls_wrappermode");
        TlsLevel level = switch (p.get("smtpd_tls_security_level").toLowerCase(Locale.ROOT)) {
            case "none" -> TlsLevel.NONE;
            case "", "may" -> TlsLevel.MAY;
            default -> TlsLevel.ENCRYPT;
        };
        if (wrapper) {
            level = TlsLevel.ENCRYPT;   // postconf(5): wrappermode implies encryption
        }
        return new ListenerSettings(
                listener.name(),
                syslogName,
                p.get("myhostname"),
                p.get("myorigin"),
                p.get("smtpd_banner"),
                p.time("smtpd_timeout"),
                p.integer("line_length_limit"),
                p.size("message_size_limit"),
                p.integer("hopcount_limit"),
                p.integer("smtpd_recipient_limit"),
                p.integer("smtpd_soft_error_limit"),
                p.integer("smtpd_hard_error_limit"),
                p.time("smtpd_error_sleep_time"),
                p.integer("smtpd_client_connection_count_limit"),
                p.integer("smtpd_client_connection_rate_limit"),
                p.time("anvil_rate_time_unit"),
                networks(p, tables, "smtpd_client_event_limit_exceptions"),
                p.bool("smtpd_helo_required"),
                p.bool("disable_vrfy_command"),
                p.bool("smtputf8_enable"),
                BareNewline.fromConfig(p.get("smtpd_forbid_bare_newline")),
                networks(p, tables, "smtpd_forbid_bare_newline_exclusions"),
                p.integer("smtpd_forbid_bare_newline_reject_code"),
                p.bool("smtpd_forbid_unauth_pipelining"),
                networks(p, tables, "smtpd_authorized_xclient_hosts"),
                level,
                protocols(p, level),
                wrapper,
                p.bool("smtpd_tls_auth_only") || level == TlsLevel.ENCRYPT,
                p.bool("smtpd_tls_received_header"),
                clientCerts(p, listener.name(), level),
                p.bool("smtpd_sasl_auth_enable"),
                p.bool("smtpd_sasl_authenticated_header"),
                networks(p, tables, "smtpd_sasl_exceptions_networks"),
                p.bool("broken_sasl_auth_clients"),
                EhloKeywords.Discard.parse(p.get("smtpd_discard_ehlo_keywords")),
                p.bool("smtpd_peername_lookup"),
                p.get("recipient_delimiter"),
                p.bool("postern_dkim_signing"),
                p.size("queue_minfree"));
    }

    /** smtpd_tls_mandatory_protocols where TLS is required, else smtpd_tls_protocols (postconf(5)). */
    private static TlsProtocols protocols(ParameterSet p, TlsLevel level) {
        String name = level == TlsLevel.ENCRYPT ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
        try {
            return TlsProtocols.parse(name, p.get(name));
        } catch (TlsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * smtpd_tls_ask_ccert, smtpd_tls_req_ccert (only with TLS required, else ignored with
     * Postfix's warning), smtpd_tls_CAfile, smtpd_tls_CApath, smtpd_tls_fingerprint_digest.
     */
    private static ClientCertChecks clientCerts(ParameterSet p, String listener, TlsLevel level) {
        boolean require = p.bool("smtpd_tls_req_ccert");
        if (require && level != TlsLevel.ENCRYPT) {
            LOG.warn("listener {}: Can't require client certs unless TLS is required "
                    + "(smtpd_tls_req_ccert = yes needs smtpd_tls_security_level = encrypt)", listener);
            require = false;
        }
        try {
            return ClientCertChecks.of(p.bool("smtpd_tls_ask_ccert"), require, p.get("smtpd_tls_CAfile"),
                    p.get("smtpd_tls_CApath"), p.get("smtpd_tls_fingerprint_digest"));
        } catch (TlsException e) {
            throw new IllegalArgumentException("listener " + listener + ": " + e.getMessage(), e);
        }
    }

    private static Networks networks(ParameterSet p, LookupTables tables, String name) throws TableConfigException {
        return Networks.parse(name, p.get(name), tables);
    }
}
