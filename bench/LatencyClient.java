import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SMTP load client that measures the latency of each mail transaction.
 *
 * <p>Opens SESSIONS connections at once; each sends MESSAGES messages of SIZE bytes one after
 * the other over the same connection (MAIL, RCPT, DATA, content, "." per message, no pipelining),
 * then QUIT. A transaction's latency is the time from sending MAIL FROM to reading the 250 after
 * the final ".": for a server that makes the message durable before it answers (Postfix, Postern)
 * that includes the fsync.
 *
 * <pre>
 * java bench/LatencyClient.java [OPTIONS] HOST PORT SESSIONS MESSAGES SIZE
 * java bench/LatencyClient.java [OPTIONS] --file MESSAGE_FILE HOST PORT SESSIONS MESSAGES
 * </pre>
 * prints p50/p90/p99/max in milliseconds and the message rate, and a last line
 * {@code RESULT msgs=N errors=N secs=S rate=R p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..} for scripts.
 * Exits 1 when any transaction failed.
 *
 * <p>Options: {@code --helo NAME} (default client.bench.test), {@code --from ADDRESS} (default
 * sender@bench.test), {@code --to ADDRESS} (default user@example.test), {@code --file FILE}: send
 * this message (header and body, LF or CRLF line ends; lines starting with "." are dot-stuffed,
 * RFC 5321 section 4.5.2) instead of a generated one of SIZE bytes, e.g. a DKIM-signed message.
 */
public final class LatencyClient {

    public static void main(String[] args) throws Exception {
        Envelope envelope = new Envelope("client.bench.test", "sender@bench.test", "user@example.test");
        Path file = null;
        int a = 0;
        for (; a + 1 < args.length && args[a].startsWith("--"); a += 2) {
            switch (args[a]) {
                case "--helo" -> envelope = new Envelope(args[a + 1], envelope.from(), envelope.to());
                case "--from" -> envelope = new Envelope(envelope.helo(), args[a + 1], envelope.to());
                case "--to" -> envelope = new Envelope(envelope.helo(), envelope.from(), args[a + 1]);
                case "--file" -> file = Path.of(args[a + 1]);
                default -> usage("unknown option " + args[a]);
            }
        }
        String[] rest = Arrays.copyOfRange(args, a, args.length);
        if (rest.length != (file == null ? 5 : 4)) {
            usage(file == null ? "expected HOST PORT SESSIONS MESSAGES SIZE" : "with --file: expected HOST PORT SESSIONS MESSAGES");
        }
        String host = rest[0];
        int port = Integer.parseInt(rest[1]);
        int sessions = Integer.parseInt(rest[2]);
        int messages = Integer.parseInt(rest[3]);
        byte[] content = file == null ? message(Integer.parseInt(rest[4])) : messageFile(file);
        Envelope env = envelope;

        long[][] latencies = new long[sessions][];
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int session = i;
            threads.add(Thread.ofPlatform().name("session-" + i).start(() -> {
                try {
                    start.await();
                    latencies[session] = runSession(host, port, messages, content, env);
                } catch (Exception e) {
                    firstError.compareAndSet(null, e.toString());
                    latencies[session] = new long[0];
                }
            }));
        }
        long begin = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - begin) / 1e9;

        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        int lost = sessions * messages - all.length;
        if (firstError.get() != null) {
            System.err.println("first error: " + firstError.get());
        }
        double rate = all.length / secs;
        System.out.printf("sessions=%d messages/session=%d size=%d: %d delivered in %.2f s (%.0f msgs/s), %d not%n",
                sessions, messages, content.length, all.length, secs, rate, lost);
        System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                ms(all, 0.50), ms(all, 0.90), ms(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.out.printf("RESULT msgs=%d errors=%d secs=%.3f rate=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                all.length, lost, secs, rate, ms(all, 0.50), ms(all, 0.90), ms(all, 0.99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.exit(lost == 0 ? 0 : 1);
    }

    /** The latency of each transaction of one session, in nanoseconds. */
    private static long[] runSession(String host, int port, int messages, byte[] content, Envelope env) throws IOException {
        long[] out = new long[messages];
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 30_000);
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream os = socket.getOutputStream();
            expect(in, 220);
            command(os, in, "EHLO " + env.helo(), 250);
            for (int i = 0; i < messages; i++) {
                long t0 = System.nanoTime();
                command(os, in, "MAIL FROM:<" + env.from() + ">", 250);
                command(os, in, "RCPT TO:<" + env.to() + ">", 250);
                command(os, in, "DATA", 354);
                os.write(content);
                os.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                os.flush();
                expect(in, 250);
                out[i] = System.nanoTime() - t0;
            }
            command(os, in, "QUIT", 221);
        }
        return out;
    }

    private static void command(OutputStream os, InputStream in, String line, int code) throws IOException {
        os.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        os.flush();
        expect(in, code);
    }

    /** Reads one (possibly multi-line) reply and checks its code. */
    private static void expect(InputStream in, int code) throws IOException {
        while (true) {
            String line = readLine(in);
            if (line.length() < 3 || Integer.parseInt(line.substring(0, 3)) != code) {
                throw new IOException("expected " + code + ", got: " + line);
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return;
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed by the server" + (sb.isEmpty() ? "" : " after: " + sb));
    }

    /** The EHLO name and the envelope of every transaction. */
    private record Envelope(String helo, String from, String to) {
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: java LatencyClient.java [--helo NAME] [--from ADDRESS] [--to ADDRESS] HOST PORT SESSIONS MESSAGES SIZE");
        System.err.println("       java LatencyClient.java [--helo NAME] [--from ADDRESS] [--to ADDRESS] --file MESSAGE_FILE HOST PORT SESSIONS MESSAGES");
        System.exit(2);
    }

    /**
     * The message in FILE as DATA content: every line ended by CRLF, and a line that starts with
     * "." gets another one in front (RFC 5321 section 4.5.2), so the server stores the file's bytes.
     */
    private static byte[] messageFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        StringBuilder sb = new StringBuilder(text.length() + 200);
        for (String line : text.split("\r?\n", -1)) {
            sb.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        // split() leaves an empty last element after the final line end: drop its CRLF.
        if (text.endsWith("\n")) {
            sb.setLength(sb.length() - 2);
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A message of about SIZE bytes: a few headers and 76-character body lines, CRLF, dot-safe. */
    private static byte[] message(int size) {
        StringBuilder sb = new StringBuilder();
        sb.append("From: <sender@bench.test>\r\nTo: <user@example.test>\r\nSubject: benchmark\r\n")
                .append("Message-ID: <bench@bench.test>\r\n\r\n");
        String line = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmn\r\n";
        while (sb.length() + line.length() <= size) {
            sb.append(line);
        }
        while (sb.length() < size - 2) {
            sb.append('x');
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static double ms(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
