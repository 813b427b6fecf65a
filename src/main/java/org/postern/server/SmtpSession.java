package org.postern.server;

import org.postern.metrics.Metrics;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.postern.authres.AuthenticationResults;
import org.postern.authres.AuthservId;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dkim.SignatureResult;
import org.postern.dmarc.DmarcVerdict;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.log.MailLog;
import org.postern.lookup.Ips;
import org.postern.log.PostfixLayout;
import org.postern.policy.Decision;
import org.postern.policy.NameStatus;
import org.postern.policy.PolicyReply;
import org.postern.policy.PolicySession;
import org.postern.policy.SessionFacts;
import org.postern.policy.SpfOutcome;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Spool;
import org.postern.queue.SpoolWriter;
import org.postern.smtp.AuthCommand;
import org.postern.smtp.BareNewline;
import org.postern.smtp.BdatCommand;
import org.postern.smtp.BdatReader;
import org.postern.smtp.CommandReader;
import org.postern.smtp.ContentResult;
import org.postern.smtp.DataReader;
import org.postern.smtp.EhloKeywords;
import org.postern.smtp.EnvelopeOptions;
import org.postern.smtp.MailFrom;
import org.postern.smtp.RcptTo;
import org.postern.smtp.Replies;
import org.postern.smtp.Sasl;
import org.postern.smtp.SmtpCommand;
import org.postern.smtp.SmtpReply;
import org.postern.smtp.SmtpSyntaxException;
import org.postern.smtp.XclientAttribute;
import org.postern.tls.ClientCertificate;
import org.postern.tls.TlsFacts;
import org.postern.tls.TlsProtocols;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * One SMTP server session (Postfix's smtpd for one client), run on its own virtual thread with a
 * blocking socket: the code reads top to bottom like RFC 5321.
 *
 * <p>What it owns: the protocol state (HELO, TLS, AUTH, the MAIL transaction), the replies and
 * their Postfix texts, the pipelining and STARTTLS-injection defences, error counting and the
 * Postfix log lines of a session. What it asks others: the {@link PolicySession} for every
 * restriction decision, {@link Authenticator} for logins, the spool to make a message durable
 * before its 250 ({@link SpoolWriter#commit}).
 */
public final class SmtpSession implements Runnable, SessionFacts {

    private static final Logger LOG = MailLog.logger("smtpd");
    private static final Set<String> FORBIDDEN_COMMANDS = SmtpCommand.DEFAULT_FORBIDDEN;
    private static final String XCLIENT_ATTRIBUTES = "NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT";

    private final ServerContext context;
    private final ListenerSettings settings;
    private Socket socket;
    private CommandReader in;
    private OutputStream out;
    private final PolicySession policy;
    private final DataReader dataReader;
    private final BdatReader bdatReader;

    // The client, as connected or as set by XCLIENT.
    private InetAddress clientInet;
    private String clientAddress;
    private int clientPort;
    private String clientName = "unknown";
    private NameStatus clientNameStatus = NameStatus.PERM;
    private String reverseClientName = "unknown";
    private NameStatus reverseClientNameStatus = NameStatus.PERM;
    private String serverAddress;
    private int serverPort;

    // Session state.
    private String helo;
    private boolean esmtp;
    /**
     * The protocol name for logs and policy (SMTP or ESMTP): the last HELO/EHLO's (or XCLIENT
     * PROTO's). Unlike {@link #esmtp} it survives STARTTLS, as in Postfix, whose log lines after
     * STARTTLS still say proto=ESMTP before the client's new EHLO (Postfix 3.7 lab).
     */
    private String protocolName = "SMTP";
    private TlsFacts tls;
    private String saslMethod;
    private String saslUsername;
    private boolean saslByXclient;
    private boolean illegalPipelining;
    // Graceful stop: a session waiting for a command is told 421 at once; one receiving a
    // message gets the grace period to finish it.
    private volatile boolean waitingForCommand;
    /** smtpd_timeout for plaintext reads; null once TLS is on (SO_TIMEOUT then). */
    private volatile ReadDeadline readDeadline;
    private volatile boolean stopping;
    private int errors;
    private String lastCommand = "CONNECT";
    private final Map<String, int[]> counts = new LinkedHashMap<>();

    // The MAIL transaction.
    private MailFrom mail;
    private final List<RcptTo> recipients = new ArrayList<>();
    private SpoolWriter writer;
    private OutputStream content;   // where the client's content goes: the inbound filter
    private OutgoingSigner signer;  // between the filter and the writer for our users' mail, else null
    private InboundFilter inbound;
    private InboundFilter.Result message;   // known at the end of the content
    private boolean bdatStarted;
    private SmtpReply bdatFailure;
    private String instance;
    private int transactions;
    private Decision.Actions actions = Decision.Actions.NONE;

    public SmtpSession(ServerContext context, ListenerSettings settings, Socket socket) {
        this.context = context;
        this.settings = settings;
        this.socket = socket;
        this.policy = context.policies().apply(settings);
        this.dataReader = new DataReader(settings.bareNewline(), settings.messageSizeLimit());
        this.bdatReader = new BdatReader(settings.messageSizeLimit());
    }

    // ---- Facts for the policy engine and the Received header ----------------------------------------

    @Override
    public List<HeaderField> messageHeaders() {
        return message == null ? null : message.headers();
    }

    @Override
    public DkimVerification dkimVerification() {
        return message == null ? null : message.dkim();
    }

    public String clientAddress() {
        return clientAddress;
    }

    public InetAddress clientInet() {
        return clientInet;
    }

    public int clientPort() {
        return clientPort;
    }

    public String clientName() {
        return clientName;
    }

    public NameStatus clientNameStatus() {
        return clientNameStatus;
    }

    public String reverseClientName() {
        return reverseClientName;
    }

    public NameStatus reverseClientNameStatus() {
        return reverseClientNameStatus;
    }

    public String serverAddress() {
        return serverAddress;
    }

    public int serverPort() {
        return serverPort;
    }

    public String heloName() {
        return helo;
    }

    public String protocol() {
        return protocolName;
    }

    public TlsFacts tls() {
        return tls;
    }

    @Override
    public boolean tlsActive() {
        return tls != null;
    }

    @Override
    public String tlsProtocol() {
        return tls == null ? null : tls.protocol();
    }

    @Override
    public String tlsCipher() {
        return tls == null ? null : tls.cipherSuite();
    }

    @Override
    public int tlsCipherBits() {
        return tls == null ? 0 : tls.cipherBits();
    }

    private ClientCertificate clientCert() {
        return tls == null ? null : tls.clientCert();
    }

    @Override
    public String ccertFingerprint() {
        return clientCert() == null ? null : clientCert().fingerprint();
    }

    @Override
    public String ccertPubkeyFingerprint() {
        return clientCert() == null ? null : clientCert().publicKeyFingerprint();
    }

    @Override
    public String ccertSubject() {
        return clientCert() == null ? null : clientCert().subjectCn();
    }

    @Override
    public String ccertIssuer() {
        return clientCert() == null ? null : clientCert().issuerCn();
    }

    @Override
    public boolean ccertTrusted() {
        return clientCert() != null && clientCert().trusted();
    }

    @Override
    public String etrnDomain() {
        return null;
    }

    public String saslMethod() {
        return saslMethod;
    }

    public String saslUsername() {
        return saslUsername;
    }

    /** True when the login came from a real AUTH, not from XCLIENT LOGIN= (section 13). */
    public boolean saslAuthenticated() {
        return saslUsername != null && !saslByXclient;
    }

    public String saslSender() {
        return mail == null ? null : mail.authDecoded();
    }

    public boolean illegalPipelining() {
        return illegalPipelining;
    }

    public String queueId() {
        return writer == null ? null : writer.queueId();
    }

    public String instance() {
        return instance;
    }

    /** MAIL FROM address, "" for the null sender, null outside a transaction. */
    /** The sender in Postfix's internal (unquoted) form, as restrictions, replies and logs use it (lab). */
    public String sender() {
        return mail == null ? null : mail.sender().isNull() ? "" : internalForm(mail.sender());
    }

    private static String internalForm(org.postern.mail.MailAddress a) {
        return a.domain().isEmpty() ? a.localPart() : a.localPart() + "@" + a.domain();
    }

    /** The recipient of the RCPT command being checked. */
    private String currentRecipient;

    public String recipient() {
        return currentRecipient;
    }

    public int recipientCount() {
        return recipients.size();
    }

    public long messageSize() {
        return mail == null ? 0 : Math.max(0, mail.size());
    }

    public ListenerSettings settings() {
        return settings;
    }

    /** {@code name[address]}, as Postfix writes the client in logs and replies. */
    public String clientNameAddress() {
        return clientName + "[" + clientAddress + "]";
    }

    // ---- The session ----------------------------------------------------------------------------------

    @Override
    public void run() {
        MDC.put(PostfixLayout.MDC_SYSLOG_NAME, settings.syslogName());
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        setClient(remote.getAddress(), remote.getPort());
        serverAddress = socket.getLocalAddress().getHostAddress();
        serverPort = socket.getLocalPort();
        String counted = null;   // the address counted by the limits: XCLIENT may change clientAddress later
        try {
            socket.setTcpNoDelay(true);
            lookUpClientName();
            LOG.info("connect from {}", clientNameAddress());
            ClientLimits.Refusal refusal = context.limits().acquire(clientAddress, settings.connectionCountLimit(),
                    settings.connectionRateLimit(), settings.rateUnit(), settings.eventLimitExceptions().contains(clientInet));
            readDeadline = new ReadDeadline(socket, socket.getInputStream(), settings.timeout());
            in = new CommandReader(readDeadline);
            out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            if (refusal != null) {
                refuse(refusal);
                return;
            }
            counted = clientAddress;
            if (settings.wrapperMode() && !startTls(false)) {
                return;
            }
            serve();
        } catch (SocketTimeoutException e) {
            // smtpd_timeout while reading anything but a command line (message content, an
            // AUTH response): Postfix logs "timeout after DATA (N bytes)" and answers 421.
            LOG.info("timeout after {}{} from {}", lastCommand, bytesSoFar(), clientNameAddress());
            try {
                send(Replies.timeout(settings.myHostname()));
                out.flush();
            } catch (IOException ignored) {
                // the client is gone as well
            }
        } catch (LostConnection e) {
            // already logged where it happened, with the byte count
        } catch (IOException e) {
            // A reset connection ends here, not in the readers' end-of-stream path.
            LOG.info("lost connection after {}{} from {}", lastCommand, bytesSoFar(), clientNameAddress());
        } finally {
            abortTransaction();
            if (counted != null) {
                context.limits().release(counted);
            }
            closeQuietly();
            LOG.info("disconnect from {}{}", clientNameAddress(), countsText());
            MDC.remove(PostfixLayout.MDC_SYSLOG_NAME);
        }
    }

    /** The client went away in the middle of message content; the log line is written. */
    private static final class LostConnection extends IOException {
        LostConnection(String message) {
            super(message);
        }
    }

    /** " (N bytes)" of content received so far in DATA/BDAT, as Postfix's timeout/lost connection lines. */
    private String bytesSoFar() {
        return writer != null && (lastCommand.equals("DATA") || lastCommand.equals("BDAT"))
                ? " (" + writer.size() + " bytes)" : "";
    }

    private void refuse(ClientLimits.Refusal refusal) throws IOException {
        String text = switch (refusal) {
            case TOO_MANY_CONNECTIONS -> "Error: too many connections from " + clientAddress;
            case CONNECTION_RATE -> "Error: too many connections from " + clientAddress;
            case SERVER_FULL -> "Error: too many connections, try again later";
        };
        String dsn = refusal == ClientLimits.Refusal.SERVER_FULL ? "4.3.2" : "4.7.0";
        LOG.warn("{}: {} from {} for service {}", refusal == ClientLimits.Refusal.CONNECTION_RATE
                ? "Connection rate limit exceeded" : "Connection concurrency limit exceeded",
                refusal == ClientLimits.Refusal.SERVER_FULL ? "server full" : "limit", clientNameAddress(), settings.name());
        send(SmtpReply.of(421, dsn, settings.myHostname() + " " + text));
        out.flush();
    }

    private void serve() throws IOException {
        // Pregreet: a client that talks before the greeting is not a patient SMTP client (not
        // checked with wrapper mode, where TLS comes first; postfix-restrictions.md 7.2).
        if (!settings.wrapperMode() && in.hasPendingInput()) {
            flagPipelining("CONNECT");
        }
        Decision connect = policy.connect(this);
        log(connect);
        if (!connect.accepted()) {
            // With smtpd_delay_reject = no the greeting itself is the reject; afterwards every
            // command but QUIT gets 503 (postfix-restrictions.md 1.6).
            send(reply(connect));
            out.flush();
            if (connect.disconnect()) {
                return;
            }
            rejectAllCommands();
            return;
        }
        send(Replies.greeting(settings.banner()));
        out.flush();
        while (true) {
            CommandReader.Line line;
            try {
                waitingForCommand = true;
                if (stopping) {
                    shuttingDown();
                    return;
                }
                line = in.readLine(settings.lineLengthLimit(), settings.bareNewline());
            } catch (SocketTimeoutException e) {
                LOG.info("timeout after {} from {}", lastCommand, clientNameAddress());
                send(Replies.timeout(settings.myHostname()));
                out.flush();
                return;
            } finally {
                waitingForCommand = false;
            }
            if (line == null) {
                if (stopping) {
                    shuttingDown();
                } else {
                    LOG.info("lost connection after {} from {}", lastCommand, clientNameAddress());
                }
                return;
            }
            if (!handle(line)) {
                return;
            }
            if (!in.hasBufferedInput()) {
                out.flush();
            }
        }
    }

    /** After a connect-time reject: read commands, answer 503 to all but QUIT. */
    private void rejectAllCommands() throws IOException {
        SmtpReply denied = SmtpReply.of(503, "5.7.0", "Error: access denied for " + clientNameAddress());
        while (true) {
            CommandReader.Line line = in.readLine(settings.lineLengthLimit(), settings.bareNewline());
            if (line == null) {
                return;
            }
            SmtpCommand c = SmtpCommand.parse(line);
            if (c.verb() == SmtpCommand.Verb.QUIT) {
                send(Replies.BYE);
                out.flush();
                return;
            }
            if (!error(denied)) {
                return;
            }
            out.flush();
        }
    }

    /** Handles one command line; false ends the session. */
    private boolean handle(CommandReader.Line line) throws IOException {
        if (line.tooLong()) {
            // Postfix 3.7 (lab) sends no error for an over-long command line: it logs it and runs
            // the first line_length_limit bytes as the command.
            LOG.warn("{}: request longer than {} bytes", clientNameAddress(), settings.lineLengthLimit());
        }
        if (line.bareLf() && settings.bareNewline() == BareNewline.REJECT
                && !settings.bareNewlineExclusions().contains(clientInet)) {
            // smtpd_forbid_bare_newline = reject: reply and disconnect (postfix-restrictions.md 7.1).
            SmtpReply reply = Replies.bareLf(settings.bareNewlineRejectCode(), settings.myHostname());
            LOG.info("NOQUEUE: reject: {} from {}: {}{}", commandName(SmtpCommand.parse(line)), clientNameAddress(), reply,
                    logSuffix(null));
            send(reply);
            out.flush();
            return false;
        }
        SmtpCommand command = SmtpCommand.parse(line);
        if (command.isNonSmtp(FORBIDDEN_COMMANDS)) {
            LOG.warn("non-SMTP command from {}: {}", clientNameAddress(), printable(line.toString(), 100));
            send(Replies.I_CAN_BREAK_RULES);
            out.flush();
            return false;
        }
        String name = commandName(command);
        lastCommand = name;
        // RFC 2920 section 3.1 and Postfix: a command that ends a pipelined group, or any command
        // before EHLO, must be the last thing the client sent.
        if (!illegalPipelining && in.hasBufferedInput() && (!esmtp || endsGroup(command.verb()))) {
            flagPipelining(name);
        }
        // The flag is per session: a pregreet (flagged before this command) counts too
        // (postfix-restrictions.md 7.2: 554 and disconnect with smtpd_forbid_unauth_pipelining).
        if (illegalPipelining && settings.forbidUnauthPipelining()) {
            send(asPostfixSends(Replies.PROTOCOL_SYNCHRONIZATION));
            out.flush();
            return false;
        }
        if (settings.tlsLevel() == ListenerSettings.TlsLevel.ENCRYPT && tls == null && !allowedBeforeTls(command.verb())) {
            count(name.toLowerCase(Locale.ROOT), false);
            return error(Replies.MUST_ISSUE_STARTTLS);
        }
        return switch (command.verb()) {
            case HELO -> helo(command, false);
            case EHLO -> helo(command, true);
            case STARTTLS -> starttls(command);
            case AUTH -> auth(command);
            case MAIL -> mail(command);
            case RCPT -> rcpt(command);
            case DATA -> data(command);
            case BDAT -> bdat(command);
            case RSET -> rset(command);
            case NOOP -> simple("noop", Replies.OK);
            case QUIT -> quit();
            case VRFY -> vrfy(command);
            case ETRN -> {
                count("etrn", false);
                yield error(Replies.COMMAND_NOT_IMPLEMENTED);
            }
            case XCLIENT -> xclient(command);
            // Postfix's smtpd implements neither EXPN nor HELP: both are unknown commands.
            case HELP, EXPN, UNKNOWN -> {
                count("unknown", false);
                yield error(Replies.COMMAND_NOT_RECOGNIZED);
            }
            case NONE -> {   // an empty line (Postfix 3.7 lab)
                count("unknown", false);
                yield error(Replies.BAD_SYNTAX);
            }
        };
    }

    /**
     * Postfix's "must end a pipelined group" commands (postfix-restrictions.md 7.2): EHLO, HELO,
     * DATA, NOOP, VRFY. Not STARTTLS: plaintext sent after it is discarded instead (RFC 3207
     * section 4), as Postfix does; flagging it would drop clients Postfix serves. Not AUTH or
     * QUIT either, as in Postfix's command table.
     */
    private static boolean endsGroup(SmtpCommand.Verb verb) {
        return switch (verb) {
            case EHLO, HELO, DATA, NOOP, VRFY -> true;
            default -> false;
        };
    }

    private static boolean allowedBeforeTls(SmtpCommand.Verb verb) {
        // postfix-restrictions.md 5.2: with level encrypt only these work before STARTTLS.
        return switch (verb) {
            case EHLO, HELO, STARTTLS, NOOP, QUIT, XCLIENT, HELP -> true;
            default -> false;
        };
    }

    private void flagPipelining(String after) {
        illegalPipelining = true;
        byte[] pending;
        try {
            // Before the greeting the client's bytes may still be in the socket (pregreet).
            pending = in.peekPending(100);
        } catch (IOException e) {
            pending = in.peekBuffered(100);
        }
        LOG.info("improper command pipelining after {} from {}: {}", after, clientNameAddress(),
                printable(new String(pending, StandardCharsets.ISO_8859_1), 100));
    }

    // ---- HELO / EHLO --------------------------------------------------------------------------------

    private boolean helo(SmtpCommand command, boolean extended) throws IOException {
        String name = extended ? "ehlo" : "helo";
        String argument;
        try {
            argument = command.helloName();
        } catch (SmtpSyntaxException e) {
            count(name, false);
            return error(e.reply());
        }
        // RFC 5321 section 4.1.4: HELO/EHLO resets the transaction.
        abortTransaction();
        helo = argument;
        esmtp = extended;
        protocolName = extended ? "ESMTP" : "SMTP";
        Decision verdict = policy.helo(this);
        log(verdict);
        if (!verdict.accepted()) {
            helo = null;
            count(name, false);
            return reject(verdict);
        }
        helo = neuteredHelo(argument);
        count(name, true);
        if (!extended) {
            send(Replies.helo(settings.myHostname()));
            return true;
        }
        EhloKeywords keywords = EhloKeywords.forHost(settings.myHostname())
                .sizeLimit(settings.messageSizeLimit())
                .vrfy(!settings.vrfyDisabled())
                .etrn(false)
                .starttls(offerStarttls())
                .smtputf8(settings.smtputf8())
                .discard(settings.discardEhloKeywords());
        if (authOffered()) {
            keywords.auth(Sasl.MECHANISMS, settings.brokenSaslClients());
        }
        if (settings.xclientHosts().contains(clientInet)) {
            keywords.xclient(XCLIENT_ATTRIBUTES);
        }
        EhloKeywords.Result result = keywords.build();
        if (!result.discarded().isEmpty() && !result.silent()) {
            LOG.info("discarding EHLO keywords: {}", String.join(" ", result.discarded()));
        }
        send(result.reply());
        return true;
    }

    private boolean offerStarttls() {
        return context.tls() != null && tls == null && settings.tlsLevel() != ListenerSettings.TlsLevel.NONE;
    }

    /** AUTH is offered when SASL is on, and TLS is up or not required for AUTH (smtpd_tls_auth_only). */
    private boolean authOffered() {
        return settings.saslEnabled() && saslUsername == null
                && (tls != null || !settings.tlsAuthOnly())
                && !settings.saslExceptions().contains(clientInet);
    }

    // ---- STARTTLS (RFC 3207) ---------------------------------------------------------------------

    private boolean starttls(SmtpCommand command) throws IOException {
        if (command.hasArgument()) {
            count("starttls", false);
            return error(Replies.STARTTLS_SYNTAX);
        }
        if (tls != null) {
            count("starttls", false);
            return error(Replies.TLS_ALREADY_ACTIVE);
        }
        if (context.tls() == null || settings.tlsLevel() == ListenerSettings.TlsLevel.NONE) {
            count("starttls", false);
            return error(Replies.COMMAND_NOT_IMPLEMENTED);
        }
        count("starttls", true);
        send(Replies.READY_TO_START_TLS);
        out.flush();
        // RFC 3207 section 4 / CVE-2011-0411: anything the client sent after STARTTLS in
        // plaintext must not be read as if it came through TLS.
        int discarded = in.discardBuffered();
        if (discarded > 0) {
            LOG.info("{}: discarding {} bytes of plaintext sent after STARTTLS", clientNameAddress(), discarded);
        }
        return startTls(true);
    }

    /** Handshake on the current socket; false ends the session. */
    private boolean startTls(boolean starttls) throws IOException {
        TlsProtocols protocols = settings.tlsProtocols();
        SSLSocket ssl;
        try {
            // From here on the socket's own timeout guards the reads (see ReadDeadline).
            readDeadline = null;
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
            ssl = context.tls().wrap(socket, protocols, settings.clientCerts());
            tls = org.postern.tls.ServerTls.handshake(ssl, settings.clientCerts());
        } catch (IOException e) {
            LOG.info("SSL_accept error from {}: {}", clientNameAddress(), e.getMessage());
            LOG.info("lost connection after {} from {}", starttls ? "STARTTLS" : "CONNECT", clientNameAddress());
            return false;
        }
        socket = ssl;
        in.switchTo(ssl.getInputStream());
        out = new BufferedOutputStream(ssl.getOutputStream(), 4096);
        ClientCertificate cert = tls.clientCert();
        if (cert != null && !cert.trusted()) {
            LOG.info("certificate verification failed for {}: {}", clientNameAddress(), cert.problem());
        }
        LOG.info("{} TLS connection established from {}: {}", tls.trustWord(), clientNameAddress(), tls.summary());
        if (settings.clientCerts().require() && (cert == null || !cert.trusted())) {
            // Postfix 3.7 lab, smtpd_tls_req_ccert = yes at level encrypt: 421 straight after the
            // handshake, before the client's next command.
            String why = cert == null ? "No client certificate presented" : "Client certificate not trusted";
            LOG.info("NOQUEUE: abort: TLS from {}: {}", clientNameAddress(), why);
            send(asPostfixSends(SmtpReply.of(421, "4.7.1", settings.myHostname() + " Error: " + why)));
            out.flush();
            return false;
        }
        // RFC 3207 section 4.2: the client must start over with EHLO; forget what it said before.
        helo = null;
        esmtp = false;
        if (!saslByXclient) {
            saslUsername = null;
            saslMethod = null;
        }
        abortTransaction();
        return true;
    }

    // ---- AUTH (RFC 4954) -----------------------------------------------------------------------

    private boolean auth(SmtpCommand command) throws IOException {
        if (!settings.saslEnabled() || tls == null && settings.tlsAuthOnly()) {
            count("auth", false);
            return error(Replies.AUTH_NOT_ENABLED);
        }
        if (helo == null || !esmtp) {
            count("auth", false);
            return error(Replies.SEND_HELO_FIRST);
        }
        if (saslUsername != null && !saslByXclient) {
            count("auth", false);
            return error(Replies.ALREADY_AUTHENTICATED);
        }
        if (mail != null) {
            count("auth", false);
            return error(Replies.MAIL_TRANSACTION_IN_PROGRESS);
        }
        AuthCommand auth;
        try {
            auth = command.auth();
        } catch (SmtpSyntaxException e) {
            count("auth", false);
            return error(e.reply());
        }
        Sasl.Exchange exchange = Sasl.start(auth.mechanism());
        if (exchange == null) {
            count("auth", false);
            return error(Replies.authFailed("Invalid authentication mechanism"));
        }
        if (context.authThrottle().blocked(clientAddress)) {
            count("auth", false);
            LOG.warn("{}: SASL {} authentication refused: too many failed logins from this address",
                    clientNameAddress(), auth.mechanism());
            return error(Replies.authTemporaryFailure("too many failed logins from your address, try again later"));
        }
        Sasl.Step step = exchange.start(auth.initialResponse());
        while (step instanceof Sasl.Challenge challenge) {
            send(challenge.reply());
            out.flush();
            CommandReader.Line line = in.readLine(12288, BareNewline.NORMALIZE);
            if (line == null) {
                throw new IOException("lost connection during AUTH");
            }
            if (line.tooLong()) {
                count("auth", false);
                return error(Replies.SASL_RESPONSE_TOO_LONG);
            }
            step = exchange.next(line.toString());
        }
        if (step instanceof Sasl.Failed failed) {
            count("auth", false);
            Metrics.SMTPD_AUTH_FAILURES.inc(settings.name());
            LOG.warn("{}: SASL {} authentication failed: {}", clientNameAddress(), auth.mechanism(),
                    failed.reply().text());
            return error(failed.reply());
        }
        Sasl.Credentials credentials = ((Sasl.Done) step).credentials();
        char[] password = credentials.password().toCharArray();
        Authenticator.Result result;
        try {
            result = credentials.authzid().isEmpty() || credentials.authzid().equalsIgnoreCase(credentials.authcid())
                    ? context.authenticator().authenticate(credentials.authcid(), password)
                    : Authenticator.Result.FAILED;   // no proxy authorization (RFC 4616 authzid)
        } finally {
            Arrays.fill(password, '\0');
        }
        switch (result) {
            case OK -> {
                saslUsername = credentials.authcid().toLowerCase(Locale.ROOT);
                saslMethod = auth.mechanism();
                saslByXclient = false;
                count("auth", true);
                send(Replies.AUTH_SUCCESSFUL);
                return true;
            }
            case TEMPORARY_FAILURE -> {
                count("auth", false);
                return error(Replies.authTemporaryFailure("account store not available"));
            }
            default -> {
                context.authThrottle().failed(clientAddress);
                count("auth", false);
                Metrics.SMTPD_AUTH_FAILURES.inc(settings.name());
                // The line fail2ban's postfix filter matches.
                LOG.warn("{}: SASL {} authentication failed: authentication failure, sasl_username={}",
                        clientNameAddress(), auth.mechanism(), printable(credentials.authcid(), 100));
                sleepBeforeReply();
                return error(Replies.AUTH_FAILED);
            }
        }
    }

    // ---- MAIL / RCPT ---------------------------------------------------------------------------

    private EnvelopeOptions envelopeOptions() {
        boolean dsn = !settings.discardEhloKeywords().discards("DSN");
        return new EnvelopeOptions(false, settings.smtputf8(), dsn, settings.saslEnabled());
    }

    private boolean mail(SmtpCommand command) throws IOException {
        if (settings.heloRequired() && helo == null) {
            count("mail", false);
            return error(Replies.SEND_HELO_FIRST);
        }
        if (mail != null) {
            count("mail", false);
            return error(Replies.NESTED_MAIL);
        }
        MailFrom parsed;
        try {
            parsed = command.mailFrom(envelopeOptions());
        } catch (SmtpSyntaxException e) {
            count("mail", false);
            return error(e.reply());
        }
        if (settings.messageSizeLimit() > 0 && parsed.size() > settings.messageSizeLimit()) {
            count("mail", false);
            return error(Replies.SIZE_EXCEEDS_FIXED_LIMIT);
        }
        if (!queueHasRoom()) {
            count("mail", false);
            return error(Replies.INSUFFICIENT_STORAGE);
        }
        mail = parsed;
        instance = Long.toHexString(System.nanoTime()) + "." + (++transactions);
        policy.resetTransaction();
        Decision verdict = policy.mail(this);
        log(verdict);
        if (!verdict.accepted()) {
            mail = null;
            count("mail", false);
            return reject(verdict);
        }
        count("mail", true);
        send(Replies.MAIL_OK);
        return true;
    }

    /**
     * Postfix's smtpd_check_queue ({@link QueueSpace}); logs the refusal as Postfix does. A
     * file system that cannot report its free space does not stop mail.
     */
    private boolean queueHasRoom() {
        long free;
        try {
            free = context.spool().usableSpace();
        } catch (IOException e) {
            LOG.warn("cannot find the free space of the mail queue: {}", e.getMessage());
            return true;
        }
        if (QueueSpace.enough(free, settings.queueMinfree(), settings.messageSizeLimit())) {
            return true;
        }
        LOG.info("NOQUEUE: reject: MAIL from {}: {}{}", clientNameAddress(), Replies.INSUFFICIENT_STORAGE, logSuffix(null));
        LOG.warn("not enough free space in mail queue: {} bytes < {}*message size limit", free, QueueSpace.SIZE_LIMIT_FACTOR);
        return false;
    }

    /**
     * The reply when storing a message failed: 452 4.3.1 when the disk is full (the client
     * retries, and so does the next transaction once space is freed), Postfix's 451 4.3.0
     * queue file write error for any other I/O failure.
     */
    private static SmtpReply storeFailure(IOException e) {
        return Spool.outOfSpace(e) ? Replies.INSUFFICIENT_STORAGE : Replies.QUEUE_FILE_WRITE_ERROR;
    }

    private boolean rcpt(SmtpCommand command) throws IOException {
        if (mail == null) {
            count("rcpt", false);
            return error(Replies.NEED_MAIL);
        }
        if (bdatStarted) {
            count("rcpt", false);
            return error(Replies.RCPT_AFTER_BDAT);
        }
        RcptTo parsed;
        try {
            parsed = command.rcptTo(envelopeOptions());
        } catch (SmtpSyntaxException e) {
            count("rcpt", false);
            return error(e.reply());
        }
        if (settings.recipientLimit() > 0 && recipients.size() >= settings.recipientLimit()) {
            count("rcpt", false);
            return error(Replies.TOO_MANY_RECIPIENTS);
        }
        // Postfix checks, replies and logs the internal (unquoted) form: <no body@example.test> (lab).
        currentRecipient = internalForm(parsed.recipient());
        Decision verdict = policy.rcpt(this);
        log(verdict);
        actions = verdict.actions();
        if (!verdict.accepted()) {
            currentRecipient = null;
            count("rcpt", false);
            return reject(verdict);
        }
        if (writer == null) {
            // Postfix creates the queue file at the first accepted recipient; from here on log
            // lines carry the queue ID.
            writer = context.spool().newMessage();
            LOG.info("{}: client={}{}", writer.queueId(), clientNameAddress(),
                    saslUsername == null ? "" : ", sasl_method=" + saslMethod + ", sasl_username=" + saslUsername);
        }
        recipients.add(parsed);
        currentRecipient = null;
        count("rcpt", true);
        send(Replies.RCPT_OK);
        return true;
    }

    // ---- DATA / BDAT ---------------------------------------------------------------------------

    private boolean data(SmtpCommand command) throws IOException {
        // Postfix checks for recipients before the syntax (lab: "DATA foo" without RCPT gets 503).
        SmtpReply notReady = bdatStarted ? null : readyForContent();
        if (notReady != null) {
            count("data", false);
            return error(notReady);
        }
        if (command.hasArgument()) {
            count("data", false);
            return error(Replies.DATA_SYNTAX);
        }
        if (bdatStarted) {
            count("data", false);
            return error(Replies.DATA_AFTER_BDAT);
        }
        Decision verdict = policy.data(this);
        log(verdict);
        actions = verdict.actions();
        if (!verdict.accepted()) {
            count("data", false);
            return reject(verdict);
        }
        send(Replies.START_DATA);
        out.flush();
        startContent();
        ContentResult result = dataReader.read(in, content);
        if (result.status() == ContentResult.Status.DISCONNECTED) {
            LOG.info("lost connection after DATA ({} bytes) from {}", result.size(), clientNameAddress());
            throw new LostConnection("client disconnected during DATA");
        }
        // Postfix's smtpd: once the content is in, the session is "after END-OF-MESSAGE" in
        // its timeout and lost-connection log lines.
        lastCommand = "END-OF-MESSAGE";
        return finishMessage(result, "data");
    }

    private SmtpReply readyForContent() {
        if (mail == null) {
            return Replies.NEED_RCPT;   // Postfix 3.7 lab: DATA before MAIL gets "need RCPT command"
        }
        if (recipients.isEmpty()) {
            return Replies.NO_VALID_RECIPIENTS;   // a MAIL transaction is open (Postfix 3.7 lab)
        }
        return null;
    }

    private boolean bdat(SmtpCommand command) throws IOException {
        BdatCommand chunk;
        try {
            chunk = command.bdat();
        } catch (SmtpSyntaxException e) {
            // Without a valid size the stream cannot be followed: Postfix disconnects (521).
            count("bdat", false);
            send(e.reply());
            out.flush();
            return !e.reply().closesConnection();
        }
        SmtpReply failure = bdatFailure;
        if (failure == null && !bdatStarted) {
            failure = readyForContent();
            if (failure == null) {
                Decision verdict = policy.data(this);
                log(verdict);
                actions = verdict.actions();
                if (!verdict.accepted()) {
                    failure = reply(verdict);
                } else {
                    bdatStarted = true;
                    bdatReader.reset();
                    startContent();
                }
            }
        }
        if (failure != null) {
            // RFC 3030 section 2: the chunk must be read even when the command is refused.
            ContentResult skipped = bdatReader.readChunk(in, chunk.size(), OutputStream.nullOutputStream());
            if (skipped.status() == ContentResult.Status.DISCONNECTED) {
                throw new IOException("client disconnected during BDAT");
            }
            bdatFailure = mail != null && !chunk.last() ? failure : null;
            if (chunk.last() && bdatStarted) {
                // RFC 3030 section 3: a failed LAST chunk ends the transaction. Drop the partial
                // message now, so no later BDAT can complete it with a chunk missing.
                abortTransaction();
            }
            count("bdat", false);
            return error(failure);
        }
        ContentResult result = bdatReader.readChunk(in, chunk.size(), content);
        if (result.status() == ContentResult.Status.DISCONNECTED) {
            LOG.info("lost connection after BDAT ({} bytes) from {}", result.size(), clientNameAddress());
            throw new LostConnection("client disconnected during BDAT");
        }
        if (!chunk.last()) {
            if (result.status() != ContentResult.Status.COMPLETE) {
                bdatFailure = result.status() == ContentResult.Status.TOO_BIG ? Replies.CHUNK_TOO_BIG
                        : storeFailure(result.sinkError());
                count("bdat", false);
                return error(bdatFailure);
            }
            count("bdat", true);
            send(SmtpReply.of(250, "2.0.0", "Ok: " + chunk.size() + " bytes"));
            return true;
        }
        return finishMessage(result, "bdat");
    }

    /**
     * Starts the content of a message. The client's bytes pass the inbound filter (DKIM
     * verification, forged Authentication-Results removed), then, for mail of our own users
     * (SASL-authenticated, or clients in mynetworks) when the listener allows it
     * (postern_dkim_signing), DKIM signing, then the spool. Our own users' mail is signed, not
     * verified.
     */
    private void startContent() throws IOException {
        boolean ours = saslAuthenticated() || policy.clientInMynetworks(this);
        signer = settings.dkimSigning() && context.dkimKeys() != null && ours
                ? new OutgoingSigner(writer, context.dkimKeys(), Instant.now(context.clock()))
                : null;
        OutputStream next = signer != null ? signer : writer;
        writeReceivedHeader(next);
        DkimVerifier verifier = ours || context.dns() == null ? null : new DkimVerifier(context.dns()::txt, context.clock());
        inbound = new InboundFilter(next, writer.queueId(), verifier, this::forgedAuthenticationResults);
        content = inbound;
    }

    /**
     * An Authentication-Results field with our authserv-id (myhostname) from the client: it
     * cannot be ours, since we add ours after the content (RFC 8601 section 5).
     */
    private boolean forgedAuthenticationResults(HeaderField field) {
        return field.is("Authentication-Results") && AuthservId.claims(field.value(), settings.myHostname());
    }

    private void writeReceivedHeader(OutputStream next) throws IOException {
        // PREPEND actions go above our Received header, as Postfix's smtpd hands them to cleanup first.
        for (String header : actions.prepend()) {
            next.write((header + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        boolean single = recipients.size() == 1;
        next.write(ReceivedHeader.build(helo, clientName, clientAddress,
                settings.tlsReceivedHeader() ? tls : null,
                settings.saslAuthenticatedHeader() && saslAuthenticated() ? saslUsername : null,
                settings.myHostname(),
                ReceivedHeader.protocol("ESMTP".equals(protocolName), tls != null, saslUsername != null, mail.smtputf8()),
                writer.queueId(), single ? recipients.get(0).recipient().toString() : null,
                ZonedDateTime.now(context.clock())));
    }

    /** End of DATA or BDAT LAST: checks, alias expansion, durable commit, reply. */
    private boolean finishMessage(ContentResult result, String name) throws IOException {
        SmtpReply failure = switch (result.status()) {
            case TOO_BIG -> name.equals("bdat") ? Replies.CHUNK_TOO_BIG : Replies.MESSAGE_TOO_BIG;
            case SINK_ERROR -> storeFailure(result.sinkError());
            default -> null;
        };
        if (failure == null && settings.hopcountLimit() > 0 && result.receivedHeaders() + 1 >= settings.hopcountLimit()) {
            failure = Replies.TOO_MANY_HOPS;
        }
        if (failure == null && name.equals("data") && result.bareLfSeen() && settings.bareNewline() == BareNewline.REJECT
                && !settings.bareNewlineExclusions().contains(clientInet)) {
            failure = Replies.bareLf(settings.bareNewlineRejectCode(), settings.myHostname());
        }
        if (result.status() == ContentResult.Status.SINK_ERROR) {
            LOG.error("{}: queue file write error: {}", queueId(), result.sinkError().getMessage());
        }
        if (failure != null) {
            LOG.info("{}: reject: {} from {}: {}{}", queueId(), name.equals("data") ? "DATA" : "BDAT",
                    clientNameAddress(), failure, logSuffix(null));
            abortTransaction();
            count(name, false);
            return error(failure);
        }
        message = inbound.finish();
        Decision verdict = policy.endOfData(this);
        log(verdict);
        actions = verdict.actions();
        if (!verdict.accepted()) {
            abortTransaction();
            count(name, false);
            return reject(verdict);
        }
        if (actions.discard()) {
            // DISCARD: answer as if accepted, keep nothing (postfix-restrictions.md 3.3).
            String id = queueId();
            abortTransaction();
            count(name, true);
            send(Replies.queued(id));
            return true;
        }
        List<Recipient> expanded;
        try {
            expanded = expandRecipients();
        } catch (AliasExpander.ExpansionException e) {
            LOG.warn("{}: {} -- message not accepted, try again later", queueId(), e.getMessage());
            abortTransaction();
            count(name, false);
            return error(SmtpReply.of(451, "4.6.0", "Alias expansion error"));
        }
        Envelope envelope = new Envelope(writer.queueId(), mail.sender().isNull() ? "" : mail.sender().toString(), expanded, Instant.now(context.clock()),
                new Envelope.ClientInfo(clientName, clientAddress, helo, protocol(), saslUsername), 0,
                mail.ret() == null ? null : Envelope.DsnRet.valueOf(mail.ret().name()), mail.envid(),
                switch (mail.body() == null ? MailFrom.Body.SEVEN_BIT : mail.body()) {
                    case SEVEN_BIT -> Envelope.BodyType.SEVEN_BIT;
                    case EIGHT_BIT_MIME -> Envelope.BodyType.EIGHT_BIT_MIME;
                },
                mail.smtputf8(), actions.filter() == null ? Map.of() : Map.of("filter", actions.filter()));
        String id = writer.queueId();
        if (signer != null) {
            try {
                signer.finish();
            } catch (IOException | IllegalStateException e) {
                LOG.error("{}: DKIM signing failed: {}", id, e.getMessage());
                abortTransaction();
                count(name, false);
                return error(SmtpReply.of(451, "4.3.0", "Error: DKIM signing failed"));
            }
        }
        try {
            writer.prepend(headersAfterContent());
        } catch (IOException e) {
            LOG.error("{}: queue file write error: {}", id, e.getMessage());
            abortTransaction();
            count(name, false);
            return error(storeFailure(e));
        }
        boolean held = actions.hold() != null;
        try {
            writer.commit(envelope, held);
        } catch (IOException e) {
            LOG.error("{}: queue file write error: {}", id, e.getMessage());
            abortTransaction();
            count(name, false);
            return error(storeFailure(e));
        }
        MailLog.logger("qmgr").info("{}: from=<{}>, size={}, nrcpt={} ({})", id, sender(),
                writer.size(), expanded.size(), held ? "queue hold" : "queue active");
        writer = null;
        clearTransaction();
        count(name, true);
        Metrics.SMTPD_MESSAGES_ACCEPTED.inc(settings.name());
        send(Replies.queued(id));
        return true;
    }

    /**
     * The fields that go on top of an accepted message once its checks are done: our one
     * Authentication-Results field (RFC 8601) and, for a DMARC quarantine that
     * dmarc_quarantine_action = junk delivers, a junk mark for the mailbox's filters.
     */
    private byte[] headersAfterContent() {
        StringBuilder fields = new StringBuilder(authenticationResults()).append("\r\n");
        if (policy.junk()) {
            fields.append("X-Spam-Flag: YES\r\n");
        }
        return fields.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What this server found out about the message's origin (RFC 8601 section 2.7): the login
     * (auth), SPF of each identity checked, DKIM per signature, DMARC and the client's reverse
     * DNS (iprev, section 3).
     */
    private String authenticationResults() {
        AuthenticationResults.Builder ar = AuthenticationResults.builder(settings.myHostname());
        if (saslAuthenticated()) {
            ar.add(new AuthenticationResults.Result("auth", "pass", "",
                    List.of(new AuthenticationResults.Property("smtp", "auth", saslUsername)), ""));
        }
        for (SpfOutcome o : policy.spfOutcomes()) {
            boolean heloIdentity = o.identity().equals("helo") || o.sender().isEmpty();
            ar.spf(o.verdict().result().word(), heloIdentity ? "" : o.sender(), o.helo());
        }
        DkimVerification dkim = message == null ? null : message.dkim();
        if (dkim != null) {
            if (dkim.signatures().isEmpty()) {
                ar.add(new AuthenticationResults.Result("dkim", "none", "", List.of(), ""));
            }
            for (SignatureResult sig : dkim.signatures()) {
                ar.dkim(sig.result().word(), sig.domain(), sig.selector(), null,
                        sig.result() == DkimResult.PASS ? "" : sig.reason());
            }
        }
        DmarcVerdict dmarc = policy.dmarcVerdict();
        if (dmarc != null) {
            ar.dmarc(dmarc.result().word(), dmarc.authorDomain(), dmarc.record() == null ? "" : dmarc.disposition().word());
        }
        ar.iprev(switch (clientNameStatus) {
            case OK -> "pass";
            case TEMP -> "temperror";
            case PERM, FORGED -> "fail";
        }, clientAddress, clientNameStatus == NameStatus.OK ? clientName : null);
        return ar.build();
    }

    private List<Recipient> expandRecipients() throws AliasExpander.ExpansionException {
        Map<String, Recipient> out = new LinkedHashMap<>();
        if (actions.redirect() != null) {
            // REDIRECT replaces all recipients (access(5)); the original ones are logged.
            LOG.info("{}: redirect: to <{}> instead of {}", queueId(), actions.redirect(),
                    recipients.stream().map(r -> "<" + r.recipient() + ">").collect(Collectors.joining(", ")));
            for (String f : expand(actions.redirect())) {
                out.putIfAbsent(f.toLowerCase(Locale.ROOT), Recipient.of(f));
            }
            return new ArrayList<>(out.values());
        }
        for (String bcc : actions.bcc()) {
            for (String f : expand(bcc)) {
                out.putIfAbsent(f.toLowerCase(Locale.ROOT), Recipient.of(f));
            }
        }
        for (RcptTo r : recipients) {
            String address = r.recipient().toString();
            if (address.indexOf('@') < 0) {
                address = address + "@" + settings.myOrigin();   // Postfix append_at_myorigin
            }
            String orcpt = r.orcptAddress() != null ? r.orcptType() + ";" + r.orcptAddress() : "rfc822;" + address;
            Set<Recipient.Notify> notify = r.notifyOn() == null ? Set.of() : r.notifyOn().stream()
                    .map(n -> Recipient.Notify.valueOf(n.name())).collect(Collectors.toSet());
            for (String f : expand(address)) {
                out.putIfAbsent(f.toLowerCase(Locale.ROOT), Recipient.of(f, orcpt, notify));
            }
        }
        return new ArrayList<>(out.values());
    }

    private List<String> expand(String address) throws AliasExpander.ExpansionException {
        return context.aliases() == null ? List.of(address) : context.aliases().expand(address);
    }

    // ---- Other commands ----------------------------------------------------------------------------

    private boolean rset(SmtpCommand command) throws IOException {
        if (command.hasArgument()) {
            count("rset", false);
            return error(Replies.RSET_SYNTAX);
        }
        abortTransaction();
        count("rset", true);
        send(Replies.OK);
        return true;
    }

    private boolean vrfy(SmtpCommand command) throws IOException {
        if (settings.vrfyDisabled()) {
            count("vrfy", false);
            return error(Replies.VRFY_DISABLED);
        }
        try {
            String argument = command.vrfyArgument();
            // Postfix's vrfy_cmd runs the RCPT checks on the argument (lab: 550 5.1.1 ... User unknown).
            currentRecipient = argument;
            Decision verdict = policy.rcpt(this);
            currentRecipient = null;
            log(verdict);
            if (!verdict.accepted()) {
                count("vrfy", false);
                return reject(verdict);
            }
            count("vrfy", true);
            send(Replies.vrfy(argument));
            return true;
        } catch (SmtpSyntaxException e) {
            count("vrfy", false);
            return error(e.reply());
        }
    }

    private boolean quit() throws IOException {
        count("quit", true);
        send(Replies.BYE);
        out.flush();
        return false;
    }

    private boolean simple(String name, SmtpReply reply) throws IOException {
        count(name, true);
        send(reply);
        return true;
    }

    /**
     * The HELO name as Postfix's smtpd keeps it for later checks, logs and policy requests:
     * non-printable characters and {@code  <>()\";@} (space included) become '?' (Postfix 3.7 lab:
     * {@code EHLO two words.example} is rejected at RCPT as {@code <two?words.example>}).
     */
    static String neuteredHelo(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c < 32 || c == 127 || " <>()\\\";@".indexOf(c) >= 0 ? '?' : c);
        }
        return sb.toString();
    }

    /** Postfix's XCLIENT (XCLIENT_README): a trusted proxy or test harness sets the client's identity. */
    private boolean xclient(SmtpCommand command) throws IOException {
        // Postfix's order (lab): no attributes, then an open transaction, then authorization.
        if (!command.hasArgument()) {
            count("xclient", false);
            return error(Replies.XCLIENT_SYNTAX);
        }
        if (mail != null) {
            count("xclient", false);
            return error(Replies.MAIL_TRANSACTION_IN_PROGRESS);
        }
        if (!settings.xclientHosts().contains(clientInet)) {
            count("xclient", false);
            return error(SmtpReply.of(550, "5.7.0", "Error: insufficient authorization"));
        }
        List<XclientAttribute> attributes;
        try {
            attributes = command.xclient();
        } catch (SmtpSyntaxException e) {
            count("xclient", false);
            return error(e.reply());
        }
        Map<String, String> values = new HashMap<>();
        for (XclientAttribute a : attributes) {
            values.put(a.name(), a.value());
        }
        if (values.containsKey("ADDR")) {
            String addr = values.get("ADDR");
            String literal = addr.regionMatches(true, 0, "IPV6:", 0, 5) ? addr.substring(5) : addr;
            byte[] bytes = Networks.literal(literal);
            if (bytes == null) {
                count("xclient", false);
                return error(Replies.badXclientValue("ADDR", addr));
            }
            setClient(InetAddress.getByAddress(bytes), clientPort);
        }
        if (values.containsKey("PORT")) {
            try {
                clientPort = Integer.parseInt(values.get("PORT"));
            } catch (NumberFormatException e) {
                count("xclient", false);
                return error(Replies.badXclientValue("PORT", values.get("PORT")));
            }
        }
        if (values.containsKey("NAME")) {
            String v = values.get("NAME");
            clientNameStatus = nameStatus(v);
            clientName = clientNameStatus == NameStatus.OK ? v.toLowerCase(Locale.ROOT) : "unknown";
            if (!values.containsKey("REVERSE_NAME")) {
                reverseClientName = clientName;
                reverseClientNameStatus = clientNameStatus;
            }
        }
        if (values.containsKey("REVERSE_NAME")) {
            String v = values.get("REVERSE_NAME");
            reverseClientNameStatus = nameStatus(v);
            reverseClientName = reverseClientNameStatus == NameStatus.OK ? v.toLowerCase(Locale.ROOT) : "unknown";
        }
        helo = values.containsKey("HELO") && nameStatus(values.get("HELO")) == NameStatus.OK ? values.get("HELO") : null;
        if (values.containsKey("PROTO")) {
            esmtp = values.get("PROTO").equalsIgnoreCase("ESMTP");
            protocolName = esmtp ? "ESMTP" : "SMTP";
        }
        if (values.containsKey("LOGIN")) {
            String login = values.get("LOGIN");
            boolean set = nameStatus(login) == NameStatus.OK;
            saslUsername = set ? login : null;
            saslMethod = set ? "XCLIENT" : null;
            saslByXclient = set;
        }
        illegalPipelining = false;
        count("xclient", true);
        LOG.info("client={}", clientNameAddress());
        // XCLIENT_README: the server answers with a new greeting, as for a new connection.
        Decision connect = policy.connect(this);
        log(connect);
        if (!connect.accepted()) {
            // As at connect: the new greeting is the reject, then 503 to all but QUIT (Postfix 3.7 lab).
            if (reject(connect) && !connect.disconnect()) {
                out.flush();
                rejectAllCommands();
            }
            return false;
        }
        send(Replies.greeting(settings.banner()));
        return true;
    }

    private static NameStatus nameStatus(String value) {
        return switch (value.toUpperCase(Locale.ROOT)) {
            case "[UNAVAILABLE]" -> NameStatus.PERM;
            case "[TEMPUNAVAIL]" -> NameStatus.TEMP;
            default -> NameStatus.OK;
        };
    }

    // ---- Client name lookup --------------------------------------------------------------------------

    private void setClient(InetAddress address, int port) {
        clientInet = address;
        // Postfix's form (inet_ntop): "2001:db8::5", not Java's "2001:db8:0:0:0:0:0:5"; no zone.
        clientAddress = Ips.format(address.getAddress());
        clientPort = port;
    }

    /**
     * Postfix's peer name lookup: the PTR name (reverse client name) and, when a forward lookup
     * of that name gives the client address back, the verified client name (FCrDNS).
     */
    private void lookUpClientName() {
        DnsResolver dns = context.dns();
        if (!settings.peernameLookup() || dns == null) {
            return;
        }
        DnsResult<String> ptr = dns.ptr(clientInet);
        if (!ptr.found()) {
            reverseClientNameStatus = ptr.tempfail() ? NameStatus.TEMP : NameStatus.PERM;
            clientNameStatus = reverseClientNameStatus;
            return;
        }
        String name = ptr.records().get(0).toLowerCase(Locale.ROOT);
        if (name.isEmpty() || Networks.literal(name) != null) {
            return;   // a numeric PTR is no name (section 2.2: "malformed or numeric PTR")
        }
        reverseClientName = name;
        reverseClientNameStatus = NameStatus.OK;
        // Forward confirmation in the client's own address family only, as Postfix's smtpd does
        // (smtpd_peer.c resolves the name with the client's address family): an IPv4 client's
        // name needs an A record with its address, an IPv6 client's an AAAA record. Asking the
        // other type could never confirm the name and would only cost a query.
        DnsResult<InetAddress> forward = clientInet instanceof Inet4Address ? dns.a(name) : dns.aaaa(name);
        if (forward.found() && forward.records().contains(clientInet)) {
            clientName = name;
            clientNameStatus = NameStatus.OK;
        } else if (forward.status() == DnsStatus.TEMPFAIL) {
            clientNameStatus = NameStatus.TEMP;
        } else {
            clientNameStatus = NameStatus.FORGED;
            LOG.warn("hostname {} does not resolve to address {}", name, clientAddress);
        }
    }

    // ---- Replies, errors, logging --------------------------------------------------------------

    private void send(SmtpReply reply) throws IOException {
        reply.writeTo(out);
    }

    /**
     * Sends an error reply and counts it; past smtpd_soft_error_limit each error reply is
     * delayed, at smtpd_hard_error_limit the session ends with 421 (postfix-restrictions.md 1.7).
     * Returns false when the session must end.
     */
    private boolean error(SmtpReply reply) throws IOException {
        return countedError(asPostfixSends(reply));
    }

    /** soft_bounce and smtpd_reject_footer apply to protocol errors too (postfix-restrictions.md 1.7). */
    private SmtpReply asPostfixSends(SmtpReply reply) {
        List<String> wire = policy.sessionReply(reply.code(), reply.enhancedCode(), String.join("\n", reply.lines()), this);
        int code = Integer.parseInt(wire.get(0).substring(0, 3));
        String dsn = reply.enhancedCode() == null ? null : wire.get(0).substring(4).split(" ", 2)[0];
        List<String> texts = new ArrayList<>();
        for (String line : wire) {
            String text = line.length() > 4 ? line.substring(4) : "";
            texts.add(dsn != null && text.startsWith(dsn + " ") ? text.substring(dsn.length() + 1) : text);
        }
        return texts.size() == 1 ? SmtpReply.of(code, dsn, texts.get(0)) : SmtpReply.multiline(code, dsn, texts);
    }

    private boolean countedError(SmtpReply reply) throws IOException {
        errors++;
        if (errors > settings.softErrorLimit()) {
            sleepBeforeReply();
        }
        send(reply);
        if (reply.closesConnection()) {
            out.flush();
            return false;
        }
        // Postfix checks the limit before reading the next command: the error that reaches it is
        // answered as usual, then 421 follows at once (Postfix 3.7 lab: 20 x 500, then 421).
        if (settings.hardErrorLimit() > 0 && errors >= settings.hardErrorLimit()) {
            LOG.info("too many errors after {} from {}", lastCommand, clientNameAddress());
            send(Replies.tooManyErrors(settings.myHostname()));
            out.flush();
            return false;
        }
        return true;
    }

    private boolean reject(Decision decision) throws IOException {
        return countedError(reply(decision));   // footer and soft_bounce already applied
    }

    /** The reply of a rejecting decision, footer lines included (postfix-restrictions.md 1.7). */
    static SmtpReply reply(Decision decision) {
        PolicyReply r = decision.reply();
        List<String> texts = new ArrayList<>();
        for (String line : decision.replyLines()) {
            String text = line.length() > 4 ? line.substring(4) : "";
            if (r.dsn() != null && text.startsWith(r.dsn() + " ")) {
                text = text.substring(r.dsn().length() + 1);
            }
            texts.add(text);
        }
        if (texts.isEmpty()) {
            texts.add(r.text());
        }
        return texts.size() == 1 ? SmtpReply.of(r.code(), r.dsn(), texts.get(0)) : SmtpReply.multiline(r.code(), r.dsn(), texts);
    }

    /** Writes the decision's mail-log lines (reject, warn, hold, ... as section 1.8). */
    private static void log(Decision decision) {
        for (String line : decision.log()) {
            LOG.info("{}", line);
        }
    }

    private void sleepBeforeReply() throws IOException {
        out.flush();
        try {
            Thread.sleep(settings.errorSleep());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** The {@code ; from=<...> to=<...> proto=... helo=<...>} tail of a reject line. */
    public String logSuffix(String stage) {
        StringBuilder s = new StringBuilder(";");
        if (mail != null) {
            s.append(" from=<").append(sender()).append('>');
        }
        if (currentRecipient != null) {
            s.append(" to=<").append(currentRecipient).append('>');
        } else if ("DATA".equals(stage) || "END-OF-MESSAGE".equals(stage)) {
            if (recipients.size() == 1) {
                s.append(" to=<").append(recipients.get(0).recipient()).append('>');
            }
        }
        s.append(" proto=").append(protocol());
        if (helo != null) {
            s.append(" helo=<").append(helo).append('>');
        }
        return s.toString();
    }

    private void count(String command, boolean ok) {
        int[] c = counts.computeIfAbsent(command, k -> new int[2]);
        if (ok) {
            c[0]++;
        }
        c[1]++;
    }

    /** Postfix 3.x disconnect statistics: {@code ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4}. */
    private String countsText() {
        if (counts.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        int ok = 0;
        int total = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int[] c = e.getValue();
            s.append(' ').append(e.getKey()).append('=').append(c[0]);
            if (c[0] != c[1]) {
                s.append('/').append(c[1]);
            }
            ok += c[0];
            total += c[1];
        }
        s.append(" commands=").append(ok);
        if (ok != total) {
            s.append('/').append(total);
        }
        return s.toString();
    }

    private static String commandName(SmtpCommand command) {
        return switch (command.verb()) {
            case UNKNOWN, NONE -> "UNKNOWN";
            default -> command.verb().name();
        };
    }

    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    // ---- Transaction ---------------------------------------------------------------------------

    /** Ends the transaction without accepting anything; nothing half-stored remains. */
    private void abortTransaction() {
        if (writer != null) {
            writer.abort();
            writer = null;
        }
        clearTransaction();
    }

    private void clearTransaction() {
        content = null;
        signer = null;
        inbound = null;
        message = null;
        mail = null;
        recipients.clear();
        currentRecipient = null;
        bdatStarted = false;
        bdatFailure = null;
        actions = Decision.Actions.NONE;
        policy.resetTransaction();
    }

    private void closeQuietly() {
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException ignored) {
            // the client is gone
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /** Ends a plaintext read that has waited longer than smtpd_timeout (from the server's timeout thread). */
    void expireOverdueRead(long nowNanos) {
        ReadDeadline d = readDeadline;
        if (d != null) {
            d.expireIfOverdue(nowNanos);
        }
    }

    /**
     * Asks the session to end (server shutdown). A session waiting for a command ends at once
     * with a 421 reply (RFC 5321 section 3.8); one in the middle of a message finishes it first.
     */
    void requestStop() {
        stopping = true;
        if (waitingForCommand) {
            try {
                if (socket instanceof SSLSocket) {
                    socket.close();   // TLS cannot half-close; the client just sees the connection end
                } else {
                    socket.shutdownInput();   // wakes the blocked read; the 421 can still be sent
                }
            } catch (IOException | UnsupportedOperationException ignored) {
                // the session ends anyway
            }
        }
    }

    private void shuttingDown() {
        LOG.info("stopping: closing session with {}", clientNameAddress());
        try {
            send(SmtpReply.of(421, "4.3.2", settings.myHostname() + " Service shutting down"));
            out.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /** Stops the session from another thread (server shutdown): closes its socket. */
    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
