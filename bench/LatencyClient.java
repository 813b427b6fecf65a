import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * java bench/LatencyClient.java HOST PORT SESSIONS MESSAGES SIZE
 * </pre>
 * prints p50/p90/p99/max in milliseconds and the message rate, and a last line
 * {@code RESULT msgs=N errors=N secs=S rate=R p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..} for scripts.
 * Exits 1 when any transaction failed.
 */
public final class LatencyClient {

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: java LatencyClient.java HOST PORT SESSIONS MESSAGES SIZE");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int sessions = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        byte[] content = message(Integer.parseInt(args[4]));

        long[][] latencies = new long[sessions][];
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            int session = i;
            threads.add(Thread.ofPlatform().name("session-" + i).start(() -> {
                try {
                    start.await();
                    latencies[session] = runSession(host, port, messages, content);
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
    private static long[] runSession(String host, int port, int messages, byte[] content) throws IOException {
        long[] out = new long[messages];
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 30_000);
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream os = socket.getOutputStream();
            expect(in, 220);
            command(os, in, "EHLO client.bench.test", 250);
            for (int i = 0; i < messages; i++) {
                long t0 = System.nanoTime();
                command(os, in, "MAIL FROM:<sender@bench.test>", 250);
                command(os, in, "RCPT TO:<user@example.test>", 250);
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
