package org.postern.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLSocket;
import org.postern.tls.ServerTls;

/**
 * A small scripted SMTP server for client tests: it stands in for the internet's mail
 * exchangers on a loopback address. Replies are set per stage ({@link #greeting},
 * {@link #rcptReply}, ...) and may change between deliveries; the server records every
 * command line ({@link #commands()}), every connection and every message it accepted
 * (content with dot-stuffing removed). PIPELINING works because commands are read and answered
 * one line at a time, in order. With {@link #chunking} set it also offers CHUNKING (RFC 3030)
 * and takes messages in BDAT chunks, octet for octet.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    private final ServerSocket listener;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<List<String>> sessions = new CopyOnWriteArrayList<>();
    private final List<byte[]> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean running = true;

    public volatile String greeting = "220 mx.scripted.test ESMTP";
    public volatile String hostname = "mx.scripted.test";
    public volatile List<String> extensions = List.of("PIPELINING", "SIZE 10240000", "8BITMIME", "DSN", "SMTPUTF8");
    public volatile String mailReply = "250 2.1.0 Ok";
    public volatile Function<String, String> rcptReply = rcpt -> "250 2.1.5 Ok";
    /**
     * How long the server waits before it answers a RCPT command line (a slow next hop, e.g. one
     * that consults a slow directory); zero by default.
     */
    public volatile Function<String, Duration> rcptDelay = rcpt -> Duration.ZERO;
    public volatile String dataReply = "354 End data with <CR><LF>.<CR><LF>";
    public volatile String endReply = "250 2.0.0 Ok: queued as SCRIPTED1";
    public volatile String authReply = "235 2.7.0 Authentication successful";
    /** When set, CHUNKING is offered and BDAT accepted (off by default: DATA only, as before). */
    public volatile boolean chunking;
    /**
     * The reply to a BDAT chunk that is not the last, given the chunk's number in the message
     * (1, 2, ...); the LAST chunk is answered with {@link #endReply}.
     */
    public volatile java.util.function.IntFunction<String> bdatReply = n -> "250 2.0.0 chunk " + n + " received";
    /** When set, STARTTLS is offered and served with this certificate. */
    public volatile ServerTls tls;

    /** Listens on {@code address} (e.g. 127.0.0.2) on a free port. */
    public ScriptedSmtpServer(String address) throws IOException {
        this(address, 0);
    }

    public ScriptedSmtpServer(String address, int port) throws IOException {
        listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getByName(address), port), 50);
        Thread.ofVirtual().name("scripted-smtp").start(this::acceptLoop);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Every command line received, in order, over all connections. */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    /** Accepted messages' content, octet for octet (dot-stuffing undone for DATA), in order. */
    public List<byte[]> rawMessages() {
        return messages.stream().map(byte[]::clone).toList();
    }

    /** The command lines of each connection, in the order the connections came. */
    public List<List<String>> sessions() {
        List<List<String>> out = new ArrayList<>();
        for (List<String> s : sessions) {
            out.add(List.copyOf(s));
        }
        return out;
    }

    /** Accepted messages' content (dot-stuffing undone), in order. */
    public List<String> messages() {
        List<String> out = new ArrayList<>();
        for (byte[] m : messages) {
            out.add(new String(m, StandardCharsets.UTF_8));
        }
        return out;
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (running) {
            try {
                Socket s = listener.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serve(Socket socket) {
        Socket s = socket;
        List<String> session = new CopyOnWriteArrayList<>();
        sessions.add(session);
        try {
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            reply(out, greeting);
            if (!greeting.startsWith("2")) {
                readLine(in); // wait for QUIT or close
                return;
            }
            boolean inTls = false;
            // The BDAT chunks of the message being received (RFC 3030); null when none started.
            ByteArrayOutputStream chunks = null;
            int chunkCount = 0;
            boolean chunkRefused = false;
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                commands.add(line);
                session.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        List<String> lines = new ArrayList<>();
                        lines.add(hostname);
                        lines.addAll(extensions);
                        if (chunking) {
                            lines.add("CHUNKING");
                        }
                        if (tls != null && !inTls) {
                            lines.add("STARTTLS");
                        }
                        multiline(out, 250, lines);
                    }
                    case "HELO" -> reply(out, "250 " + hostname);
                    case "STARTTLS" -> {
                        reply(out, "220 2.0.0 Ready to start TLS");
                        SSLSocket ssl = tls.wrap(s);
                        ssl.startHandshake();
                        s = ssl;
                        in = ssl.getInputStream();
                        out = ssl.getOutputStream();
                        inTls = true;
                    }
                    case "AUTH" -> {
                        if (line.toUpperCase(Locale.ROOT).startsWith("AUTH LOGIN")) {
                            reply(out, "334 VXNlcm5hbWU6");
                            commands.add(readLine(in));
                            reply(out, "334 UGFzc3dvcmQ6");
                            commands.add(readLine(in));
                        }
                        reply(out, authReply);
                    }
                    case "MAIL" -> reply(out, mailReply);
                    case "RCPT" -> {
                        Duration delay = rcptDelay.apply(line);
                        if (delay.isPositive()) {
                            try {
                                Thread.sleep(delay);   // the slow next hop being simulated, not a test wait
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                        reply(out, rcptReply.apply(line));
                    }
                    case "DATA" -> {
                        reply(out, dataReply);
                        if (dataReply.startsWith("354")) {
                            byte[] content = readData(in);
                            if (endReply.startsWith("2")) {
                                messages.add(content);
                            }
                            reply(out, endReply);
                        }
                    }
                    case "BDAT" -> {
                        // RFC 3030 section 2: "BDAT <size> [LAST]", then exactly <size> octets.
                        String[] words = line.trim().split("\\s+");
                        long size = words.length >= 2 && words[1].matches("\\d{1,9}") ? Long.parseLong(words[1]) : -1;
                        boolean last = words.length == 3 && words[2].equalsIgnoreCase("LAST");
                        if (size < 0 || words.length > 3 || words.length == 3 && !last || !chunking) {
                            reply(out, "501 5.5.4 Syntax: BDAT count [LAST]");
                            return; // the octets that follow cannot be told from commands: end the session
                        }
                        byte[] octets = in.readNBytes((int) size);
                        if (octets.length < size) {
                            return;
                        }
                        if (chunks == null) {
                            chunks = new ByteArrayOutputStream();
                            chunkCount = 0;
                            chunkRefused = false;
                        }
                        chunks.write(octets);
                        chunkCount++;
                        if (chunkRefused) {
                            // Section 2: after a refused chunk the transaction has failed.
                            reply(out, "503 5.5.1 Error: transaction failed, RSET");
                        } else if (!last) {
                            String r = bdatReply.apply(chunkCount);
                            chunkRefused = !r.startsWith("2");
                            reply(out, r);
                        } else {
                            if (endReply.startsWith("2")) {
                                messages.add(chunks.toByteArray());
                            }
                            reply(out, endReply);
                        }
                        if (last) {
                            chunks = null;
                        }
                    }
                    case "RSET", "NOOP" -> {
                        chunks = null;
                        reply(out, "250 2.0.0 Ok");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void multiline(OutputStream out, int code, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i)).append("\r\n");
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                return null;
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Reads DATA content up to the final dot and undoes dot-stuffing (RFC 5321 section 4.5.2). */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new IOException("connection closed in DATA");
            }
            if (line.equals(".")) {
                return content.toByteArray();
            }
            content.write((line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.UTF_8));
            content.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
