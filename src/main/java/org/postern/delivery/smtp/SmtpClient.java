package org.postern.delivery.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.postern.delivery.DeliveryResult;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.delivery.Reply;
import org.postern.delivery.SmtpWire;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;
import org.postern.smtp.Xtext;
import org.postern.tls.TlsFacts;

/**
 * One SMTP session with one remote server (RFC 5321), over an {@link SmtpConnection}:
 * greeting, EHLO (HELO when EHLO is refused), STARTTLS (RFC 3207) as the TLS level asks, AUTH
 * PLAIN or LOGIN (RFC 4954) when credentials are given, then any number of mail transactions,
 * each MAIL/RCPT/DATA group pipelined when the server offers PIPELINING (RFC 2920); the
 * message goes in BDAT chunks (RFC 3030) instead of DATA when the server offers CHUNKING.
 *
 * <p>Every failure becomes a {@link DeliveryResult} with Postfix's wording:
 * {@code host mx.example[192.0.2.1] said: 550 5.1.1 ... (in reply to RCPT TO command)},
 * {@code lost connection with mx.example[192.0.2.1] while sending MAIL FROM},
 * {@code conversation with ... timed out while receiving the initial server greeting}.
 * Not thread-safe: one caller at a time.
 */
final class SmtpClient {

    /** A session that could not be set up; the result applies to every recipient. */
    static final class SessionFailure extends Exception {
        final transient DeliveryResult result;
        /** Level may and the handshake failed: the same server may be tried again without TLS. */
        final boolean retryWithoutTls;

        SessionFailure(DeliveryResult result, boolean retryWithoutTls) {
            super(result.text(), null, false, false);
            this.result = result;
            this.retryWithoutTls = retryWithoutTls;
        }
    }

    /**
     * The outcome of one transaction.
     *
     * @param results     one per recipient, in order
     * @param tryElsewhere per recipient: the failure is temporary and the message was not
     *                     handed over, so another MX host may be tried (Postfix does the same)
     * @param reusable    the session can carry another message
     */
    record Attempt(List<DeliveryResult> results, boolean[] tryElsewhere, boolean reusable) {
    }

    /** What the transport logs for a TLS session, as Postfix's smtp does. */
    interface TlsLog {
        void established(String relay, ClientTls.Peer peer, TlsFacts facts);
    }

    /** Octets per BDAT chunk (RFC 3030 leaves the size to the client). */
    static final int CHUNK_SIZE = 64 * 1024;

    private final SmtpConnection connection;
    private final SmtpClientSettings settings;

    private SmtpClient(SmtpConnection connection, SmtpClientSettings settings) {
        this.connection = connection;
        this.settings = settings;
    }

    SmtpConnection connection() {
        return connection;
    }

    String relay() {
        return connection.target.relay();
    }

    /**
     * Greets, says EHLO, starts TLS and authenticates as asked. On failure the connection is closed.
     *
     * @param expectedNames for the levels verify and secure: the names one of which the server
     *                      certificate must match (strategies already expanded)
     * @param credentials   for AUTH, or null to send none
     */
    static SmtpClient open(SmtpConnection c, SmtpClientSettings settings, TlsLevel level, List<String> expectedNames,
                           ClientTls tls, SaslCredentials credentials, TlsLog tlsLog) throws SessionFailure {
        SmtpClient client = new SmtpClient(c, settings);
        Stage stage = Stage.GREETING;
        try {
            c.timeout(settings.timeouts().helo());
            Reply greeting = c.read();
            if (!greeting.positive()) {
                throw client.failure(greeting, "host " + c.target.hostAndAddress() + " refused to talk to me: "
                        + greeting.text(), false);
            }
            stage = Stage.EHLO;
            client.hello(level);
            if (level != TlsLevel.NONE) {
                stage = Stage.STARTTLS;
                client.startTls(level, expectedNames, tls, tlsLog);
            }
            if (credentials != null) {
                stage = Stage.AUTH;
                client.authenticate(credentials);
            }
            return client;
        } catch (SessionFailure f) {
            c.close();
            throw f;
        } catch (IOException e) {
            c.close();
            boolean handshake = stage == Stage.STARTTLS && e instanceof javax.net.ssl.SSLException;
            if (handshake) {
                DeliveryResult r = DeliveryResult.local("", Status.DEFERRED, "4.7.5",
                        "Cannot start TLS: handshake failure with " + c.target.hostAndAddress() + ": "
                                + e.getMessage(), c.target.relay());
                throw new SessionFailure(r, level == TlsLevel.MAY);
            }
            throw new SessionFailure(client.lost(e, stage), false);
        }
    }

    private void hello(TlsLevel level) throws IOException, SessionFailure {
        SmtpConnection c = connection;
        Reply ehlo = c.call("EHLO " + settings.heloName());
        if (ehlo.positive()) {
            c.extensions(ehlo);
            checkLoop(ehlo);
            return;
        }
        // RFC 5321 section 3.2: a server that does not know EHLO gets HELO (no extensions then).
        if (level.mandatory()) {
            throw failure(ehlo, said(ehlo, "EHLO"), false);
        }
        Reply helo = c.call("HELO " + settings.heloName());
        if (!helo.positive()) {
            throw failure(helo, said(helo, "HELO"), false);
        }
        c.extensions.clear();
        checkLoop(helo);
    }

    /** A server that greets with our own name is ourselves: delivering would loop (Postfix: 5.4.6). */
    private void checkLoop(Reply hello) throws SessionFailure {
        String first = hello.lines().isEmpty() ? "" : hello.lines().getFirst().trim().split("\\s+", 2)[0];
        if (first.equalsIgnoreCase(settings.heloName())) {
            throw new SessionFailure(DeliveryResult.local("", Status.BOUNCED, "5.4.6",
                    "mail for " + connection.target.host() + " loops back to myself", connection.target.relay()), false);
        }
    }

    private void startTls(TlsLevel level, List<String> expectedNames, ClientTls tls, TlsLog log)
            throws IOException, SessionFailure {
        SmtpConnection c = connection;
        if (!c.offers("STARTTLS")) {
            if (level.mandatory()) {
                throw new SessionFailure(DeliveryResult.local("", Status.DEFERRED, "4.7.4",
                        "TLS is required, but was not offered by host " + c.target.hostAndAddress(), c.target.relay()), false);
            }
            return;
        }
        c.timeout(settings.timeouts().starttls());
        Reply reply = c.call("STARTTLS");
        if (!reply.positive()) {
            if (level.mandatory()) {
                throw new SessionFailure(DeliveryResult.local("", Status.DEFERRED, "4.7.5",
                        "TLS is required, but host " + c.target.hostAndAddress() + " refused to start TLS: "
                                + reply.text(), c.target.relay()), false);
            }
            return; // opportunistic: go on in the clear (the session is still in its EHLO state)
        }
        SSLSocket ssl = c.startTls(tls.socketFactory());
        ClientTls.Peer peer = tls.check(ssl.getSession(), level, expectedNames);
        // Why a chain is untrusted is logged only where trust is required, as Postfix does.
        log.established(c.target.relay(), level.verifiesCertificate() ? peer : new ClientTls.Peer(peer.status(), null),
                TlsFacts.of(ssl.getSession()));
        if (level.verifiesCertificate() && peer.status() != ClientTls.PeerStatus.VERIFIED) {
            // Postfix's smtp(8) text for both an untrusted chain and a trusted one without a
            // matching name (the log tells them apart). Nothing more goes over this session.
            throw new SessionFailure(DeliveryResult.local("", Status.DEFERRED, "4.7.5",
                    "Server certificate not verified", c.target.relay()), false);
        }
        // RFC 3207 section 4.2: forget what was learned before TLS and say EHLO again.
        c.timeout(settings.timeouts().helo());
        Reply ehlo = c.call("EHLO " + settings.heloName());
        if (!ehlo.positive()) {
            throw failure(ehlo, said(ehlo, "EHLO"), false);
        }
        c.extensions(ehlo);
    }

    /** AUTH PLAIN (RFC 4616) or LOGIN, whichever the server offers, PLAIN first. */
    private void authenticate(SaslCredentials credentials) throws IOException, SessionFailure {
        SmtpConnection c = connection;
        String offered = c.extensions.get("AUTH");
        if (offered == null) {
            return; // Postfix delivers without AUTH when the server offers none
        }
        boolean plaintextAllowed = c.tls ? settings.saslPlaintextTls() : settings.saslPlaintext();
        Set<String> mechanisms = Set.of(offered.toUpperCase(Locale.ROOT).split("\\s+"));
        String mechanism = !plaintextAllowed ? null
                : mechanisms.contains("PLAIN") ? "PLAIN" : mechanisms.contains("LOGIN") ? "LOGIN" : null;
        if (mechanism == null) {
            throw new SessionFailure(DeliveryResult.local("", Status.DEFERRED, "4.7.0",
                    "SASL authentication failed; cannot authenticate to server " + c.target.hostAndAddress()
                            + ": no mechanism available", c.target.relay()), false);
        }
        c.timeout(settings.timeouts().helo());
        Reply reply;
        if (mechanism.equals("PLAIN")) {
            byte[] plain = ("\0" + credentials.username() + "\0" + credentials.password()).getBytes(StandardCharsets.UTF_8);
            reply = c.call("AUTH PLAIN " + Base64.getEncoder().encodeToString(plain));
        } else {
            reply = c.call("AUTH LOGIN");
            if (reply.code() == 334) {
                reply = c.call(base64(credentials.username()));
            }
            if (reply.code() == 334) {
                reply = c.call(base64(credentials.password()));
            }
        }
        if (reply.code() != 235) {
            Status status = reply.kind() == 5 && !settings.saslSoftBounce() ? Status.BOUNCED : Status.DEFERRED;
            String dsn = reply.dsn();
            if (status == Status.DEFERRED && dsn.startsWith("5")) {
                dsn = "4" + dsn.substring(1); // smtp_sasl_auth_soft_bounce turns the hard error soft
            }
            throw new SessionFailure(new DeliveryResult("", status, dsn, "SASL authentication failed; server "
                    + c.target.hostAndAddress() + " said: " + reply.text(), c.target.relay(), reply.text()), false);
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One mail transaction: MAIL, RCPT for each recipient, DATA, the content, the final dot. An
     * address probe (verify(8)) stops after RCPT: an accepted recipient is deliverable, and RSET
     * ends the transaction without a message.
     */
    Attempt send(Envelope envelope, Transport.Content content, List<Recipient> recipients) {
        SmtpConnection c = connection;
        int n = recipients.size();
        DeliveryResult[] results = new DeliveryResult[n];
        boolean[] elsewhere = new boolean[n];
        Stage stage = Stage.MAIL;
        boolean handedOver = false;
        try {
            c.uses++;
            long size = envelope.size();
            // RFC 1870 section 6: a message larger than the server's announced limit would be refused.
            long limit = sizeLimit(c.extensions.get("SIZE"));
            if (limit > 0 && size > limit) {
                fill(results, recipients, DeliveryResult.local("", Status.BOUNCED, "5.3.4", "message size " + size
                        + " exceeds size limit " + limit + " of server " + c.target.hostAndAddress(), relay()));
                return new Attempt(List.of(results), elsewhere, true);
            }
            boolean asciiAddresses = isAscii(envelope.sender())
                    && recipients.stream().allMatch(r -> isAscii(r.address()));
            boolean utf8Offered = c.offers("SMTPUTF8");
            if (!asciiAddresses && !utf8Offered) {
                // RFC 6531 section 3.2: non-ASCII addresses need a server that offers SMTPUTF8.
                fill(results, recipients, DeliveryResult.local("", Status.BOUNCED, "5.6.7",
                        "SMTPUTF8 is required, but was not offered by host " + c.target.hostAndAddress(), relay()));
                return new Attempt(List.of(results), elsewhere, true);
            }
            boolean dsn = c.offers("DSN");
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
            if (c.offers("SIZE")) {
                mail.append(" SIZE=").append(size); // RFC 1870 section 6
            }
            // RFC 3030 section 2: with CHUNKING the message goes in BDAT chunks, as it is stored.
            boolean chunking = c.offers("CHUNKING") && !envelope.probe();
            if (envelope.body() == Envelope.BodyType.BINARY_MIME && chunking && c.offers("BINARYMIME")) {
                mail.append(" BODY=BINARYMIME"); // RFC 3030 section 3: only over BDAT
            } else if (envelope.body() != Envelope.BodyType.SEVEN_BIT && c.offers("8BITMIME")) {
                mail.append(" BODY=8BITMIME"); // RFC 6152 section 3
            }
            if ((envelope.smtpUtf8() || !asciiAddresses) && utf8Offered) {
                mail.append(" SMTPUTF8"); // RFC 6531 section 3.4
            }
            if (dsn && envelope.dsnRet() != null) {
                mail.append(" RET=").append(envelope.dsnRet().name()); // RFC 3461 section 4.3
            }
            if (dsn && envelope.envId() != null) {
                mail.append(" ENVID=").append(Xtext.encode(envelope.envId())); // RFC 3461 section 4.4
            }
            boolean pipelining = c.offers("PIPELINING");
            c.timeout(settings.timeouts().mail());
            c.command(mail.toString());
            Reply mailReply = null;
            if (!pipelining) {
                c.flush();
                mailReply = c.read();
                if (!mailReply.positive()) {
                    failAll(results, elsewhere, recipients, mailReply, "MAIL FROM");
                    return new Attempt(List.of(results), elsewhere, reset());
                }
            }
            stage = Stage.RCPT;
            Reply[] rcptReplies = new Reply[n];
            c.timeout(settings.timeouts().rcpt());
            for (int i = 0; i < n; i++) {
                c.command(rcptCommand(recipients.get(i), dsn));
                if (!pipelining) {
                    c.flush();
                    rcptReplies[i] = c.read();
                }
            }
            Reply dataReply = null;
            stage = Stage.DATA;
            boolean anyAccepted = false;
            for (Reply r : rcptReplies) {
                anyAccepted |= r != null && r.positive();
            }
            boolean probe = envelope.probe();
            boolean sendData = !probe && !chunking;
            if (sendData && (pipelining || anyAccepted)) {
                c.command("DATA");
            }
            c.flush();
            if (pipelining) {
                stage = Stage.MAIL;
                mailReply = c.read();
                stage = Stage.RCPT;
                for (int i = 0; i < n; i++) {
                    rcptReplies[i] = c.read();
                }
                stage = Stage.DATA;
                if (sendData) {
                    c.timeout(settings.timeouts().dataInit());
                    dataReply = c.read();
                }
            } else if (anyAccepted && sendData) {
                c.timeout(settings.timeouts().dataInit());
                dataReply = c.read();
            }
            if (!mailReply.positive()) {
                failAll(results, elsewhere, recipients, mailReply, "MAIL FROM");
                return new Attempt(List.of(results), elsewhere, dataReply == null || dataReply.code() != 354 ? reset() : drop());
            }
            List<Integer> accepted = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Reply r = rcptReplies[i];
                if (r.positive()) {
                    accepted.add(i);
                } else {
                    results[i] = refused(r, "RCPT TO", recipients.get(i).address());
                    elsewhere[i] = results[i].status() == Status.DEFERRED;
                }
            }
            if (probe) {
                for (int i : accepted) {
                    Reply r = rcptReplies[i];
                    results[i] = new DeliveryResult(recipients.get(i).address(), Status.SENT, r.dsn(), r.text(), relay(),
                            r.text());
                }
                return new Attempt(List.of(results), elsewhere, reset());
            }
            if (accepted.isEmpty()) {
                // RFC 2920 section 3.1: the server should refuse DATA now; a 354 leaves it waiting for content.
                return new Attempt(List.of(results), elsewhere, dataReply != null && dataReply.code() == 354 ? drop() : reset());
            }
            if (chunking) {
                return sendChunks(content, pipelining, recipients, accepted, results, elsewhere);
            }
            if (dataReply.code() != 354) {
                for (int i : accepted) {
                    results[i] = refused(dataReply, "DATA", recipients.get(i).address());
                    elsewhere[i] = results[i].status() == Status.DEFERRED;
                }
                return new Attempt(List.of(results), elsewhere, reset());
            }
            stage = Stage.BODY;
            c.timeout(settings.timeouts().dataXfer());
            try (InputStream in = content.open()) {
                c.data(in);
            }
            stage = Stage.END_OF_DATA;
            handedOver = true;
            c.timeout(settings.timeouts().dataDone());
            Reply done = c.read();
            for (int i : accepted) {
                results[i] = done.positive()
                        ? new DeliveryResult(recipients.get(i).address(), Status.SENT, done.dsn(), done.text(), relay(), done.text())
                        : refused(done, "end of DATA", recipients.get(i).address());
            }
            return new Attempt(List.of(results), elsewhere, true);
        } catch (SmtpWire.ContentReadException e) {
            c.close(); // never send the final dot after a partial message
            fillMissing(results, elsewhere, recipients, DeliveryResult.local("", Status.DEFERRED, "4.3.0",
                    "error reading message content: " + e.getMessage(), relay()), false);
            return new Attempt(List.of(results), elsewhere, false);
        } catch (IOException e) {
            c.close();
            fillMissing(results, elsewhere, recipients, lost(e, stage), !handedOver);
            return new Attempt(List.of(results), elsewhere, false);
        }
    }

    /**
     * Sends the message in BDAT chunks (RFC 3030) of {@link #CHUNK_SIZE} octets, the last one
     * marked LAST, and turns the replies into the accepted recipients' results. With PIPELINING
     * the chunks go out without waiting for each reply (RFC 3030 section 4.2); replies that have
     * arrived are read between chunks, and after a refused chunk no further chunk is sent
     * (section 2). The reply to the LAST chunk is the server's answer to the whole message.
     */
    private Attempt sendChunks(Transport.Content content, boolean pipelining, List<Recipient> recipients,
                               List<Integer> accepted, DeliveryResult[] results, boolean[] elsewhere) {
        SmtpConnection c = connection;
        Stage stage = Stage.BODY;
        boolean handedOver = false;
        int unanswered = 0;
        Reply refusal = null;
        Reply done = null;
        try {
            c.timeout(settings.timeouts().dataXfer());
            try (InputStream in = content.open()) {
                byte[] chunk = new byte[CHUNK_SIZE];
                byte[] next = new byte[CHUNK_SIZE];
                int length = fill(in, chunk);
                while (refusal == null) {
                    // Read one chunk ahead: a chunk is the last when nothing follows it.
                    int nextLength = length < CHUNK_SIZE ? 0 : fill(in, next);
                    boolean last = nextLength == 0;
                    c.bdat(chunk, length, last);
                    unanswered++;
                    if (last) {
                        handedOver = true;
                        stage = Stage.END_OF_DATA;
                        break;
                    }
                    while (unanswered > 0 && refusal == null && (!pipelining || c.replyWaiting())) {
                        Reply r = c.read();
                        unanswered--;
                        refusal = r.positive() ? null : r;
                    }
                    byte[] swap = chunk;
                    chunk = next;
                    next = swap;
                    length = nextLength;
                }
            }
            while (unanswered > 0) {
                c.timeout(unanswered == 1 && handedOver ? settings.timeouts().dataDone() : settings.timeouts().dataXfer());
                Reply r = c.read();
                unanswered--;
                if (refusal == null && !r.positive() && unanswered > 0) {
                    refusal = r;
                }
                done = r;
            }
        } catch (SmtpWire.ContentReadException e) {
            c.close(); // never send LAST after a partial message
            fillMissing(results, elsewhere, recipients, DeliveryResult.local("", Status.DEFERRED, "4.3.0",
                    "error reading message content: " + e.getMessage(), relay()), false);
            return new Attempt(List.of(results), elsewhere, false);
        } catch (IOException e) {
            c.close();
            fillMissing(results, elsewhere, recipients, lost(e, stage), !handedOver);
            return new Attempt(List.of(results), elsewhere, false);
        }
        if (refusal != null) {
            // A chunk before the last was refused: the message was not taken, the transaction is to be reset.
            for (int i : accepted) {
                results[i] = refused(refusal, "BDAT", recipients.get(i).address());
                elsewhere[i] = !handedOver && results[i].status() == Status.DEFERRED;
            }
            return new Attempt(List.of(results), elsewhere, reset());
        }
        for (int i : accepted) {
            results[i] = done.positive()
                    ? new DeliveryResult(recipients.get(i).address(), Status.SENT, done.dsn(), done.text(), relay(), done.text())
                    : refused(done, "end of DATA", recipients.get(i).address()); // the answer to the whole message
        }
        return new Attempt(List.of(results), elsewhere, true);
    }

    /** Reads until {@code buffer} is full or the content ends; the number of octets read. */
    private static int fill(InputStream in, byte[] buffer) throws SmtpWire.ContentReadException {
        int filled = 0;
        try {
            while (filled < buffer.length) {
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
        } catch (IOException e) {
            throw new SmtpWire.ContentReadException(e);
        }
        return filled;
    }

    private String rcptCommand(Recipient r, boolean dsn) {
        StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        if (dsn && !r.dsnNotify().isEmpty()) {
            // RFC 3461 section 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY.
            rcpt.append(" NOTIFY=").append(r.dsnNotify().stream().sorted().map(Enum::name).collect(Collectors.joining(",")));
        }
        if (dsn && r.orcpt() != null) {
            int semi = r.orcpt().indexOf(';');
            if (semi > 0) {
                // RFC 3461 section 4.2: ORCPT=addr-type;xtext
                rcpt.append(" ORCPT=").append(r.orcpt(), 0, semi).append(';').append(Xtext.encode(r.orcpt().substring(semi + 1)));
            }
        }
        return rcpt.toString();
    }

    /** RSET after an unfinished transaction (RFC 5321 section 4.1.1.5); true if the session is still good. */
    private boolean reset() {
        try {
            connection.timeout(settings.timeouts().rset());
            if (connection.call("RSET").positive()) {
                return true;
            }
        } catch (IOException e) {
            // the session is gone
        }
        connection.close();
        return false;
    }

    private boolean drop() {
        connection.close();
        return false;
    }

    /** Ends the session politely (QUIT, RFC 5321 section 4.1.1.10) and closes the connection. */
    void quit() {
        try {
            if (connection.isOpen()) {
                connection.timeout(settings.timeouts().quit());
                connection.call("QUIT");
            }
        } catch (IOException ignored) {
            // QUIT is a courtesy
        } finally {
            connection.close();
        }
    }

    private void failAll(DeliveryResult[] results, boolean[] elsewhere, List<Recipient> rcpts, Reply reply, String command) {
        for (int i = 0; i < results.length; i++) {
            results[i] = refused(reply, command, rcpts.get(i).address());
            elsewhere[i] = results[i].status() == Status.DEFERRED;
        }
    }

    private DeliveryResult refused(Reply r, String command, String recipient) {
        return new DeliveryResult(recipient, statusOf(r), r.dsn(), said(r, command), relay(), r.text());
    }

    /** Postfix's wording for a server's refusal: {@code host H[A] said: REPLY (in reply to X command)}. */
    private String said(Reply r, String command) {
        return "host " + connection.target.hostAndAddress() + " said: " + r.text() + " (in reply to " + command + " command)";
    }

    private SessionFailure failure(Reply r, String text, boolean retryWithoutTls) {
        return new SessionFailure(new DeliveryResult("", statusOf(r), r.dsn(), text, relay(), r.text()), retryWithoutTls);
    }

    private static Status statusOf(Reply r) {
        return switch (r.kind()) {
            case 2 -> Status.SENT;
            case 5 -> Status.BOUNCED;
            default -> Status.DEFERRED; // 4xx, and any reply that makes no sense here
        };
    }

    /** Timeouts and lost connections: temporary (RFC 5321 section 4.5.3.2 asks clients to retry). */
    private DeliveryResult lost(IOException e, Stage stage) {
        String host = connection.target.hostAndAddress();
        String what = e instanceof SocketTimeoutException || connection.timedOut()
                ? "conversation with " + host + " timed out" : "lost connection with " + host;
        return DeliveryResult.local("", Status.DEFERRED, "4.4.2", what + " while " + stage.text, relay())
                .asConnectionFailure();
    }

    private static void fill(DeliveryResult[] results, List<Recipient> rcpts, DeliveryResult template) {
        for (int i = 0; i < results.length; i++) {
            results[i] = template.forRecipient(rcpts.get(i).address());
        }
    }

    private static void fillMissing(DeliveryResult[] results, boolean[] elsewhere, List<Recipient> rcpts,
                                    DeliveryResult template, boolean tryElsewhere) {
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                results[i] = template.forRecipient(rcpts.get(i).address());
                elsewhere[i] = tryElsewhere;
            }
        }
    }

    private static long sizeLimit(String param) {
        if (param == null || param.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(param.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(ch -> ch < 0x80);
    }

    /** Where in the session an I/O failure happened, in Postfix's words. */
    enum Stage {
        GREETING("receiving the initial server greeting"),
        EHLO("performing the EHLO handshake"),
        STARTTLS("performing the STARTTLS handshake"),
        AUTH("performing SASL authentication"),
        MAIL("sending MAIL FROM"),
        RCPT("sending RCPT TO"),
        DATA("sending DATA command"),
        BODY("sending message body"),
        END_OF_DATA("sending end of data -- message may be sent more than once");

        final String text;

        Stage(String text) {
            this.text = text;
        }
    }
}
