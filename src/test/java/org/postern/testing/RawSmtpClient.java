package org.postern.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A deliberately dumb SMTP client for protocol tests: it sends exactly the bytes it is given
 * (no dot-stuffing, no line-end fixing, no waiting for replies) and reads the server's replies
 * raw, so a test can pipeline, inject, smuggle, send garbage or hang up at any point.
 *
 * <p>Typical use:
 * <pre>{@code
 * try (RawSmtpClient c = RawSmtpClient.connect(port)) {
 *     assertThat(c.reply()).startsWith("220 ");
 *     c.send("EHLO client.example\r\n");
 *     assertThat(c.reply()).contains("250 CHUNKING");   // whole multi-line reply
 *     c.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");  // one write, two commands
 *     assertThat(c.replies(2)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok");
 *     c.abort();                                       // RST, no QUIT
 * }
 * }</pre>
 *
 * <p>Replies: {@link #reply()} reads one complete reply, multi-line aware (lines {@code
 * 250-...} up to the {@code 250 ...} line), and returns it with lines joined by {@code "\n"} and
 * without the final CRLF. Reads wait at most {@link #timeout} (default 10 s) and fail with
 * {@link SocketTimeoutException}; {@link #reply()} returns null when the server closed the
 * connection before a complete reply. {@link #available()} returns whatever complete and
 * partial replies have arrived by a short quiet period, without waiting for a particular one.
 *
 * <p>TLS: {@link #startTls()} upgrades the connection (after the client sent STARTTLS and read
 * its 220) trusting any server certificate; {@link #connectTls} connects with implicit TLS
 * (port 465 style). Hostname checks are off: these are protocol tests, not PKI tests.
 *
 * <p>Not thread-safe. Loopback only ({@code 127.0.0.1}).
 */
public final class RawSmtpClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private Duration timeout = Duration.ofSeconds(10);
    /** Bytes read from the socket and not yet returned as a reply. */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private RawSmtpClient(Socket socket) throws IOException {
        use(socket);
    }

    /** Connects in plaintext to 127.0.0.1:port. Does not read the greeting. */
    public static RawSmtpClient connect(int port) throws IOException {
        return connect(InetAddress.getLoopbackAddress(), port);
    }

    /** Connects in plaintext to address:port (e.g. another loopback address). Does not read the greeting. */
    public static RawSmtpClient connect(InetAddress address, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(address, port), 5000);
        return new RawSmtpClient(s);
    }

    /**
     * Connects to 127.0.0.1:port from another loopback source address (any of 127.0.0.0/8 on
     * Linux), so the server sees a different client IP. Does not read the greeting.
     */
    public static RawSmtpClient connectFrom(String sourceAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(sourceAddress), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return new RawSmtpClient(s);
    }

    /** Connects with implicit TLS (handshake done on return), trusting any certificate. Does not read the greeting. */
    public static RawSmtpClient connectTls(int port) throws IOException {
        RawSmtpClient c = connect(port);
        c.startTls();
        return c;
    }

    /** Sets the read timeout for {@link #reply()} and friends. */
    public RawSmtpClient timeout(Duration d) {
        this.timeout = d;
        return this;
    }

    /** The socket underneath (plain, or TLS after {@link #startTls()}). */
    public Socket socket() {
        return socket;
    }

    /** Sends the text as ISO-8859-1 bytes, exactly as given, in one write. */
    public void send(String raw) throws IOException {
        send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends the bytes exactly as given, in one write, and flushes. */
    public void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** Sends a command line, adding CRLF, and returns the server's (single) reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /**
     * Reads one complete reply (all lines of a multi-line reply, joined by "\n", without the
     * final CRLF). Returns null if the server closed the connection first.
     *
     * @throws SocketTimeoutException when no complete reply arrives within {@link #timeout}
     */
    public String reply() throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            String r = takeReply();
            if (r != null) {
                return r;
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                throw new SocketTimeoutException("no complete SMTP reply within " + timeout + "; got so far: "
                        + pending.toString(StandardCharsets.ISO_8859_1));
            }
            if (!readSome((int) left)) {
                return null;
            }
        }
    }

    /** Reads {@code n} replies in order (each as {@link #reply()}; null entries after a close). */
    public List<String> replies(int n) throws IOException {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(reply());
        }
        return all;
    }

    /**
     * Everything the server has sent so far: reads until the server has been quiet for
     * {@code quiet} (or closed), then returns the complete replies in order, plus any partial
     * trailing text as a last element.
     */
    public List<String> available(Duration quiet) throws IOException {
        try {
            while (readSome((int) Math.max(1, quiet.toMillis()))) {
                // keep reading while data comes
            }
        } catch (SocketTimeoutException quietEnough) {
            // the server has nothing more to say for now
        } catch (IOException reset) {
            // connection reset: return what arrived
        }
        List<String> all = new ArrayList<>();
        for (String r = takeReply(); r != null; r = takeReply()) {
            all.add(r);
        }
        if (pending.size() > 0) {
            all.add(pending.toString(StandardCharsets.ISO_8859_1));
            pending.reset();
        }
        return all;
    }

    /** {@link #available(Duration)} with a 200 ms quiet period. */
    public List<String> available() throws IOException {
        return available(Duration.ofMillis(200));
    }

    /**
     * True when the server has closed the connection (reads end of stream, or the connection
     * was reset) within the timeout. Any bytes read meanwhile are kept for {@link #reply()}.
     */
    public boolean awaitClosed() throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (!readSome((int) Math.max(1, Duration.between(Instant.now(), deadline).toMillis()))) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // connection reset
            }
        }
        return false;
    }

    /**
     * Upgrades to TLS on the current connection, trusting any certificate. Call after the
     * server's {@code 220 2.0.0 Ready to start TLS}. Anything the server had sent and this
     * client had not yet returned is discarded.
     */
    public void startTls() throws IOException {
        startTls(null);
    }

    /**
     * As {@link #startTls()}, presenting the client certificate of {@code keyManagers} when the
     * server asks for one (null: none).
     */
    public void startTls(javax.net.ssl.KeyManager[] keyManagers) throws IOException {
        SSLSocket ssl = (SSLSocket) trustAll(keyManagers).getSocketFactory()
                .createSocket(socket, "127.0.0.1", socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setSoTimeout((int) timeout.toMillis());
        ssl.startHandshake();
        pending.reset();
        use(ssl);
    }

    /**
     * Starts a TLS handshake by hand and stops half-way: sends a TLS ClientHello-like record
     * header and a few bytes, nothing more. For "disconnect during the handshake" tests.
     */
    public void sendPartialClientHello() throws IOException {
        send(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
    }

    /** Closes abruptly: TCP reset (SO_LINGER 0), no QUIT. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        close();
    }

    /** Closes the socket (FIN), no QUIT. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private void use(Socket s) throws IOException {
        socket = s;
        socket.setSoTimeout((int) timeout.toMillis());
        socket.setTcpNoDelay(true);
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    /** Reads once with the given timeout. False at end of stream; a timeout throws. */
    private boolean readSome(int millis) throws IOException {
        byte[] b = new byte[8192];
        socket.setSoTimeout(millis);
        try {
            int n = in.read(b);
            if (n < 0) {
                return false;
            }
            pending.write(b, 0, n);
            return true;
        } finally {
            socket.setSoTimeout((int) timeout.toMillis());
        }
    }

    /** Removes and returns the first complete reply in {@link #pending}, or null. */
    private String takeReply() {
        String text = pending.toString(StandardCharsets.ISO_8859_1);
        int start = 0;
        while (true) {
            int eol = text.indexOf("\r\n", start);
            if (eol < 0) {
                return null;
            }
            String line = text.substring(start, eol);
            start = eol + 2;
            boolean last = line.length() < 4 || line.charAt(3) != '-';
            if (last) {
                String reply = text.substring(0, eol);
                byte[] rest = text.substring(start).getBytes(StandardCharsets.ISO_8859_1);
                pending.reset();
                pending.writeBytes(rest);
                return reply.replace("\r\n", "\n");
            }
        }
    }

    private static SSLContext trustAll(javax.net.ssl.KeyManager[] keyManagers) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }
}
