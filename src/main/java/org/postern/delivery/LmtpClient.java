package org.postern.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.postern.delivery.DeliveryResult.Status;

/**
 * An LMTP client (RFC 2033) that hands messages to a local mail store such as Dovecot, over a
 * unix-domain socket ({@code unix:/run/dovecot/lmtp}) or TCP ({@code inet:127.0.0.1:24}).
 *
 * <p>Unlike SMTP, LMTP answers the end of data once per accepted recipient (RFC 2033 section
 * 4.2), so {@link #deliver} returns one {@link DeliveryResult} per recipient, in the order
 * given: sent (2xx), deferred (4xx) or bounced (5xx), with the server's reply as the text.
 * When the connection cannot be made, times out or breaks, or the server refuses the greeting
 * or LHLO with a 4xx, every recipient without a final answer is deferred with a result marked
 * {@link DeliveryResult#connectionFailure()}: the server is down, not this message refused.
 *
 * <p>Connection reuse: the connection is opened by the first {@link #deliver} and kept; each
 * later delivery starts with RSET (RFC 5321 section 4.1.1.5), and a connection that failed is
 * replaced by a new one. {@link #close} sends QUIT. An instance serves one caller at a time
 * (not thread-safe); a queue delivering in parallel uses one client per worker. Creating a
 * client per message is also fine.
 *
 * <p>Timeouts: {@code connectTimeout} bounds the connection set-up, {@code ioTimeout} each
 * single read or write on the socket (Postfix's {@code lmtp_*_timeout} family in one value).
 */
public final class LmtpClient implements Closeable {

    /** Arms per-operation timeouts: closing the channel wakes a blocked read or write. */
    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "lmtp-timeouts");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.setRemoveOnCancelPolicy(true);
    }

    /**
     * The envelope of one message.
     *
     * @param sender       the envelope sender, empty for the null sender {@code <>}
     * @param recipients   the envelope recipients, at least one
     * @param eightBitMime the message was received with {@code BODY=8BITMIME} (RFC 6152): sent on
     *                     as {@code BODY=8BITMIME} when the server offers it
     * @param smtputf8     the message was received with {@code SMTPUTF8} (RFC 6531): sent on when
     *                     the server offers it; non-ASCII addresses imply it
     */
    public record Envelope(String sender, List<String> recipients, boolean eightBitMime, boolean smtputf8) {
        public Envelope {
            Objects.requireNonNull(sender, "sender");
            recipients = List.copyOf(recipients);
            // a CR or LF would end the command line early (RFC 5321 section 2.3.8)
            if (!safe(sender) || !recipients.stream().allMatch(LmtpClient::safe)) {
                throw new IllegalArgumentException("address with a control character or angle bracket: "
                        + sender + " " + recipients);
            }
        }

        public static Envelope of(String sender, List<String> recipients) {
            return new Envelope(sender, recipients, false, false);
        }
    }

    private final Destination destination;
    private final String myHostname;
    private final Duration connectTimeout;
    private final Duration ioTimeout;
    private Connection connection;

    /**
     * @param destination    {@code unix:PATH}, {@code inet:HOST:PORT}, {@code inet:[IPV6]:PORT}
     *                       or {@code HOST:PORT} (port 24 when omitted); a host name is
     *                       resolved with the system resolver at each connection (use an
     *                       address or {@code localhost})
     * @throws IllegalArgumentException if the destination cannot be parsed
     * @param myHostname     the name sent with LHLO and shown in the relay of unix connections
     * @param connectTimeout limit for connecting
     * @param ioTimeout      limit for each read or write once connected
     */
    public LmtpClient(String destination, String myHostname, Duration connectTimeout, Duration ioTimeout) {
        this.destination = Destination.parse(Objects.requireNonNull(destination, "destination"));
        this.myHostname = Objects.requireNonNull(myHostname, "myHostname");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.ioTimeout = Objects.requireNonNull(ioTimeout, "ioTimeout");
    }

    /**
     * Delivers one message.
     *
     * @param envelope         sender, recipients and the body type the message came with
     * @param prependedHeaders header lines (CRLF endings) sent before the content; may be empty
     * @param content          the message with CRLF line endings, read to its end, not closed
     * @param size             the content's size in bytes (for {@code SIZE=}, RFC 1870)
     * @return one result per recipient, in the envelope's order
     */
    public List<DeliveryResult> deliver(Envelope envelope, byte[] prependedHeaders, InputStream content, long size) {
        List<String> rcpts = envelope.recipients();
        if (rcpts.isEmpty()) {
            return List.of();
        }
        DeliveryResult[] results = new DeliveryResult[rcpts.size()];
        try {
            ready();
            transaction(envelope, prependedHeaders, content, prependedHeaders.length + size, results);
        } catch (Failure f) {
            if (!f.sessionUsable) {
                dropConnection();
            }
            fillMissing(results, rcpts, f.result);
        } catch (SmtpWire.ContentReadException e) {
            dropConnection(); // never send the final dot after a partial message
            fillMissing(results, rcpts, DeliveryResult.local("", Status.DEFERRED, "4.3.0",
                    "error reading message content: " + message(e.getCause()), relayOrNone()));
        } catch (IOException e) {
            String relay = relayOrNone();
            Stage at = connection == null ? Stage.CONNECT : connection.stage;
            dropConnection();
            fillMissing(results, rcpts, lost(e, at, relay));
        }
        return List.of(results);
    }

    /**
     * An address probe (Postfix's verify(8)): MAIL and RCPT only, no message; an accepted
     * recipient is deliverable. The next use of the connection starts with RSET.
     *
     * @return one result per recipient, in the envelope's order
     */
    public List<DeliveryResult> probe(Envelope envelope) {
        return deliver(envelope, new byte[0], null, 0);
    }

    /** Sends QUIT (best effort) and closes the connection. */
    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.command("QUIT");
                c.flush();
                c.readReply();
            } catch (IOException ignored) {
                // the server may already have gone; QUIT is a courtesy
            }
            c.close();
        }
    }

    /** Connects and greets, or resets a kept connection (RFC 5321 section 4.1.1.5). */
    private void ready() throws IOException, Failure {
        if (connection != null) {
            try {
                connection.stage = Stage.RSET;
                connection.command("RSET");
                connection.flush();
                if (connection.readReply().positive()) {
                    return;
                }
            } catch (IOException e) {
                // fall through: open a fresh connection
            }
            dropConnection();
        }
        connection = Connection.open(destination, myHostname, connectTimeout, ioTimeout);
        Connection c = connection;
        c.stage = Stage.GREETING;
        Reply greeting = c.readReply();
        // A refused greeting or LHLO is the server's state, not this message's: like a refused
        // connection it tells the queue manager the destination is down (Postfix: smtp_site_fail).
        if (!greeting.positive()) {
            throw new Failure(resultFor(greeting, "host " + c.relay + " refused to talk to me: " + greeting.text(),
                    c.relay).asConnectionFailure(), false);
        }
        // RFC 2033 section 4.1: LHLO replaces HELO/EHLO; the reply lists the extensions.
        c.stage = Stage.LHLO;
        c.command("LHLO " + myHostname);
        c.flush();
        Reply lhlo = c.readReply();
        if (!lhlo.positive()) {
            throw new Failure(resultFor(lhlo, said(c.relay, lhlo, "LHLO"), c.relay).asConnectionFailure(), false);
        }
        for (int i = 1; i < lhlo.lines().size(); i++) {
            String[] words = lhlo.lines().get(i).trim().split("\\s+", 2);
            c.capabilities.put(words[0].toUpperCase(Locale.ROOT), words.length > 1 ? words[1] : "");
        }
    }

    private void transaction(Envelope env, byte[] prepended, InputStream content, long size,
                             DeliveryResult[] results) throws IOException, Failure {
        Connection c = connection;
        List<String> rcpts = env.recipients();

        // RFC 1870 section 4: a message larger than the announced limit would be refused.
        long limit = sizeLimit(c.capabilities.get("SIZE"));
        if (limit > 0 && size > limit) {
            throw new Failure(DeliveryResult.local("", Status.BOUNCED, "5.3.4",
                    "message size " + size + " exceeds size limit " + limit + " of server " + c.relay, c.relay), true);
        }
        boolean asciiAddresses = isAscii(env.sender()) && rcpts.stream().allMatch(LmtpClient::isAscii);
        boolean utf8Offered = c.capabilities.containsKey("SMTPUTF8");
        if (!asciiAddresses && !utf8Offered) {
            // RFC 6531 section 3.2: non-ASCII addresses need SMTPUTF8 from the server.
            throw new Failure(DeliveryResult.local("", Status.BOUNCED, "5.6.7",
                    "SMTPUTF8 is required, but was not offered by host " + c.relay, c.relay), true);
        }
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(env.sender()).append('>');
        if (env.eightBitMime() && c.capabilities.containsKey("8BITMIME")) {
            mail.append(" BODY=8BITMIME"); // RFC 6152 section 3
        }
        if ((env.smtputf8() || !asciiAddresses) && utf8Offered) {
            mail.append(" SMTPUTF8"); // RFC 6531 section 3.4
        }
        if (c.capabilities.containsKey("SIZE")) {
            mail.append(" SIZE=").append(size); // RFC 1870 section 6
        }

        // RFC 2033 section 5 requires PIPELINING of LMTP servers; RFC 2920 section 3.1 allows
        // MAIL, RCPT and DATA in one group. Without it, each command waits for its reply.
        boolean pipelining = c.capabilities.containsKey("PIPELINING");
        c.stage = Stage.MAIL;
        c.command(mail.toString());
        Reply mailReply = pipelining ? null : c.flushAndRead();
        boolean mailOk = pipelining || mailReply.positive();
        Reply[] rcptReplies = new Reply[rcpts.size()];
        c.stage = Stage.RCPT;
        for (int i = 0; i < rcpts.size() && mailOk; i++) {
            c.command("RCPT TO:<" + rcpts.get(i) + ">");
            if (!pipelining) {
                rcptReplies[i] = c.flushAndRead();
            }
        }
        boolean anyAccepted = false;
        for (Reply r : rcptReplies) {
            anyAccepted |= r != null && r.positive();
        }
        Reply dataReply = null;
        boolean probe = content == null;
        if (!probe && (pipelining || anyAccepted)) {
            c.stage = Stage.DATA;
            c.command("DATA");
            c.flush();
        }
        if (pipelining) {
            c.stage = Stage.MAIL;
            mailReply = c.readReply();
            c.stage = Stage.RCPT;
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies[i] = c.readReply();
            }
            if (!probe) {
                c.stage = Stage.DATA;
                dataReply = c.readReply();
            }
        } else if (anyAccepted && !probe) {
            dataReply = c.readReply();
        }

        if (!mailReply.positive()) {
            DeliveryResult r = resultFor(mailReply, said(c.relay, mailReply, "MAIL FROM"), c.relay);
            dropIfDataStarted(dataReply);
            throw new Failure(r, true);
        }
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < rcpts.size(); i++) {
            Reply r = rcptReplies[i];
            if (r.positive()) {
                accepted.add(i);
            } else {
                results[i] = resultFor(r, said(c.relay, r, "RCPT TO"), c.relay).forRecipient(rcpts.get(i));
            }
        }
        if (probe) {
            for (int i : accepted) {
                Reply r = rcptReplies[i];
                results[i] = new DeliveryResult(rcpts.get(i), Status.SENT, r.dsn(), r.text(), c.relay, r.text());
            }
            return;
        }
        if (accepted.isEmpty()) {
            dropIfDataStarted(dataReply);
            return;
        }
        if (dataReply.code() != 354) {
            throw new Failure(resultFor(dataReply, said(c.relay, dataReply, "DATA"), c.relay), true);
        }

        c.stage = Stage.BODY;
        c.sendData(prepended, content);
        // RFC 2033 section 4.2: after the final dot, one reply for each accepted recipient,
        // in the order the RCPT commands were accepted.
        c.stage = Stage.END_OF_DATA;
        for (int i : accepted) {
            Reply r = c.readReply();
            results[i] = r.positive()
                    ? new DeliveryResult(rcpts.get(i), Status.SENT, r.dsn(), r.text(), c.relay, r.text())
                    : resultFor(r, said(c.relay, r, "end of DATA"), c.relay).forRecipient(rcpts.get(i));
        }
    }

    /** A 354 to a DATA we cannot use (no valid recipients): the session is unusable, drop it. */
    private void dropIfDataStarted(Reply dataReply) {
        if (dataReply != null && dataReply.code() == 354) {
            dropConnection();
        }
    }

    private void dropConnection() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    private String relayOrNone() {
        return connection == null ? "none" : connection.relay;
    }

    private static void fillMissing(DeliveryResult[] results, List<String> rcpts, DeliveryResult template) {
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                results[i] = template.forRecipient(rcpts.get(i));
            }
        }
    }

    /**
     * Connection failures, timeouts and lost connections: temporary for every recipient, and
     * marked as the destination's failure, so that the queue manager suspends a dead LMTP
     * server instead of trying it once per message (as the smtp transport does).
     */
    private DeliveryResult lost(IOException e, Stage stage, String relay) {
        if (e instanceof ConnectException ce) {
            return DeliveryResult.local("", Status.DEFERRED, "4.4.1",
                    "connect to " + ce.target + ": " + message(e.getCause()), "none").asConnectionFailure();
        }
        String what = e instanceof SocketTimeoutException ? "conversation with " + relay + " timed out"
                : "lost connection with " + relay;
        return DeliveryResult.local("", Status.DEFERRED, "4.4.2", what + " while " + stage.text, relay)
                .asConnectionFailure();
    }

    /** Postfix's wording for a server's refusal: {@code host H said: REPLY (in reply to X command)}. */
    private static String said(String relay, Reply r, String command) {
        return "host " + relay + " said: " + r.text() + " (in reply to " + command + " command)";
    }

    private static DeliveryResult resultFor(Reply r, String text, String relay) {
        Status status = switch (r.kind()) {
            case 2 -> Status.SENT;
            case 5 -> Status.BOUNCED;
            default -> Status.DEFERRED; // 4xx, and any reply that makes no sense here
        };
        return new DeliveryResult("", status, r.dsn(), text, relay, r.text());
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

    private static boolean safe(String address) {
        return address.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f || ch == '<' || ch == '>');
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(ch -> ch < 0x80);
    }

    private static String message(Throwable e) {
        return e == null || e.getMessage() == null ? String.valueOf(e) : e.getMessage();
    }

    /** A parsed destination: a unix socket path, or a host and port. */
    private record Destination(String unixPath, String host, int port) {
        static Destination parse(String text) {
            if (text.startsWith("unix:")) {
                if (text.length() == 5) {
                    throw new IllegalArgumentException("LMTP destination without a socket path: " + text);
                }
                return new Destination(text.substring(5), null, 0);
            }
            String hostPort = text.startsWith("inet:") ? text.substring(5) : text;
            String host = hostPort;
            int port = 24; // Dovecot's usual LMTP port; RFC 2033 section 5 only rules out port 25
            int colon = hostPort.lastIndexOf(':');
            if (colon > hostPort.lastIndexOf(']')) {
                host = hostPort.substring(0, colon);
                try {
                    port = Integer.parseInt(hostPort.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("bad port in LMTP destination: " + text);
                }
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("LMTP destination without a host: " + text);
            }
            return new Destination(null, host, port);
        }
    }

    /** Where in the session an I/O failure happened, in Postfix's words. */
    private enum Stage {
        CONNECT("connecting"),
        GREETING("receiving the initial server greeting"),
        LHLO("performing the LHLO handshake"),
        RSET("sending RSET"),
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

    /** A failure that ends the transaction with one result for every recipient left. */
    private static final class Failure extends Exception {
        final transient DeliveryResult result;
        /** The connection may carry the next message (after RSET). */
        final boolean sessionUsable;

        Failure(DeliveryResult result, boolean sessionUsable) {
            super(result.text(), null, false, false);
            this.result = result;
            this.sessionUsable = sessionUsable;
        }
    }

    /** The connection could not be made. */
    private static final class ConnectException extends IOException {
        final String target;

        ConnectException(String target, Throwable cause) {
            super(target, cause);
            this.target = target;
        }
    }

    /** One open LMTP connection: a blocking socket channel with timed reads and writes. */
    private static final class Connection {
        final SocketChannel channel;
        final String relay;
        final Duration ioTimeout;
        final InputStream in;
        final OutputStream out;
        final Map<String, String> capabilities = new HashMap<>();
        volatile boolean timedOut;
        Stage stage = Stage.CONNECT;

        private Connection(SocketChannel channel, String relay, Duration ioTimeout) {
            this.channel = channel;
            this.relay = relay;
            this.ioTimeout = ioTimeout;
            this.in = new BufferedInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return timed(ioTimeout, () -> channel.read(ByteBuffer.wrap(b, off, len)));
                }
            }, 16 * 1024);
            this.out = new BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                    while (buf.hasRemaining()) {
                        timed(ioTimeout, () -> channel.write(buf));
                    }
                }
            }, 64 * 1024);
        }

        static Connection open(Destination destination, String myHostname, Duration connectTimeout,
                               Duration ioTimeout) throws IOException {
            SocketAddress address;
            String relay;
            SocketChannel channel;
            if (destination.unixPath() != null) {
                address = UnixDomainSocketAddress.of(Path.of(destination.unixPath()));
                relay = myHostname + "[" + destination.unixPath() + "]"; // Postfix: myhostname[path]
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            } else {
                String host = destination.host();
                InetAddress ip;
                try {
                    ip = InetAddress.getByName(host);
                } catch (IOException e) {
                    throw new ConnectException(host + "[" + host + "]:" + destination.port(), e);
                }
                address = new InetSocketAddress(ip, destination.port());
                relay = host + "[" + ip.getHostAddress() + "]:" + destination.port();
                channel = SocketChannel.open(ip instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            }
            Connection c = new Connection(channel, relay, ioTimeout);
            try {
                c.timed(connectTimeout, () -> {
                    channel.connect(address);
                    return 0;
                });
            } catch (IOException e) {
                c.close();
                throw new ConnectException(relay, e instanceof SocketTimeoutException
                        ? new IOException("Connection timed out") : e);
            }
            return c;
        }

        interface IoCall {
            int run() throws IOException;
        }

        /** Runs one blocking call; if it takes longer than {@code limit}, the channel is closed. */
        int timed(Duration limit, IoCall call) throws IOException {
            ScheduledFuture<?> alarm = TIMER.schedule(() -> {
                timedOut = true;
                close();
            }, limit.toMillis(), TimeUnit.MILLISECONDS);
            try {
                return call.run();
            } catch (IOException e) {
                if (timedOut) {
                    throw new SocketTimeoutException("timed out");
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }

        void command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        void flush() throws IOException {
            out.flush();
        }

        Reply flushAndRead() throws IOException {
            flush();
            return readReply();
        }

        Reply readReply() throws IOException {
            return SmtpWire.readReply(in);
        }

        /** Sends the message and the final dot, and flushes. */
        void sendData(byte[] prepended, InputStream content) throws IOException {
            SmtpWire.writeData(out, prepended, content);
            out.flush();
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }
}
