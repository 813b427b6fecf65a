package org.postern.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.delivery.LmtpClient.Envelope;
import org.postern.testing.TestDovecot;

/** The LMTP client against a real Dovecot LMTP server, over its unix socket and over TCP. */
class LmtpClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] HEADERS = "X-Prepended: yes\r\n".getBytes(StandardCharsets.US_ASCII);

    static TestDovecot dovecot;

    @BeforeAll
    static void start() {
        dovecot = TestDovecot.startWithUsers("alice@example.com", "bob@example.com", "carol@example.org",
                "dave@example.org", "erin@example.org", "frank@example.org");
    }

    @AfterAll
    static void stop() {
        dovecot.close();
    }

    private static LmtpClient unixClient() {
        return new LmtpClient(dovecot.lmtpUnixDestination(), "mx.example.net", TIMEOUT, TIMEOUT);
    }

    private static LmtpClient inetClient() {
        return new LmtpClient(dovecot.lmtpInetDestination(), "mx.example.net", TIMEOUT, TIMEOUT);
    }

    private static byte[] message(String subject, String body) {
        return ("From: <sender@example.net>\r\nSubject: " + subject + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static List<DeliveryResult> send(LmtpClient client, List<String> rcpts, byte[] content) {
        return client.deliver(Envelope.of("sender@example.net", rcpts), HEADERS, new ByteArrayInputStream(content),
                content.length);
    }

    /** The stored message with Dovecot's own trace headers (Return-Path, Delivered-To, Received) cut off. */
    private static String lastStored(String user, String domain) {
        List<byte[]> msgs = dovecot.messages(user, domain);
        assertThat(msgs).isNotEmpty();
        String all = new String(msgs.getLast(), StandardCharsets.UTF_8);
        int at = all.indexOf("X-Prepended: yes\n");
        assertThat(at).as(all).isNotNegative();
        return all.substring(at);
    }

    @Test
    void twoRecipientsOverUnixSocket() {
        byte[] content = message("unix", "Hello over a unix socket.\r\n");
        List<DeliveryResult> results;
        try (LmtpClient client = unixClient()) {
            results = send(client, List.of("alice@example.com", "bob@example.com"), content);
        }

        assertThat(results).extracting(DeliveryResult::recipient).containsExactly("alice@example.com", "bob@example.com");
        for (DeliveryResult r : results) {
            assertThat(r.status()).isEqualTo(Status.SENT);
            assertThat(r.dsn()).isEqualTo("2.0.0");
            assertThat(r.text()).startsWith("250 2.0.0 <" + r.recipient() + ">").endsWith(" Saved");
            assertThat(r.reply()).isEqualTo(r.text());
            assertThat(r.relay()).isEqualTo("mx.example.net[" + dovecot.lmtpUnixSocket() + "]");
        }
        String expected = "X-Prepended: yes\nFrom: <sender@example.net>\nSubject: unix\n\nHello over a unix socket.\n";
        assertThat(lastStored("alice", "example.com")).isEqualTo(expected);
        assertThat(lastStored("bob", "example.com")).isEqualTo(expected);
    }

    @Test
    void twoRecipientsOverTcp() {
        byte[] content = message("tcp", "Hello over TCP.\r\n");
        List<DeliveryResult> results;
        try (LmtpClient client = inetClient()) {
            results = send(client, List.of("carol@example.org", "dave@example.org"), content);
        }

        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(Status.SENT);
            assertThat(r.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + dovecot.lmtpPort());
        });
        String expected = "X-Prepended: yes\nFrom: <sender@example.net>\nSubject: tcp\n\nHello over TCP.\n";
        assertThat(lastStored("carol", "example.org")).isEqualTo(expected);
        assertThat(lastStored("dave", "example.org")).isEqualTo(expected);
    }

    @Test
    void unknownRecipientBouncesOthersAreDelivered() {
        int before = dovecot.messages("erin", "example.org").size();
        List<DeliveryResult> results;
        try (LmtpClient client = unixClient()) {
            results = send(client, List.of("nobody@example.org", "erin@example.org"), message("mixed", "x\r\n"));
        }

        DeliveryResult unknown = results.get(0);
        assertThat(unknown.recipient()).isEqualTo("nobody@example.org");
        assertThat(unknown.status()).isEqualTo(Status.BOUNCED);
        assertThat(unknown.dsn()).isEqualTo("5.1.1");
        assertThat(unknown.reply()).startsWith("550 5.1.1 <nobody@example.org>");
        assertThat(unknown.text()).isEqualTo("host mx.example.net[" + dovecot.lmtpUnixSocket() + "] said: "
                + unknown.reply() + " (in reply to RCPT TO command)");
        assertThat(results.get(1).status()).isEqualTo(Status.SENT);
        assertThat(dovecot.messages("erin", "example.org")).hasSize(before + 1);
    }

    @Test
    void allRecipientsUnknownSendsNoData() {
        try (LmtpClient client = inetClient()) {
            List<DeliveryResult> results = send(client, List.of("x@example.org", "y@example.org"), message("none", "x\r\n"));
            assertThat(results).extracting(DeliveryResult::status).containsExactly(Status.BOUNCED, Status.BOUNCED);
            // the connection is still usable for the next message
            assertThat(send(client, List.of("frank@example.org"), message("after", "y\r\n")))
                    .extracting(DeliveryResult::status).containsExactly(Status.SENT);
        }
    }

    @Test
    void oneConnectionDeliversSeveralMessages() {
        int before = dovecot.messages("frank", "example.org").size();
        try (LmtpClient client = unixClient()) {
            for (int i = 0; i < 3; i++) {
                assertThat(send(client, List.of("frank@example.org"), message("reuse " + i, "n\r\n")).getFirst().sent())
                        .isTrue();
            }
        }
        List<byte[]> msgs = dovecot.messages("frank", "example.org");
        assertThat(msgs).hasSize(before + 3);
        assertThat(new String(msgs.getLast(), StandardCharsets.UTF_8)).contains("Subject: reuse 2\n");
    }

    @Test
    void dotStuffing() {
        String body = ".\r\n..\r\n.leading dot\r\nmiddle . dot\r\n.\r\nlast line without end";
        try (LmtpClient client = unixClient()) {
            assertThat(send(client, List.of("alice@example.com"), message("dots", body)).getFirst().sent()).isTrue();
        }
        assertThat(lastStored("alice", "example.com")).endsWith(
                "Subject: dots\n\n.\n..\n.leading dot\nmiddle . dot\n.\nlast line without end\n");
    }

    @Test
    void largeMessage() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 5 * 1024 * 1024; i++) {
            body.append(i % 100 == 0 ? "." : "").append("line ").append(i).append(' ').append("x".repeat(70)).append("\r\n");
        }
        byte[] content = message("large", body.toString());
        try (LmtpClient client = inetClient()) {
            assertThat(send(client, List.of("bob@example.com"), content).getFirst().sent()).isTrue();
        }
        String stored = lastStored("bob", "example.com");
        String expected = "X-Prepended: yes\n" + new String(content, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertThat(stored.length()).isEqualTo(expected.length());
        assertThat(stored).isEqualTo(expected);
    }

    @Test
    void contentReadErrorDefersAndDeliversNothing() {
        int before = dovecot.messages("alice", "example.com").size();
        InputStream failing = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ > 100) {
                    throw new IOException("queue file vanished");
                }
                return 'a';
            }
        };
        try (LmtpClient client = unixClient()) {
            List<DeliveryResult> results = client.deliver(Envelope.of("", List.of("alice@example.com")), HEADERS,
                    failing, 1000);
            assertThat(results.getFirst().status()).isEqualTo(Status.DEFERRED);
            assertThat(results.getFirst().text()).isEqualTo("error reading message content: queue file vanished");
            // the client reconnects for the next message
            assertThat(send(client, List.of("alice@example.com"), message("next", "z\r\n")).getFirst().sent()).isTrue();
        }
        assertThat(dovecot.messages("alice", "example.com")).hasSize(before + 1);
    }

    @Test
    void missingUnixSocketDefersAll() {
        String path = dovecot.directory().resolve("no-such-socket").toString();
        try (LmtpClient client = new LmtpClient("unix:" + path, "mx.example.net", TIMEOUT, TIMEOUT)) {
            List<DeliveryResult> results = send(client, List.of("a@example.com", "b@example.com"), message("s", "x\r\n"));
            assertThat(results).extracting(DeliveryResult::recipient).containsExactly("a@example.com", "b@example.com");
            assertThat(results).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(Status.DEFERRED);
                assertThat(r.dsn()).isEqualTo("4.4.1");
                assertThat(r.relay()).isEqualTo("none");
                assertThat(r.text()).startsWith("connect to mx.example.net[" + path + "]: ");
                assertThat(r.connectionFailure()).isTrue();
            });
        }
    }

    @Test
    void closedTcpPortDefersAll() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (LmtpClient client = new LmtpClient("inet:127.0.0.1:" + port, "mx.example.net", TIMEOUT, TIMEOUT)) {
            DeliveryResult r = send(client, List.of("a@example.com"), message("s", "x\r\n")).getFirst();
            assertThat(r.status()).isEqualTo(Status.DEFERRED);
            assertThat(r.text()).startsWith("connect to 127.0.0.1[127.0.0.1]:" + port + ": ");
            assertThat(r.connectionFailure()).as("the destination's failure, for the dead-destination memory").isTrue();
        }
    }

    @Test
    void silentServerTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             LmtpClient client = new LmtpClient("inet:127.0.0.1:" + silent.getLocalPort(), "mx.example.net",
                     TIMEOUT, Duration.ofMillis(300))) {
            // the kernel completes the TCP handshake from the backlog; nobody ever greets
            DeliveryResult r = send(client, List.of("a@example.com"), message("s", "x\r\n")).getFirst();
            assertThat(r.status()).isEqualTo(Status.DEFERRED);
            assertThat(r.dsn()).isEqualTo("4.4.2");
            assertThat(r.text()).isEqualTo("conversation with 127.0.0.1[127.0.0.1]:" + silent.getLocalPort()
                    + " timed out while receiving the initial server greeting");
            assertThat(r.connectionFailure()).isTrue();
        }
    }

    @Test
    void serverStoppedAfterGreetingDefers() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             LmtpClient client = new LmtpClient("inet:127.0.0.1:" + server.getLocalPort(), "mx.example.net",
                     TIMEOUT, TIMEOUT)) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write("220 fake ready\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read(new byte[100]); // LHLO, then hang up
                } catch (IOException ignored) {
                    // the test checks the client's view
                }
            });
            DeliveryResult r = send(client, List.of("a@example.com"), message("s", "x\r\n")).getFirst();
            assertThat(r.status()).isEqualTo(Status.DEFERRED);
            assertThat(r.text()).isEqualTo("lost connection with 127.0.0.1[127.0.0.1]:" + server.getLocalPort()
                    + " while performing the LHLO handshake");
            assertThat(r.connectionFailure()).isTrue();
        }
    }

    @Test
    void dsnFromReply() {
        assertThat(new Reply(452, List.of("4.2.2 <a@b> Quota exceeded")).dsn()).isEqualTo("4.2.2");
        assertThat(new Reply(550, List.of("no enhanced code")).dsn()).isEqualTo("5.0.0");
        assertThat(new Reply(450, List.of("5.1.1 class mismatch")).dsn()).isEqualTo("4.0.0");
        assertThat(new Reply(250, List.of("2.1.5")).dsn()).isEqualTo("2.1.5");
    }
}
