package org.postern.smtp;

/**
 * Postfix smtpd's fixed replies, with Postfix 3.7's exact texts (reply codes per RFC 5321
 * section 4.2, enhanced codes per RFC 3463 / RFC 2034). Restriction rejects built from access
 * tables and policy results are not here; see the policy layer.
 *
 * <p>Sources: texts marked (lab) were seen on the wire from Debian's Postfix 3.7.11
 * (postfix-baseline.md set-up); the others come from Postfix's smtpd source (3.x tree) and
 * postfix-restrictions.md. Texts marked "unconfirmed" are the best available evidence only.
 */
public final class Replies {
    private Replies() {
    }

    // ---- Positive completions -------------------------------------------------------------

    /** RSET, NOOP, and other commands with nothing to say (smtpd_noop_commands too). (lab) */
    public static final SmtpReply OK = SmtpReply.of(250, "2.0.0", "Ok");
    /** MAIL FROM accepted (RFC 3463 X.1.0: other address status). (lab) */
    public static final SmtpReply MAIL_OK = SmtpReply.of(250, "2.1.0", "Ok");
    /** RCPT TO accepted (RFC 3463 X.1.5: destination address valid). (lab) */
    public static final SmtpReply RCPT_OK = SmtpReply.of(250, "2.1.5", "Ok");
    /** DATA accepted; client sends the content (RFC 5321 section 4.1.1.4). No enhanced code, as Postfix. (lab) */
    public static final SmtpReply START_DATA = SmtpReply.of(354, null, "End data with <CR><LF>.<CR><LF>");
    /** QUIT (RFC 5321 section 4.1.1.10). (lab) */
    public static final SmtpReply BYE = SmtpReply.of(221, "2.0.0", "Bye");
    /** STARTTLS accepted; the TLS handshake follows (RFC 3207 section 4). (lab) */
    public static final SmtpReply READY_TO_START_TLS = SmtpReply.of(220, "2.0.0", "Ready to start TLS");
    /** AUTH succeeded (RFC 4954 section 6). (lab) */
    public static final SmtpReply AUTH_SUCCESSFUL = SmtpReply.of(235, "2.7.0", "Authentication successful");

    // ---- Command syntax and sequence --------------------------------------------------------

    /** An empty or blank command line (Postfix: no tokens). (lab) */
    public static final SmtpReply BAD_SYNTAX = SmtpReply.of(500, "5.5.2", "Error: bad syntax");
    /** A command line that is not valid UTF-8 while smtputf8_enable = yes (RFC 6531). */
    public static final SmtpReply BAD_UTF8_SYNTAX = SmtpReply.of(500, "5.5.2", "Error: bad UTF-8 syntax");
    // Note: a command line over line_length_limit (2048) gets no reply of its own. Postfix 3.7
    // (lab) logs "request longer than 2048" and runs the first 2048 bytes as the command
    // (e.g. "250 2.0.0 Ok" for a long NOOP, "501 5.1.7 Bad sender address syntax" for a long
    // MAIL). postfix-restrictions.md section 7.2's "command too long" was not seen.

    /** Unknown verb, including EXPN and HELP, which Postfix does not implement. (lab: 500, not 502) */
    public static final SmtpReply COMMAND_NOT_RECOGNIZED = SmtpReply.of(500, "5.5.2", "Error: command not recognized");
    /** Known but unavailable commands: STARTTLS when TLS is not configured (lab), BDAT when CHUNKING is discarded. */
    public static final SmtpReply COMMAND_NOT_IMPLEMENTED = SmtpReply.of(502, "5.5.1", "Error: command not implemented");
    /** HTTP-style, header-like and non-letter commands (smtpd_forbidden_commands); the server disconnects. (lab) */
    public static final SmtpReply I_CAN_BREAK_RULES = SmtpReply.of(221, "2.7.0", "Error: I can break rules, too. Goodbye.");
    /** Pipelining before the client may (smtpd_forbid_unauth_pipelining = yes); disconnect follows. */
    public static final SmtpReply PROTOCOL_SYNCHRONIZATION = SmtpReply.of(554, "5.5.0", "Error: SMTP protocol synchronization");

    /** HELO without argument. Postfix gives no enhanced code here. (lab) */
    public static final SmtpReply HELO_SYNTAX = SmtpReply.of(501, null, "Syntax: HELO hostname");
    /** EHLO without argument. Postfix gives no enhanced code here. (lab) */
    public static final SmtpReply EHLO_SYNTAX = SmtpReply.of(501, null, "Syntax: EHLO hostname");
    /** MAIL without "FROM:" or without an address. (lab) */
    public static final SmtpReply MAIL_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    /** RCPT without "TO:" or without an address. */
    public static final SmtpReply RCPT_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");
    /** DATA with an argument. (lab) */
    public static final SmtpReply DATA_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: DATA");
    /** RSET with an argument. (lab) */
    public static final SmtpReply RSET_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: RSET");
    /** STARTTLS with an argument. (lab) */
    public static final SmtpReply STARTTLS_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: STARTTLS");
    /** VRFY without argument. (lab) */
    public static final SmtpReply VRFY_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: VRFY address [SMTPUTF8]");
    /** ETRN without argument; no enhanced code. (lab) */
    public static final SmtpReply ETRN_SYNTAX = SmtpReply.of(500, null, "Syntax: ETRN domain");
    /** AUTH without mechanism, or with more than mechanism and initial response (RFC 4954 section 4). (lab) */
    public static final SmtpReply AUTH_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: AUTH mechanism");
    /**
     * Any malformed BDAT ("BDAT", "BDAT x", "BDAT -1", "BDAT 1 FOO"): the byte stream cannot be
     * followed any more, so the server disconnects (521). (lab)
     */
    public static final SmtpReply BDAT_SYNTAX = SmtpReply.of(521, "5.5.4", "Syntax: BDAT count [LAST]");
    /** "BDAT 0" without LAST (RFC 3030 section 2 allows only "BDAT 0 LAST"). (lab) */
    public static final SmtpReply NULL_BDAT = SmtpReply.of(551, "5.7.1", "Null BDAT request");
    /** XCLIENT from a client not in smtpd_authorized_xclient_hosts. (lab) */
    public static final SmtpReply XCLIENT_NOT_AUTHORIZED = SmtpReply.of(550, "5.7.0", "Error: insufficient authorization");
    /** XCLIENT without attributes. (lab) */
    public static final SmtpReply XCLIENT_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: XCLIENT attribute=value...");
    /** XCLIENT element without "=" or with an empty value. (lab) */
    public static final SmtpReply ATTRIBUTE_VALUE_EXPECTED = SmtpReply.of(501, "5.5.4", "Error: attribute=value expected");

    /** MAIL address that does not parse (RFC 3463 X.1.7: bad sender mailbox syntax). (lab) */
    public static final SmtpReply BAD_SENDER_SYNTAX = SmtpReply.of(501, "5.1.7", "Bad sender address syntax");
    /** RCPT address that does not parse, or {@code <>} (RFC 3463 X.1.3). (lab) */
    public static final SmtpReply BAD_RECIPIENT_SYNTAX = SmtpReply.of(501, "5.1.3", "Bad recipient address syntax");
    /**
     * RFC 6531 section 3.4 reply for UTF-8 content without SMTPUTF8. Not sent at MAIL/RCPT:
     * Postfix 3.7 accepts UTF-8 addresses without SMTPUTF8 there (lab); it is for later stages.
     */
    public static final SmtpReply MUST_DECLARE_SMTPUTF8 = SmtpReply.of(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address");
    /** SIZE= value that is empty or not all digits (RFC 1870 section 6). (lab) */
    public static final SmtpReply BAD_SIZE_SYNTAX = SmtpReply.of(501, "5.5.4", "Bad message size syntax");
    /** SIZE= value too large to represent. (lab) */
    public static final SmtpReply SIZE_EXCEEDS_FS_LIMIT = SmtpReply.of(552, "5.3.4", "Message size exceeds file system imposed limit");
    /** SIZE= value above message_size_limit (RFC 1870 section 6.1; Postfix smtpd_check_size). (lab) */
    public static final SmtpReply SIZE_EXCEEDS_FIXED_LIMIT = SmtpReply.of(552, "5.3.4", "Message size exceeds fixed limit");
    /** RET=, ENVID=, NOTIFY= or ORCPT= while DSN is in smtpd_discard_ehlo_keywords. */
    public static final SmtpReply DSN_DISABLED = SmtpReply.of(501, "5.7.1", "DSN support is disabled");
    /** RET= repeated or not FULL/HDRS (RFC 3461 section 4.3). (lab) */
    public static final SmtpReply BAD_RET = SmtpReply.of(501, "5.5.4", "Bad RET parameter syntax");
    /** ENVID= repeated, bad xtext, or not printable after decoding (RFC 3461 section 4.4). (lab) */
    public static final SmtpReply BAD_ENVID = SmtpReply.of(501, "5.5.4", "Bad ENVID parameter syntax");
    /** NOTIFY= repeated or bad (RFC 3461 section 4.1). (lab) */
    public static final SmtpReply BAD_NOTIFY = SmtpReply.of(501, "5.5.4", "Error: Bad NOTIFY parameter syntax");
    /** ORCPT= repeated or bad (RFC 3461 section 4.2). (lab) */
    public static final SmtpReply BAD_ORCPT = SmtpReply.of(501, "5.5.4", "Error: Bad ORCPT parameter syntax");
    /** A second AUTH= on MAIL FROM after one with an address, SASL on (RFC 4954 section 5). (lab) */
    public static final SmtpReply MULTIPLE_AUTH_OPTIONS = SmtpReply.of(503, "5.5.4", "Error: multiple AUTH= options");

    /** RCPT before MAIL. */
    public static final SmtpReply NEED_MAIL = SmtpReply.of(503, "5.5.1", "Error: need MAIL command");
    /** DATA outside a transaction. */
    public static final SmtpReply NEED_RCPT = SmtpReply.of(503, "5.5.1", "Error: need RCPT command");
    /** MAIL inside a transaction. */
    public static final SmtpReply NESTED_MAIL = SmtpReply.of(503, "5.5.1", "Error: nested MAIL command");
    /** DATA (or BDAT) in a transaction where every RCPT was rejected (pipelining). (lab for BDAT) */
    public static final SmtpReply NO_VALID_RECIPIENTS = SmtpReply.of(554, "5.5.1", "Error: no valid recipients");
    /** smtpd_helo_required = yes and no HELO/EHLO yet. */
    public static final SmtpReply SEND_HELO_FIRST = SmtpReply.of(503, "5.5.1", "Error: send HELO/EHLO first");
    /** AUTH, ETRN or XCLIENT inside a MAIL transaction. (lab for AUTH) */
    public static final SmtpReply MAIL_TRANSACTION_IN_PROGRESS = SmtpReply.of(503, "5.5.1", "Error: MAIL transaction in progress");
    /** MAIL after BDAT in the same transaction (RFC 3030 section 3). */
    public static final SmtpReply MAIL_AFTER_BDAT = SmtpReply.of(503, "5.5.1", "Error: MAIL after BDAT");
    /** RCPT after BDAT in the same transaction (RFC 3030 section 3). (lab) */
    public static final SmtpReply RCPT_AFTER_BDAT = SmtpReply.of(503, "5.5.1", "Error: RCPT after BDAT");
    /** DATA after BDAT in the same transaction (RFC 3030 section 3). */
    public static final SmtpReply DATA_AFTER_BDAT = SmtpReply.of(503, "5.5.1", "Error: DATA after BDAT");

    // ---- VRFY ---------------------------------------------------------------------------------

    /** disable_vrfy_command = yes. */
    public static final SmtpReply VRFY_DISABLED = SmtpReply.of(502, "5.5.1", "VRFY command is disabled");

    // ---- STARTTLS (RFC 3207) ----------------------------------------------------------------------

    /** smtpd_tls_security_level = encrypt and a command other than EHLO/HELO/STARTTLS/NOOP/QUIT/XCLIENT/HELP. (lab) */
    public static final SmtpReply MUST_ISSUE_STARTTLS = SmtpReply.of(530, "5.7.0", "Must issue a STARTTLS command first");
    /** STARTTLS when TLS is configured but cannot start (keys unusable). Without TLS configured: {@link #COMMAND_NOT_IMPLEMENTED}. */
    public static final SmtpReply TLS_NOT_AVAILABLE = SmtpReply.of(454, "4.7.0", "TLS not available due to local problem");
    /** STARTTLS inside TLS (RFC 3207 section 4.2). */
    public static final SmtpReply TLS_ALREADY_ACTIVE = SmtpReply.of(554, "5.5.1", "Error: TLS already active");

    // ---- AUTH (RFC 4954; postfix-restrictions.md section 5.3) ------------------------------------

    /** AUTH when smtpd_sasl_auth_enable = no, or before TLS with smtpd_tls_auth_only. (lab) */
    public static final SmtpReply AUTH_NOT_ENABLED = SmtpReply.of(503, "5.5.1", "Error: authentication not enabled");
    /** A second AUTH after success (RFC 4954 section 4). (lab) */
    public static final SmtpReply ALREADY_AUTHENTICATED = SmtpReply.of(503, "5.5.1", "Error: already authenticated");
    /** The client answered a 334 challenge with "*" (RFC 4954 section 4). (lab) */
    public static final SmtpReply AUTH_ABORTED = SmtpReply.of(501, "5.7.0", "Authentication aborted");
    /** A SASL response line over smtpd_sasl_response_limit (12288). */
    public static final SmtpReply SASL_RESPONSE_TOO_LONG = SmtpReply.of(500, "5.5.6", "SASL response limit exceeded");
    /** The mechanism needs TLS (RFC 4954 section 6). */
    public static final SmtpReply ENCRYPTION_REQUIRED = SmtpReply.of(504, "5.5.4", "Encryption required for requested authentication mechanism");
    /** Wrong credentials, or a malformed PLAIN message, with Postfix's Dovecot SASL back end. (lab) */
    public static final SmtpReply AUTH_FAILED = authFailed("(reason unavailable)");
    /** AUTH with a mechanism the server does not offer (Dovecot back end). (lab) */
    public static final SmtpReply INVALID_MECHANISM = authFailed("Invalid authentication mechanism");

    // ---- End of data ---------------------------------------------------------------------------

    /** DATA/BDAT content over message_size_limit. (lab) */
    public static final SmtpReply MESSAGE_TOO_BIG = SmtpReply.of(552, "5.3.4", "Error: message file too big");
    /** A BDAT chunk would pass message_size_limit. */
    public static final SmtpReply CHUNK_TOO_BIG = SmtpReply.of(552, "5.3.4", "Chunk exceeds message size limit");
    /** Received: headers (with the server's own) reach hopcount_limit (RFC 5321 section 6.3 loop detection). (lab) */
    public static final SmtpReply TOO_MANY_HOPS = SmtpReply.of(554, "5.4.0", "Error: too many hops");
    /** The queue file could not be written. */
    public static final SmtpReply QUEUE_FILE_WRITE_ERROR = SmtpReply.of(451, "4.3.0", "Error: queue file write error");
    /**
     * No room in the queue file system: at MAIL FROM below queue_minfree or 1.5 x
     * message_size_limit (Postfix smtpd_check_queue), and when the disk fills while a message
     * is being stored (RFC 5321 section 4.2.3 452 "insufficient system storage", RFC 3463
     * X.3.1 "mail system full"; Postfix says 451 4.3.0 queue file write error there).
     */
    public static final SmtpReply INSUFFICIENT_STORAGE = SmtpReply.of(452, "4.3.1", "Insufficient system storage");
    /** RCPT over smtpd_recipient_limit. */
    public static final SmtpReply TOO_MANY_RECIPIENTS = SmtpReply.of(452, "4.5.3", "Error: too many recipients");

    // ---- Factories for replies with a variable part --------------------------------------------

    /** The greeting: {@code 220 $smtpd_banner} (RFC 5321 section 4.3.1; no enhanced code before EHLO). */
    public static SmtpReply greeting(String banner) {
        return SmtpReply.of(220, null, banner);
    }

    /** The HELO reply: {@code 250 $myhostname}. (lab) */
    public static SmtpReply helo(String myHostname) {
        return SmtpReply.of(250, null, myHostname);
    }

    /** VRFY answer: {@code 252 2.0.0 <argument as given>} (RFC 5321 section 3.5.3: cannot verify, will accept). (lab) */
    public static SmtpReply vrfy(String argument) {
        return SmtpReply.of(252, "2.0.0", argument);
    }

    /** End of data accepted: {@code 250 2.0.0 Ok: queued as QUEUEID}. (lab) */
    public static SmtpReply queued(String queueId) {
        return SmtpReply.of(250, "2.0.0", "Ok: queued as " + queueId);
    }

    /** Idle timeout: {@code 421 4.4.2 $myhostname Error: timeout exceeded}; disconnect follows. */
    public static SmtpReply timeout(String myHostname) {
        return SmtpReply.of(421, "4.4.2", myHostname + " Error: timeout exceeded");
    }

    /** smtpd_hard_error_limit reached: {@code 421 4.7.0 $myhostname Error: too many errors}. */
    public static SmtpReply tooManyErrors(String myHostname) {
        return SmtpReply.of(421, "4.7.0", myHostname + " Error: too many errors");
    }

    /**
     * smtpd_forbid_bare_newline = reject: {@code 550 5.5.2 $myhostname Error: bare <LF> received}
     * (code from smtpd_forbid_bare_newline_reject_code, default 550). In a command the server then
     * disconnects; in DATA it is the end-of-data reply and the session goes on. (lab)
     */
    public static SmtpReply bareLf(int code, String myHostname) {
        return SmtpReply.of(code, code >= 500 ? "5.5.2" : "4.5.2", myHostname + " Error: bare <LF> received");
    }

    /** A MAIL or RCPT parameter that is unknown or not enabled. (lab) */
    public static SmtpReply unsupportedOption(String parameter) {
        return SmtpReply.of(555, "5.5.4", "Unsupported option: " + parameter);
    }

    /** AUTH failure with the back end's reason text (RFC 4954 section 6: 535 5.7.8). */
    public static SmtpReply authFailed(String reason) {
        return SmtpReply.of(535, "5.7.8", "Error: authentication failed: " + reason);
    }

    /** Temporary AUTH failure (RFC 4954 section 6: 454 4.7.0). */
    public static SmtpReply authTemporaryFailure(String reason) {
        return SmtpReply.of(454, "4.7.0", "Temporary authentication failure: " + reason);
    }

    /** A SASL challenge: {@code 334 base64} (RFC 4954 section 4); empty text gives "334 ". */
    public static SmtpReply challenge(String base64) {
        return SmtpReply.of(334, null, base64);
    }

    /** XCLIENT attribute with a bad value (ADDR, NAME, PROTO, PORT ...): {@code 501 5.5.4 Bad NAME syntax: value}. */
    public static SmtpReply badXclientValue(String name, String value) {
        return SmtpReply.of(501, "5.5.4", "Bad " + name + " syntax: " + value);
    }

    /** XCLIENT attribute name that is not known. (lab) */
    public static SmtpReply badXclientName(String name) {
        return SmtpReply.of(501, "5.5.4", "Bad XCLIENT attribute name: " + name);
    }
}
