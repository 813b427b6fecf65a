package org.postern.config;

import static org.postern.config.ParameterType.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of every parameter Postern knows, with Postfix's names, meanings and defaults
 * (postconf(5) of Postfix 3.7 at {@code compatibility_level = 3.6}, as Debian 12 ships it, plus
 * the safer defaults of Postfix 3.9 where noted). New Postern parameters follow Postfix's
 * naming style. The parameter reference in docs/parameters.md is generated from this table
 * (see {@link ConfigOutput#markdownReference()}).
 */
public final class Parameters {

    private static final Map<String, Parameter> TABLE = new LinkedHashMap<>();

    private static void p(String name, ParameterType type, String def, String description) {
        add(new Parameter(name, type, def, description));
    }

    private static void time(String name, String def, char unit, String description) {
        add(new Parameter(name, TIME, def, description, List.of(), unit));
    }

    private static void choice(String name, String def, List<String> allowed, String description) {
        add(new Parameter(name, ENUM, def, description, allowed, (char) 0));
    }

    private static void code(String name, String def, String description) {
        p(name, INTEGER, def, "SMTP reply code " + description);
    }

    private static void add(Parameter parameter) {
        if (TABLE.put(parameter.name(), parameter) != null) {
            throw new IllegalStateException("duplicate parameter " + parameter.name());
        }
    }

    private static final List<String> TEMPFAIL_ACTIONS = List.of("defer", "defer_if_permit");

    static {
        // --- Identity and addressing (postconf(5); ADDRESS_CLASS_README) ---
        p("compatibility_level", STRING, "3.6",
                "Postfix compatibility level. Postern always behaves like Postfix 3.7 at level 3.6 (the Debian 12 "
                        + "default), so the value is accepted but does not switch behaviour.");
        p("mail_name", STRING, "Postern", "The mail system name shown in the SMTP greeting and in bounces.");
        p("myhostname", STRING, "",
                "The fully-qualified host name of this mail system. Empty: the host name of the machine.");
        p("mydomain", STRING, "",
                "The internet domain of this mail system. Empty: $myhostname without its first label "
                        + "(localdomain if it has only one).");
        p("myorigin", STRING, "$myhostname", "The domain that locally posted mail appears to come from.");
        p("mydestination", DOMAIN_LIST, "$myhostname, localhost.$mydomain, localhost",
                "Domains delivered locally (the local address class). Postern has no Unix-account delivery, "
                        + "so hosted domains normally belong in virtual_mailbox_domains.");
        p("mynetworks", NETWORK_LIST, "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128",
                "Trusted clients for permit_mynetworks: CIDR blocks, [ipv6]/len, host names, !exclusions, "
                        + "/file names and type:table lookups. The default trusts only the local host "
                        + "(Postfix's mynetworks_style = host, written out for loopback).");
        choice("mynetworks_style", "host", List.of("host", "subnet", "class"),
                "How Postfix would compute mynetworks when it is not set. Postern uses loopback-only when "
                        + "mynetworks is unset; set mynetworks explicitly for anything wider.");
        p("inet_interfaces", LIST, "all",
                "Addresses the SMTP listeners bind to when master.cf does not name one: all, loopback-only, "
                        + "or a list of addresses.");
        p("inet_protocols", LIST, "all", "IP protocols to use: all, ipv4, ipv6 or both (ipv4, ipv6).");
        p("proxy_interfaces", LIST, "",
                "Addresses on which this host receives mail through a proxy or NAT; they count as local like "
                        + "inet_interfaces.");
        p("recipient_delimiter", STRING, "",
                "Characters that separate a user name from an address extension (e.g. + for user+ext@domain).");
        p("append_dot_mydomain", BOOLEAN, "no",
                "Append .$mydomain to addresses without a dot in the domain (off at compatibility level 1 and later).");
        p("biff", BOOLEAN, "yes", "Notify local biff service. Postern has no local delivery; accepted and ignored.");
        p("allow_untrusted_routing", BOOLEAN, "no",
                "Forward addresses with sender-specified routing (user%domain@relay, user@a@b) received from "
                        + "untrusted clients to relay_domains.");
        p("parent_domain_matches_subdomains", LIST,
                "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, "
                        + "qmqpd_authorized_clients, relay_domains, smtpd_access_maps",
                "Features whose domain patterns also match subdomains (example.com matches sub.example.com).");
        p("smtputf8_enable", BOOLEAN, "yes", "Enable SMTPUTF8 (RFC 6531) support.");
        p("soft_bounce", BOOLEAN, "no",
                "Safety net for testing: turn permanent rejects and bounces into temporary ones.");
        p("notify_classes", LIST, "resource, software",
                "Problem classes reported to the postmaster: bounce, 2bounce, data, delay, policy, protocol, "
                        + "resource, software.");

        // --- Files and processes ---
        p("data_directory", STRING, "data",
                "Directory for Postern's writable data (database, queue, mail, keys). The default 'data' is "
                        + "relative to the working directory the launcher runs in, so Postern works without root; "
                        + "a packaged install sets /var/lib/postern.");
        p("queue_directory", STRING, "$data_directory/queue",
                "Directory of the mail queue. Postfix uses /var/spool/postfix; Postern keeps it under data_directory.");
        p("maillog_file", STRING, "", "File to write log lines to. Empty: standard output.");
        p("service_name", STRING, "",
                "Read-only: the master.cf service name of the listener (e.g. submission), for use as "
                        + "$service_name in -o overrides such as syslog_name=postern/$service_name.");
        p("syslog_name", STRING, "postern",
                "Prefix of log lines; master.cf often overrides it per service, e.g. postern/submission.");
        p("database_url", DATABASE_URL, "",
                "Where accounts, domains and aliases are stored. Empty: the SQLite file $data_directory/postern.db. "
                        + "Otherwise postgresql://user[:password]@host[:port]/database, sqlite:PATH or a jdbc: URL.");
        time("database_timeout", "15s", 's',
                "How long a lookup in the database of database_url waits for a connection before it counts as a "
                        + "temporary failure: while the database is down, RCPT lookups get 451 4.3.0 Temporary lookup "
                        + "failure and AUTH 454 4.7.0 Temporary authentication failure after this time. Postern "
                        + "connects again by itself when the database is back.");
        p("dns_servers", HOSTPORT_LIST, "",
                "DNS resolvers to query, as host[:port] or [ipv6]:port (port 53 if omitted). Empty: the system "
                        + "resolver configuration.");
        p("postern_dns_cache_size", INTEGER, "10000",
                "How many DNS answers the server keeps, each for its TTL (at most one hour; NXDOMAIN and no-data "
                        + "answers only when the server sent the zone's SOA, never temporary failures), so that "
                        + "messages do not ask again for the same DKIM key, DMARC record or DNSBL entry. The least "
                        + "recently used answer makes room for a new one. 0 turns the cache off. Postfix has no such "
                        + "parameter: it relies on the system resolver's cache. A reload empties the cache.");
        time("dns_timeout", "10s", 's',
                "How long the server waits for one DNS answer before it counts as a temporary failure (4xx "
                        + "replies, never a wrong accept). Postfix leaves this to resolv.conf (timeout and attempts).");
        p("postern_connection_limit", INTEGER, "20000",
                "Maximal number of simultaneous SMTP connections over all listeners; further clients get "
                        + "421 4.3.2 and are disconnected. Postern serves each connection on a virtual thread, "
                        + "so this can be far above Postfix's process limit (default_process_limit = 100).");
        p("postern_sasl_failure_limit", INTEGER, "10",
                "Failed AUTH attempts from one client IP within postern_sasl_failure_window after which further "
                        + "AUTH commands from that IP get 454 4.7.0 until the window has passed. 0 disables the limit. "
                        + "Every failure is also delayed by smtpd_error_sleep_time.");
        time("postern_sasl_failure_window", "15m", 's',
                "The window over which postern_sasl_failure_limit counts failed logins.");
        p("postern_dkim_signing", BOOLEAN, "yes",
                "Sign mail from SASL-authenticated clients with DKIM when the domain of its From: address has "
                        + "active keys (postern dkim keygen/activate), one signature per key. Set "
                        + "-o postern_dkim_signing=no on a listener to turn it off there.");
        time("postern_shutdown_timeout", "30s", 's',
                "How long a stop waits for open SMTP sessions to finish before closing them.");
        p("postern_admin_listen", HOSTPORT_LIST, "127.0.0.1:9025",
                "Address and port of the admin HTTP port: /metrics (Prometheus text format), /health (readiness) "
                        + "and /health/live (liveness); see docs/operations.md. It has no authentication: keep it on "
                        + "loopback or a private monitoring network. Empty: no admin port.");

        // --- Size and count limits ---
        p("message_size_limit", SIZE, "10240000", "Maximal size of a message in bytes, envelope included.");
        p("header_size_limit", SIZE, "102400", "Maximal size of one message header in bytes.");
        p("line_length_limit", INTEGER, "2048",
                "Maximal length of an SMTP command line; a longer command gets 500 5.5.2 Error: line too long. "
                        + "Lines of message content are not limited (only message_size_limit applies).");
        p("hopcount_limit", INTEGER, "50", "Maximal number of Received: headers before a message is rejected as looping.");
        p("queue_minfree", SIZE, "0",
                "Free space in bytes that the queue file system must have for the SMTP server to take mail: "
                        + "below it, and also below 1.5 x message_size_limit, MAIL FROM gets 452 4.3.1 Insufficient "
                        + "system storage. To require more than 1.5 x message_size_limit, set a larger value. A disk "
                        + "that fills up during DATA anyway gives the same 452 and nothing of the message is kept.");

        // --- Virtual domains (VIRTUAL_README) ---
        p("default_transport", STRING, "smtp",
                "Transport[:nexthop] for recipients in no hosted or relay domain (remote delivery): smtp, relay, "
                        + "error:reason, discard, lmtp:... .");
        p("virtual_mailbox_limit", SIZE, "51200000",
                "Largest message, in bytes, that the virtual transport writes into a Maildir; 0 = no limit.");
        p("relay_transport", STRING, "relay",
                "Transport[:nexthop] for recipients in relay_domains (relay is the smtp client under another name).");
        p("virtual_mailbox_domains", DOMAIN_LIST, "postern:domains",
                "Domains whose mailboxes Postern hosts (the virtual mailbox class). The default reads the domains "
                        + "of Postern's database; Postfix's default is $virtual_mailbox_maps.");
        p("virtual_mailbox_maps", TABLES, "postern:mailboxes",
                "Tables of valid mailbox addresses in virtual_mailbox_domains. Default: Postern's database.");
        p("virtual_alias_maps", TABLES, "postern:aliases",
                "Tables that rewrite recipient addresses (aliases, forwardings). Default: Postern's database.");
        p("virtual_alias_domains", DOMAIN_LIST, "$virtual_alias_maps",
                "Domains that only have aliases (the virtual alias class). The default looks the bare domain "
                        + "up in virtual_alias_maps.");
        p("virtual_mailbox_base", STRING, "$data_directory/mail", "Base directory of Maildir mailboxes.");
        p("virtual_transport", STRING, "virtual",
                "Delivery transport for virtual mailbox domains: virtual (Maildir under virtual_mailbox_base) or "
                        + "lmtp:unix:/path or lmtp:inet:host:port (e.g. Dovecot).");
        p("virtual_alias_expansion_limit", INTEGER, "1000",
                "Maximal number of addresses one original recipient may expand to through virtual_alias_maps.");
        p("virtual_alias_recursion_limit", INTEGER, "1000", "Maximal nesting depth of virtual alias expansion.");
        p("virtual_alias_address_length_limit", INTEGER, "1000",
                "Maximal length of an address produced by virtual alias expansion.");
        p("local_recipient_maps", TABLES, "$virtual_mailbox_maps",
                "Tables of valid recipients in mydestination domains. Postfix's default uses Unix accounts; "
                        + "Postern has none, so it checks the mailbox table. Empty: accept every local-part.");
        p("relay_domains", DOMAIN_LIST, "",
                "Domains this host relays mail to (the relay class); also matches subdomains.");
        p("relay_recipient_maps", TABLES, "",
                "Tables of valid recipients in relay_domains. Empty: accept every recipient there.");
        p("relayhost", STRING, "",
                "Next hop for mail to relay_domains and remote domains: [host]:port or [host] (no MX lookup), "
                        + "domain or domain:port (MX lookup), or empty for direct delivery to the recipient's MX.");
        p("transport_maps", TABLES, "",
                "Tables that choose transport:nexthop per recipient: looked up by address, address without "
                        + "extension, domain, .parent domains, then *. An empty part keeps the default.");
        p("sender_dependent_relayhost_maps", TABLES, "",
                "Tables that choose the relayhost per sender address, then @domain; they take precedence over relayhost.");

        // --- smtpd restrictions (SMTPD_ACCESS_README) ---
        p("smtpd_client_restrictions", RESTRICTIONS, "", "Restrictions on the client address and name.");
        p("smtpd_helo_restrictions", RESTRICTIONS, "", "Restrictions on the HELO/EHLO argument.");
        p("smtpd_sender_restrictions", RESTRICTIONS, "", "Restrictions on the MAIL FROM address.");
        p("smtpd_relay_restrictions", RESTRICTIONS,
                "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
                "Relay control at RCPT TO, evaluated before smtpd_recipient_restrictions.");
        p("smtpd_recipient_restrictions", RESTRICTIONS, "", "Restrictions on the RCPT TO address (spam control).");
        p("smtpd_data_restrictions", RESTRICTIONS, "", "Restrictions at the DATA command (or the first BDAT).");
        p("smtpd_end_of_data_restrictions", RESTRICTIONS, "permit_mynetworks, permit_sasl_authenticated, check_dmarc",
                "Restrictions after the whole message was received. Postern's default checks DMARC (check_dmarc, "
                        + "docs/dmarc.md) for mail from strangers; Postfix's is empty.");
        p("smtpd_etrn_restrictions", RESTRICTIONS, "", "Restrictions on the ETRN command.");
        p("smtpd_restriction_classes", LIST, "",
                "Names of user-defined restriction lists; each name is then a parameter holding a restriction "
                        + "list and can be used as a restriction.");
        p("smtpd_delay_reject", BOOLEAN, "yes",
                "Evaluate client, helo and sender restrictions at RCPT TO rather than at their own stage.");
        p("smtpd_helo_required", BOOLEAN, "no", "Require HELO or EHLO before MAIL FROM.");
        p("smtpd_reject_unlisted_recipient", BOOLEAN, "yes",
                "Reject RCPT TO addresses that are not valid for their address class.");
        p("smtpd_reject_unlisted_sender", BOOLEAN, "no",
                "Reject MAIL FROM addresses in local domains that are not valid recipients.");
        p("smtpd_relay_before_recipient_restrictions", BOOLEAN, "yes",
                "Evaluate smtpd_relay_restrictions before smtpd_recipient_restrictions (yes at compatibility level 3.6).");
        p("smtpd_sender_login_maps", TABLES, "postern:sender_logins",
                "Tables from envelope sender to the login names that own it, for reject_sender_login_mismatch. "
                        + "Default: Postern's database.");
        p("smtpd_null_access_lookup_key", STRING, "<>", "Lookup key used for the null sender in access tables.");
        p("smtpd_log_access_permit_actions", LIST, "",
                "Names of permit actions to log as \"NOQUEUE: permit: ...\" lines: restriction names such as "
                        + "permit_mynetworks or permit_tls_clientcerts, access-table actions such as OK or RELAY, "
                        + "!exclusions, /file names and type:table lookups; static:all logs every permit.");
        p("permit_mx_backup_networks", NETWORK_LIST, "",
                "Networks of primary MX hosts for permit_mx_backup (deprecated restriction).");
        p("relay_clientcerts", TABLES, "",
                "Tables of client certificate fingerprints or public-key fingerprints (digest "
                        + "smtpd_tls_fingerprint_digest) that permit_tls_clientcerts permits; only the key counts.");

        // --- Reply codes (postconf(5)) ---
        code("reject_code", "554", "for the reject restriction.");
        code("defer_code", "450", "for the defer restriction.");
        code("unknown_client_reject_code", "450",
                "for reject_unknown_client_hostname and reject_unknown_reverse_client_hostname.");
        code("invalid_hostname_reject_code", "501", "for reject_invalid_helo_hostname.");
        code("non_fqdn_reject_code", "504", "for the reject_non_fqdn_* restrictions.");
        code("unknown_hostname_reject_code", "450", "for reject_unknown_helo_hostname.");
        code("unknown_address_reject_code", "450", "for reject_unknown_sender_domain and reject_unknown_recipient_domain.");
        code("relay_domains_reject_code", "554", "for reject_unauth_destination (defer_unauth_destination subtracts 100).");
        code("access_map_reject_code", "554", "for a REJECT action in an access table.");
        code("access_map_defer_code", "450", "for a DEFER action in an access table.");
        code("maps_rbl_reject_code", "554", "for reject_rbl_client and the reject_rhsbl_* restrictions.");
        code("unknown_virtual_mailbox_reject_code", "550", "for an unknown recipient in a virtual mailbox domain.");
        code("unknown_virtual_alias_reject_code", "550", "for an unknown recipient in a virtual alias domain.");
        code("unknown_local_recipient_reject_code", "550", "for an unknown recipient in a local domain.");
        code("unknown_relay_recipient_reject_code", "550", "for an unknown recipient in a relay domain.");
        code("multi_recipient_bounce_reject_code", "550", "for reject_multi_recipient_bounce.");
        code("plaintext_reject_code", "450", "for reject_plaintext_session.");
        code("unverified_sender_reject_code", "450", "when reject_unverified_sender finds the sender undeliverable.");
        code("unverified_sender_defer_code", "450", "when reject_unverified_sender cannot decide yet.");
        code("unverified_recipient_reject_code", "450", "when reject_unverified_recipient finds the recipient undeliverable.");
        code("unverified_recipient_defer_code", "450", "when reject_unverified_recipient cannot decide yet.");
        choice("reject_tempfail_action", "defer_if_permit", TEMPFAIL_ACTIONS,
                "Action when a reject restriction cannot complete because of a temporary error.");
        choice("unknown_helo_hostname_tempfail_action", "$reject_tempfail_action", TEMPFAIL_ACTIONS,
                "Action when reject_unknown_helo_hostname meets a temporary DNS error.");
        choice("unknown_address_tempfail_action", "$reject_tempfail_action", TEMPFAIL_ACTIONS,
                "Action when reject_unknown_sender_domain or reject_unknown_recipient_domain meets a temporary DNS error.");
        choice("unverified_sender_tempfail_action", "$reject_tempfail_action", TEMPFAIL_ACTIONS,
                "Action when reject_unverified_sender meets a temporary error: a probe still running or deferred, an "
                        + "undeliverable sender with a 4xx unverified_sender_reject_code, or no verification service.");
        choice("unverified_recipient_tempfail_action", "$reject_tempfail_action", TEMPFAIL_ACTIONS,
                "Action when reject_unverified_recipient meets a temporary error: a probe still running or deferred, an "
                        + "undeliverable recipient with a 4xx unverified_recipient_reject_code, or no verification service.");
        p("unverified_sender_reject_reason", STRING, "", "Fixed reason in every reject_unverified_sender refusal, undeliverable or unverified (empty: the probe's reason).");
        p("unverified_recipient_reject_reason", STRING, "", "Fixed reason in every reject_unverified_recipient refusal, undeliverable or unverified (empty: the probe's reason).");
        p("default_rbl_reply", TEMPLATE,
                "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}",
                "Reply template for DNSBL/RHSBL rejects; $rbl_code, $rbl_class, $rbl_what, $rbl_domain, "
                        + "$rbl_reason ($rbl_txt), $client, $client_address, $client_name, $reverse_client_name, "
                        + "$helo_name, $sender and $recipient are filled in per reject. Any other macro makes the "
                        + "template bad: the reject becomes 451 4.3.5 Server configuration error.");
        p("rbl_reply_maps", TABLES, "", "Tables from DNSBL domain to a reply template like default_rbl_reply; "
                + "a template with an unknown macro is logged and default_rbl_reply is used instead.");
        p("show_user_unknown_table_name", BOOLEAN, "yes",
                "Name the table (e.g. \"virtual mailbox table\") in \"User unknown\" replies.");
        p("smtpd_reject_footer", TEMPLATE, "",
                "Text appended to every 4xx/5xx reply, e.g. a contact address; \\n starts a new reply line.");
        p("smtpd_reject_footer_maps", TABLES, "",
                "Tables of footers by reply: the key is the whole 4xx/5xx reply as sent (\"554 5.7.1 <a@b>: Relay "
                        + "access denied\", after soft_bounce), the value a footer like smtpd_reject_footer. When "
                        + "no table has the reply, smtpd_reject_footer applies. Use regexp: or pcre: tables.");

        // --- smtpd protocol and limits ---
        p("smtpd_banner", STRING, "$myhostname ESMTP $mail_name", "Text after 220 in the greeting.");
        time("smtpd_timeout", "300s", 's', "Time limit for a client to send a command or data.");
        p("smtpd_client_connection_count_limit", INTEGER, "50",
                "Maximal number of simultaneous connections from one client address (0: no limit).");
        p("smtpd_client_connection_rate_limit", INTEGER, "0",
                "Maximal connections per anvil_rate_time_unit from one client address (0: no limit).");
        p("smtpd_client_message_rate_limit", INTEGER, "0",
                "Maximal messages per anvil_rate_time_unit from one client address (0: no limit).");
        p("smtpd_client_recipient_rate_limit", INTEGER, "0",
                "Maximal recipients per anvil_rate_time_unit from one client address (0: no limit).");
        p("smtpd_client_event_limit_exceptions", NETWORK_LIST, "$mynetworks",
                "Clients exempt from the smtpd_client_*_limit settings.");
        time("anvil_rate_time_unit", "60s", 's', "Time unit of the smtpd_client_*_rate_limit settings.");
        p("smtpd_recipient_limit", INTEGER, "1000", "Maximal number of recipients per message.");
        p("smtpd_hard_error_limit", INTEGER, "20", "Errors after which the session is disconnected.");
        p("smtpd_soft_error_limit", INTEGER, "10", "Errors after which each reply is delayed by smtpd_error_sleep_time.");
        time("smtpd_error_sleep_time", "1s", 's', "Delay before an error reply once smtpd_soft_error_limit is reached.");
        p("smtpd_junk_command_limit", INTEGER, "100", "Maximal number of NOOP, VRFY, ETRN or RSET commands per session.");
        p("disable_vrfy_command", BOOLEAN, "yes",
                "Disable the VRFY command. Postfix defaults to no; Postern to yes, because VRFY lets strangers "
                        + "probe which addresses exist.");
        p("smtpd_discard_ehlo_keywords", LIST, "",
                "EHLO keywords not to announce (e.g. silent-discard, pipelining, chunking).");
        p("smtpd_authorized_xclient_hosts", NETWORK_LIST, "", "Clients allowed to use the XCLIENT command.");
        p("smtpd_forbid_bare_newline_reject_code", INTEGER, "550",
                "The reply code when smtpd_forbid_bare_newline = reject refuses a line that ends in a bare LF.");
        choice("smtpd_forbid_bare_newline", "normalize", List.of("normalize", "yes", "reject", "no"),
                "Handling of a bare LF in SMTP commands and message data (SMTP smuggling defence): normalize "
                        + "(or yes) accepts a bare LF as the end of a command or content line but ends DATA only at "
                        + "<CR><LF>.<CR><LF>; reject also answers a command line ending in a bare LF with 550 5.5.2 "
                        + "and a disconnect, and rejects a message containing one at end of data; no (unsafe) lets "
                        + "LF alone end DATA too. Postfix 3.9 default; Postfix 3.7 defaults to no.");
        p("smtpd_forbid_bare_newline_exclusions", NETWORK_LIST, "$mynetworks",
                "Clients exempt from smtpd_forbid_bare_newline.");
        p("smtpd_forbid_unauth_pipelining", BOOLEAN, "yes",
                "Disconnect clients that pipeline commands without announcing PIPELINING support "
                        + "(Postfix 3.9 default; Postfix 3.7 defaults to no).");
        p("smtpd_peername_lookup", BOOLEAN, "yes", "Look up the client's host name in DNS (reverse and forward).");

        // --- smtpd TLS (TLS_README) ---
        choice("smtpd_tls_security_level", "may", List.of("", "none", "may", "encrypt"),
                "TLS for incoming SMTP: none, may (STARTTLS offered) or encrypt (STARTTLS required). Postfix's "
                        + "default is empty (none); Postern offers STARTTLS by default, with a generated self-signed certificate "
                        + "when smtpd_tls_cert_file is not set.");
        p("smtpd_tls_cert_file", STRING, "", "PEM file with the server certificate (and optionally the key and chain).");
        p("smtpd_tls_key_file", STRING, "$smtpd_tls_cert_file", "PEM file with the private key of smtpd_tls_cert_file.");
        p("smtpd_tls_chain_files", LIST, "",
                "PEM files each holding a private key followed by its certificate chain; preferred over cert/key files.");
        p("smtpd_tls_protocols", STRING, ">=TLSv1.2",
                "TLS protocol versions for opportunistic TLS. Postfix 3.7 defaults to >=TLSv1; the JDK disables "
                        + "older versions, so Postern defaults to >=TLSv1.2.");
        p("smtpd_tls_mandatory_protocols", STRING, ">=TLSv1.2", "TLS protocol versions when TLS is required.");
        p("smtpd_tls_wrappermode", BOOLEAN, "no", "Start TLS at connect (implicit TLS, port 465) instead of STARTTLS.");
        p("smtpd_tls_auth_only", BOOLEAN, "no", "Offer AUTH only after TLS is active.");
        p("smtpd_tls_loglevel", INTEGER, "0", "TLS logging: 0 none, 1 summary, 2 negotiation.");
        p("smtpd_tls_received_header", BOOLEAN, "yes",
                "Record the TLS protocol and cipher in the Received: header. Postfix defaults to no; Postern "
                        + "records them by default, since they tell the recipient how the message travelled.");
        p("smtpd_tls_ask_ccert", BOOLEAN, "no",
                "Ask TLS clients for a certificate (needed by permit_tls_clientcerts, permit_tls_all_clientcerts "
                        + "and check_ccert_access). Any certificate is accepted in the handshake; whether it is "
                        + "trusted (verifies against smtpd_tls_CAfile/smtpd_tls_CApath) is decided afterwards.");
        p("smtpd_tls_req_ccert", BOOLEAN, "no",
                "Require a trusted client certificate; implies smtpd_tls_ask_ccert. Only with TLS required "
                        + "(smtpd_tls_security_level = encrypt or wrapper mode; otherwise ignored with a warning): "
                        + "a client without a trusted certificate gets 421 4.7.1 right after the handshake.");
        p("smtpd_tls_CAfile", STRING, "",
                "PEM file of the CA certificates that client certificates are verified against.");
        p("smtpd_tls_CApath", STRING, "",
                "Directory of PEM CA certificate files that client certificates are verified against, in "
                        + "addition to smtpd_tls_CAfile.");
        choice("smtpd_tls_fingerprint_digest", "sha256", List.of("sha256", "sha1", "md5", "sha224", "sha384", "sha512"),
                "Digest of the client certificate and public-key fingerprints used by permit_tls_clientcerts "
                        + "(relay_clientcerts), check_ccert_access and the ccert_*fingerprint policy attributes.");

        // --- smtpd SASL (SASL_README) ---
        p("smtpd_sasl_auth_enable", BOOLEAN, "no", "Offer SMTP AUTH; usually switched on only for submission in master.cf.");
        choice("smtpd_sasl_type", "postern", List.of("postern", "dovecot", "cyrus"),
                "SASL implementation. Postern checks passwords against its own database; dovecot and cyrus are "
                        + "accepted for compatibility and also use Postern's database.");
        p("smtpd_sasl_path", STRING, "smtpd", "Postfix: where the SASL server listens. Not used by the postern type.");
        p("smtpd_sasl_security_options", LIST, "noanonymous",
                "SASL mechanism properties: noanonymous, noplaintext, noactive, nodictionary, mutual_auth.");
        p("smtpd_sasl_local_domain", STRING, "", "Realm appended to SASL login names without a domain.");
        p("smtpd_sasl_authenticated_header", BOOLEAN, "no", "Record the SASL login name in the Received: header.");
        p("smtpd_sasl_exceptions_networks", NETWORK_LIST, "", "Clients to which AUTH is not offered.");
        p("broken_sasl_auth_clients", BOOLEAN, "no", "Also announce AUTH in the old AUTH=mech form for broken clients.");

        // --- Policy delegation (SMTPD_POLICY_README) ---
        time("smtpd_policy_service_timeout", "100s", 's', "Time limit to connect to, write to or read from a policy server.");
        time("smtpd_policy_service_max_idle", "300s", 's', "Idle time after which a policy connection is closed.");
        time("smtpd_policy_service_max_ttl", "1000s", 's', "Time after which an active policy connection is closed.");
        p("smtpd_policy_service_try_limit", INTEGER, "2", "Attempts to query a policy server before giving up.");
        time("smtpd_policy_service_retry_delay", "1s", 's', "Delay between policy server attempts.");
        p("smtpd_policy_service_default_action", STRING, "451 4.3.5 Server configuration problem",
                "Access action when the policy server cannot be reached.");
        p("smtpd_policy_service_request_limit", INTEGER, "0", "Requests per policy connection (0: no limit).");

        // --- SPF (check_spf; docs/spf.md) ---
        choice("spf_tempfail_action", "defer_if_permit", List.of("defer_if_permit", "defer", "dunno"),
                "What check_spf does with an SPF temperror (RFC 7208 section 8.6): defer_if_permit replies "
                        + "450 4.7.24 unless a later restriction rejects, defer replies 450 4.7.24 at once, dunno "
                        + "accepts (the Received-SPF header records the temperror).");
        choice("spf_permerror_action", "dunno", List.of("dunno", "reject"),
                "What check_spf does with an SPF permerror (RFC 7208 section 8.7): dunno treats it as no SPF, "
                        + "reject replies 550 5.7.24.");
        p("spf_helo_reject", BOOLEAN, "yes",
                "check_spf also checks the HELO identity (RFC 7208 section 2.3) and rejects with 550 5.7.23 when "
                        + "its result is fail, as policyd-spf's HELO_reject = Fail. With no, only the MAIL FROM "
                        + "identity is checked (for the null sender that is postmaster@HELO).");

        p("spf_dmarc_skip_addresses", NETWORK_LIST, "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128",
                "Client addresses that check_spf and check_dmarc do not check, like policyd-spf's skip_addresses: "
                        + "programs on this host (webmail) that submit mail on behalf of others. Same syntax as mynetworks.");

        // --- DMARC (check_dmarc; docs/dmarc.md) ---
        choice("dmarc_quarantine_action", "hold", List.of("hold", "junk", "accept"),
                "What check_dmarc does with a message whose author domain's DMARC policy is quarantine "
                        + "(RFC 9989): hold keeps it in the queue on hold (as Postfix does for OpenDMARC), junk "
                        + "delivers it with an X-Spam-Flag: YES header for the mailbox to file as junk, accept "
                        + "delivers it (the Authentication-Results header records dmarc=fail).");
        choice("dmarc_tempfail_action", "defer_if_permit", List.of("defer_if_permit", "defer", "dunno"),
                "What check_dmarc does when DNS fails temporarily (DMARC temperror): defer_if_permit replies "
                        + "450 4.7.1 unless a later restriction rejects, defer replies 450 4.7.1 at once, dunno "
                        + "accepts.");

        // --- Queue (QSHAPE_README, postconf(5)) ---
        time("queue_run_delay", "300s", 's', "How often the deferred queue is scanned.");
        time("minimal_backoff_time", "300s", 's', "Minimal time between delivery attempts of a deferred message.");
        time("maximal_backoff_time", "4000s", 's', "Maximal time between delivery attempts of a deferred message.");
        time("maximal_queue_lifetime", "5d", 'd', "Time after which an undeliverable message is bounced.");
        time("bounce_queue_lifetime", "5d", 'd', "Time after which an undeliverable bounce is dropped.");
        time("delay_warning_time", "0h", 'h', "Time after which the sender gets a delay warning (0: never).");
        p("bounce_size_limit", SIZE, "50000",
                "Largest original message returned in full in a non-delivery notification; a larger one is "
                        + "returned as its header only.");
        p("bounce_notice_recipient", STRING, "postmaster",
                "Gets the header of every non-delivery notification when notify_classes has bounce.");
        p("2bounce_notice_recipient", STRING, "postmaster",
                "Gets undeliverable non-delivery notifications (double bounces) when notify_classes has 2bounce.");
        p("delay_notice_recipient", STRING, "postmaster",
                "Gets the header of every delay warning when notify_classes has delay.");
        // --- Address verification (verify(8), ADDRESS_VERIFICATION_README) ---
        p("address_verify_sender", STRING, "$double_bounce_sender",
                "The MAIL FROM of address probes (reject_unverified_sender/recipient); an address without @ gets "
                        + "@$myorigin, <> is the null sender.");
        p("address_verify_poll_count", INTEGER, "3",
                "How many times the SMTP server looks for a probe's result (address_verify_poll_delay apart) before "
                        + "it answers \"unverified address: Address verification in progress\".");
        time("address_verify_poll_delay", "3s", 's', "Time between two looks for a probe's result.");
        time("address_verify_positive_expire_time", "31d", 'd', "How long a deliverable result is kept.");
        time("address_verify_positive_refresh_time", "7d", 'd',
                "Age after which a deliverable result is probed again (the old result is used meanwhile).");
        p("address_verify_negative_cache", BOOLEAN, "yes", "Keep undeliverable results (else every query probes).");
        time("address_verify_negative_expire_time", "3d", 'd', "How long an undeliverable result is kept.");
        time("address_verify_negative_refresh_time", "3h", 'h',
                "Age after which an undeliverable or undecided result is probed again.");
        p("address_verify_map", STRING, "",
                "Postfix keeps probe results in this table; Postern keeps them in memory (lost at restart, probed "
                        + "again), so only the empty value is meaningful.");

        p("double_bounce_sender", STRING, "double-bounce",
                "Sender of the notices to the postmaster; their own failures are only logged, so notices never loop.");
        p("default_destination_concurrency_limit", INTEGER, "20", "Maximal parallel deliveries to one destination.");
        p("default_destination_recipient_limit", INTEGER, "50", "Maximal recipients per delivery.");
        p("default_destination_concurrency_failed_cohort_limit", INTEGER, "1",
                "How many deliveries in a row must fail to reach a destination (connection refused or timed out, "
                        + "greeting refused, connection lost) before it is dead for minimal_backoff_time: its mail is "
                        + "then deferred without a connection attempt (delivery temporarily suspended). 0: never.");

        // --- smtp client (outbound; smtp(8), docs/delivery.md) ---
        p("smtp_bind_address", STRING, "", "Local IPv4 address for outbound SMTP connections.");
        p("smtp_bind_address6", STRING, "", "Local IPv6 address for outbound SMTP connections.");
        p("smtp_helo_name", STRING, "$myhostname", "Host name sent in outbound EHLO/HELO.");
        choice("smtp_address_preference", "any", List.of("any", "ipv4", "ipv6"),
                "Address family tried first when a mail exchanger has both IPv4 and IPv6 addresses.");
        p("smtp_tcp_port", STRING, "smtp",
                "TCP port of remote SMTP servers when the next hop names none: smtp (25), submission (587) or a number.");
        time("smtp_connect_timeout", "30s", 's', "Time limit to connect to a remote SMTP server.");
        time("smtp_helo_timeout", "300s", 's', "Time limit for the remote greeting and EHLO/HELO reply (and AUTH).");
        time("smtp_starttls_timeout", "300s", 's', "Time limit for the STARTTLS reply and the TLS handshake.");
        time("smtp_mail_timeout", "300s", 's', "Time limit for the reply to MAIL FROM.");
        time("smtp_rcpt_timeout", "300s", 's', "Time limit for the reply to RCPT TO.");
        time("smtp_data_init_timeout", "120s", 's', "Time limit for the reply to DATA.");
        time("smtp_data_xfer_timeout", "180s", 's', "Time limit for each write of message content.");
        time("smtp_data_done_timeout", "600s", 's', "Time limit for the reply to the final dot.");
        time("smtp_rset_timeout", "20s", 's', "Time limit for the reply to RSET.");
        time("smtp_quit_timeout", "300s", 's', "Time limit for the reply to QUIT.");
        p("smtp_mx_address_limit", INTEGER, "5",
                "Maximal number of mail exchanger addresses tried per delivery (0: no limit).");
        p("smtp_mx_session_limit", INTEGER, "2",
                "Maximal number of SMTP sessions per delivery before the remaining recipients are deferred (0: no limit).");
        p("smtp_connection_cache_on_demand", BOOLEAN, "yes",
                "Keep an SMTP session open after a delivery for the next message to the same next hop. Postern "
                        + "keeps every finished session for smtp_connection_cache_time_limit, not only under backlog.");
        time("smtp_connection_cache_time_limit", "2s", 's', "How long an idle cached SMTP session is kept.");
        time("smtp_connection_reuse_time_limit", "300s", 's',
                "How long after it was opened a cached SMTP session may still carry new messages.");
        choice("smtp_tls_security_level", "may",
                List.of("", "none", "may", "encrypt", "dane", "dane-only", "fingerprint", "verify", "secure"),
                "TLS for outbound SMTP: none, may (STARTTLS when offered, plaintext otherwise), encrypt (mail waits "
                        + "without STARTTLS), verify or secure (encrypt, and the server certificate must be trusted and "
                        + "match smtp_tls_verify_cert_match or smtp_tls_secure_cert_match), fingerprint (encrypt, and "
                        + "the certificate must have a fingerprint of smtp_tls_fingerprint_cert_match) or dane (= may: "
                        + "no DNSSEC validation). Postfix's default is empty (none); Postern uses may. dane-only is not "
                        + "implemented and refused at start-up.");
        p("smtp_tls_policy_maps", TABLES, "",
                "Per-destination TLS levels, looked up by next hop as written ([host]:port or domain), then by "
                        + "parent domain as .parent; the value is the level (none, may, encrypt, verify, secure, "
                        + "fingerprint, dane), then optionally match=name1:name2 for verify and secure, or "
                        + "match=fp1|fp2 for fingerprint.");
        p("smtp_tls_CAfile", STRING, "",
                "PEM file of CA certificates trusted for the levels verify and secure (and the Trusted log word). "
                        + "When this and smtp_tls_CApath are empty, the JDK's default trust store is used.");
        p("smtp_tls_CApath", STRING, "",
                "Directory of PEM CA certificate files trusted like smtp_tls_CAfile (e.g. /etc/ssl/certs).");
        p("smtp_tls_verify_cert_match", LIST, "hostname",
                "Names the server certificate must match at level verify: hostname (the MX or relay host name), "
                        + "nexthop, dot-nexthop, or literal names (.example.com: any subdomain).");
        p("smtp_tls_secure_cert_match", LIST, "nexthop, dot-nexthop",
                "Names the server certificate must match at level secure: by default the next-hop domain or any "
                        + "subdomain of it, so a forged MX record does not help an attacker.");
        choice("smtp_tls_fingerprint_digest", "sha256", List.of("sha256", "sha1", "md5", "sha224", "sha384", "sha512"),
                "Digest of the server certificate and public-key fingerprints at level fingerprint (Postfix 3.7 "
                        + "at compatibility_level 3.6 and later: sha256; md5 below).");
        p("smtp_tls_fingerprint_cert_match", LIST, "",
                "Fingerprints (colon-separated hex, any case) of the server certificates or public keys accepted "
                        + "at level fingerprint, separated by whitespace, commas or |.");
        p("smtp_sasl_auth_enable", BOOLEAN, "no", "Authenticate to remote servers (e.g. a relayhost) with AUTH PLAIN or LOGIN.");
        p("smtp_sasl_password_maps", TABLES, "",
                "Tables of username:password, looked up by remote host name, then by next hop as written "
                        + "(e.g. [smtp.example.com]:587).");
        p("smtp_sasl_security_options", LIST, "noplaintext, noanonymous",
                "SASL restrictions on connections without TLS. Postern's mechanisms (PLAIN, LOGIN) are plaintext, so "
                        + "the default sends no password in the clear: the mail waits with 4.7.0 instead.");
        p("smtp_sasl_tls_security_options", LIST, "noanonymous",
                "SASL restrictions on TLS-encrypted connections. Postfix's default is $smtp_sasl_security_options; "
                        + "Postern allows PLAIN and LOGIN once TLS is up.");
        p("smtp_sasl_auth_soft_bounce", BOOLEAN, "yes",
                "A failed AUTH (even 5xx) defers the mail instead of bouncing it, so a wrong password does not lose mail.");

        // --- LMTP client (delivery to e.g. Dovecot) ---
        p("lmtp_lhlo_name", STRING, "$myhostname", "Host name sent in LHLO.");
        time("lmtp_connect_timeout", "0s", 's', "Time limit to connect to the LMTP server (0: 30 seconds).");
        choice("lmtp_tls_security_level", "", List.of("", "none", "may", "encrypt", "verify", "secure"),
                "TLS for LMTP connections.");
    }

    private Parameters() {
    }

    /** The definition of a parameter, if Postern knows it. */
    public static Optional<Parameter> get(String name) {
        return Optional.ofNullable(TABLE.get(name));
    }

    public static boolean isKnown(String name) {
        return TABLE.containsKey(name);
    }

    /** Every parameter, in table order (grouped by topic). */
    public static List<Parameter> all() {
        return Collections.unmodifiableList(new ArrayList<>(TABLE.values()));
    }
}
