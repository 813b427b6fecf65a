package org.postern.delivery.smtp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.postern.delivery.Reply;
import org.postern.delivery.SmtpWire;

/**
 * One TCP connection to a remote SMTP server: blocking socket, buffered command writes (so a
 * PIPELINING group goes out in one write, RFC 2920 section 3.1), reply reading with multi-line
 * replies (RFC 5321 section 4.2.1), dot-stuffed DATA (section 4.5.2), BDAT chunks (RFC 3030),
 * STARTTLS (RFC 3207) and a time limit for every read and write.
 *
 * <p>Reads are limited with the socket's read timeout; writes with a watchdog that closes the
 * socket, which wakes a writer blocked on a full send buffer.
 */
final class SmtpConnection implements Closeable {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("smtp-client-watchdog").daemon().factory());

    /** Where this connection goes: the MX host name (or address), its address and port. */
    record Target(String host, InetAddress address, int port) {
        /** Postfix's {@code host[addr]}, used in "host ... said:" texts. */
        String hostAndAddress() {
            return host + "[" + address.getHostAddress() + "]";
        }

        /** Postfix's {@code relay=} value, {@code host[addr]:port}. */
        String relay() {
            return hostAndAddress() + ":" + port;
        }
    }

    /** A connection attempt failed (refused, unreachable, timed out). */
    static final class ConnectFailure extends IOException {
        ConnectFailure(String message) {
            super(message);
        }
    }

    final Target target;
    /** System.nanoTime() when connected, for smtp_connection_reuse_time_limit. */
    final long openedNanos;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private volatile boolean timedOut;
    private Duration timeout = Duration.ofMinutes(5);
    /** EHLO keywords (upper case) and their parameters; empty after HELO. */
    final Map<String, String> extensions = new HashMap<>();
    boolean tls;
    int uses;

    private SmtpConnection(Target target, Socket socket) throws IOException {
        this.target = target;
        this.openedNanos = System.nanoTime();
        useSocket(socket);
    }

    /**
     * Connects, from {@code bind} when not null.
     *
     * @throws ConnectFailure with Postfix's text: {@code connect to host[addr]:port: Connection refused}
     */
    static SmtpConnection connect(Target target, InetAddress bind, Duration connectTimeout)
            throws ConnectFailure {
        Socket socket = new Socket();
        try {
            if (bind != null) {
                socket.bind(new InetSocketAddress(bind, 0));
            }
            socket.connect(new InetSocketAddress(target.address(), target.port()),
                    (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis())));
            socket.setTcpNoDelay(true);
            return new SmtpConnection(target, socket);
        } catch (IOException e) {
            closeQuietly(socket);
            String why = e instanceof SocketTimeoutException ? "Connection timed out"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConnectFailure("connect to " + target.relay() + ": " + why);
        }
    }

    private void useSocket(Socket s) throws IOException {
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    }

    /** The time limit for the reads and writes that follow (Postfix's per-stage smtp_*_timeout). */
    void timeout(Duration limit) {
        timeout = limit.isZero() || limit.isNegative() ? Duration.ofMinutes(5) : limit;
    }

    boolean timedOut() {
        return timedOut;
    }

    /** Queues a command line; it goes out with the next {@link #flush()}. */
    void command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void flush() throws IOException {
        watched(out::flush);
    }

    /** Flushes what is queued and reads one reply. */
    Reply call(String line) throws IOException {
        command(line);
        flush();
        return read();
    }

    /** Reads one possibly multi-line reply ({@code 250-} on all lines but the last). */
    Reply read() throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        return SmtpWire.readReply(in);
    }

    /** Records the EHLO reply's keywords (RFC 5321 section 4.1.1.1: one per line after the first). */
    void extensions(Reply ehlo) {
        extensions.clear();
        for (int i = 1; i < ehlo.lines().size(); i++) {
            String[] words = ehlo.lines().get(i).trim().split("\\s+", 2);
            if (!words[0].isEmpty()) {
                extensions.put(words[0].toUpperCase(Locale.ROOT), words.length > 1 ? words[1] : "");
            }
        }
    }

    boolean offers(String keyword) {
        return extensions.containsKey(keyword);
    }

    /**
     * Starts TLS after the server's 220 to STARTTLS. Bytes the server sent after that reply
     * would be read as if they came over TLS: that is the STARTTLS command injection attack
     * (RFC 3207 section 5 wants a fresh start), so they end the session.
     */
    SSLSocket startTls(SSLSocketFactory factory) throws IOException {
        if (in.available() > 0) {
            throw new IOException("server sent data after its STARTTLS reply");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        SSLSocket ssl = (SSLSocket) factory.createSocket(socket, target.host(), target.port(), true);
        ssl.setUseClientMode(true);
        ssl.startHandshake();
        useSocket(ssl);
        tls = true;
        extensions.clear();
        return ssl;
    }

    /**
     * Sends the message and the final dot (RFC 5321 section 4.5.2), then flushes.
     *
     * @throws SmtpWire.ContentReadException when reading the message failed (a local problem)
     */
    void data(InputStream content) throws IOException {
        // smtp_data_xfer_timeout limits each write, as in Postfix, not the whole transfer.
        OutputStream watchedOut = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                watched(() -> out.write(b, off, len));
            }
        };
        SmtpWire.writeData(watchedOut, new byte[0], content);
        flush();
    }

    /**
     * Sends one BDAT chunk (RFC 3030 section 2): the command line, then exactly {@code length}
     * octets of the message as they are (no dot-stuffing, no line-end changes), flushed. The
     * write is limited by the current timeout, as each write of DATA content is.
     */
    void bdat(byte[] chunk, int length, boolean last) throws IOException {
        command("BDAT " + length + (last ? " LAST" : ""));
        watched(() -> {
            out.write(chunk, 0, length);
            out.flush();
        });
    }

    private interface SocketWrite {
        void run() throws IOException;
    }

    /**
     * Runs one write within the current timeout: the socket has no write timeout, so a watchdog
     * closes it, which wakes a writer blocked on a full send buffer.
     */
    private void watched(SocketWrite write) throws IOException {
        ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> {
            timedOut = true;
            closeQuietly(socket);
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            write.run();
        } catch (IOException e) {
            throw timedOut ? new SocketTimeoutException("timed out") : e;
        } finally {
            alarm.cancel(false);
        }
    }

    /** True when the server has sent something that was not read yet (a pipelined reply). */
    boolean replyWaiting() throws IOException {
        return in.available() > 0;
    }

    boolean isOpen() {
        return !socket.isClosed();
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
