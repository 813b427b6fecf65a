package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.queue.Recipient;
import org.postern.queue.SpoolTools;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestDovecot;

/**
 * Dovecot's LMTP is down (nothing listens on the TCP port of {@code virtual_transport =
 * lmtp:inet:...}): accepted mail stays queued, deferred and logged as Postfix logs a refused
 * connection; the refusal makes the destination dead, so the next message is deferred without
 * a connection attempt ("delivery temporarily suspended"); when LMTP is back,
 * {@code postern queue flush} delivers both. The backoff times are an hour, so only the flush
 * can have delivered them. The port is a small gate in front of
 * a real Dovecot that the test opens and shuts (Dovecot picks its own port).
 * DovecotLmtpEndToEndTest covers the unix socket case with the retry timer.
 */
class LmtpOutageTest {

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");

    @TempDir
    static Path dir;
    static TestDovecot dovecot;
    static Gate gate;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        dovecot = TestDovecot.start();
        gate = new Gate(TestPostern.freePort(), dovecot.lmtpPort());
        postern = TestPostern.start(dir, """
                virtual_transport = lmtp:inet:127.0.0.1:%d
                queue_run_delay = 1h
                minimal_backoff_time = 1h
                maximal_backoff_time = 1h
                """.formatted(gate.port));
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (gate != null) {
            gate.shut();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    @Test
    void mailWaitsInTheQueueWhileLmtpIsDownAndAFlushDeliversIt() throws Exception {
        String refused = "connect to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + gate.port + ": Connection refused";
        String id = send("lmtp-outage");
        postern.awaitLog(id + ": to=<alice@example.test>, relay=");
        assertThat(postern.logText()).containsPattern("postern/lmtp\\[\\d+\\]: " + id
                + ": to=<alice@example.test>, relay=none, delay=[0-9.]+, delays=[0-9./]+, "
                + "dsn=4\\.4\\.1, status=deferred \\(" + refused + "\\)");
        // Postfix's qmgr: a refused connection makes the destination dead for minimal_backoff_time.
        assertThat(postern.logText()).containsPattern("postern/qmgr\\[\\d+\\]: " + id + ": destination "
                + "lmtp:inet:127\\.0\\.0\\.1:" + gate.port + " is not reachable; deliveries to it are suspended "
                + "for 3600s: " + refused + "\n");
        TestPostern.await(() -> postern.server().queueManager().idle(), Duration.ofSeconds(20), "queue manager idle");

        // The next message is not tried: deferred at once with the reason, logged by the retry
        // service as Postfix's error(8) logs it.
        String second = send("lmtp-outage second");
        postern.awaitLog(second + ": to=<alice@example.test>, relay=");
        assertThat(postern.logText()).containsPattern("postern/error\\[\\d+\\]: " + second
                + ": to=<alice@example.test>, relay=none, delay=[0-9.]+, delays=[0-9.]+/0/0/0, "
                + "dsn=4\\.4\\.1, status=deferred \\(delivery temporarily suspended: " + refused + "\\)");
        assertThat(postern.logText()).as("no LMTP connection attempt for the second message")
                .doesNotContainPattern("postern/lmtp\\[\\d+\\]: " + second + ": ");
        TestPostern.await(() -> postern.server().queueManager().idle(), Duration.ofSeconds(20), "queue manager idle");
        for (String queued : List.of(id, second)) {
            assertThat(postern.server().spool().get(queued)).hasValueSatisfying(e -> assertThat(e.envelope().recipients())
                    .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(Recipient.Status.DEFERRED)));
        }
        assertThat(dovecot.messages("alice", "example.test")).isEmpty();

        gate.open();
        var flushed = new SpoolTools(postern.server().spool(), postern.server().queueManager(), Clock.systemUTC())
                .flush(null);   // what postern queue flush asks the running server to do
        assertThat(flushed.done()).containsExactlyInAnyOrder(id, second);
        TestPostern.await(() -> dovecot.messages("alice", "example.test").size() == 2,
                Duration.ofSeconds(20), "delivery to Dovecot after the flush");
        postern.awaitLog(id + ": removed");
        postern.awaitLog(second + ": removed");
        for (String delivered : List.of(id, second)) {
            assertThat(postern.logText()).containsPattern("postern/lmtp\\[\\d+\\]: " + delivered
                    + ": to=<alice@example.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:"
                    + gate.port + ", .*status=sent \\(250 2\\.0\\.0 ");
        }
    }

    private static String send(String subject) throws IOException {
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.example")).startsWith("250-");
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            c.send("Subject: " + subject + "\r\n\r\nhello\r\n.\r\n");
            String reply = c.reply();
            Matcher m = QUEUED.matcher(reply);
            assertThat(m.find()).as(reply).isTrue();
            return m.group(1);
        }
    }

    /**
     * A TCP port on 127.0.0.1 that refuses connections while shut and, while open, passes
     * each connection through to the target port.
     */
    static final class Gate {
        final int port;
        private final int target;
        private volatile ServerSocket listener;

        Gate(int port, int target) {
            this.port = port;
            this.target = target;
        }

        void open() throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            listener = s;
            Thread.ofVirtual().start(() -> {
                while (!s.isClosed()) {
                    try {
                        Socket client = s.accept();
                        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                        Thread.ofVirtual().start(() -> pipe(client, server));
                        Thread.ofVirtual().start(() -> pipe(server, client));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        void shut() {
            try {
                if (listener != null) {
                    listener.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        private static void pipe(Socket from, Socket to) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ended) {
                // one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // both closed now
                }
            }
        }
    }
}
