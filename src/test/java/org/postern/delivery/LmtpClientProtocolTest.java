package org.postern.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.delivery.LmtpClient.Envelope;

/**
 * Protocol details Dovecot does not exercise, against a scripted LMTP server: lock-step mode
 * without PIPELINING, MAIL parameters, mixed replies after the final dot (RFC 2033 section 4.2),
 * SIZE and SMTPUTF8 refusals, a connection lost after the final dot, the exact DATA bytes.
 */
class LmtpClientProtocolTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A one-connection LMTP server that answers from a script and records what it got. */
    static final class ScriptedServer implements AutoCloseable {
        final ServerSocket socket;
        final List<String> capabilities;
        final List<String> rcptReplies = new ArrayList<>();
        final List<String> dataReplies = new ArrayList<>();
        volatile String greeting = "220 scripted LMTP";
        String mailReply = "250 2.1.0 OK";
        boolean hangUpAfterFirstDataReply;
        final List<String> commands = Collections.synchronizedList(new ArrayList<>());
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final CountDownLatch done = new CountDownLatch(1);

        ScriptedServer(String... capabilities) throws IOException {
            this.socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            this.capabilities = List.of(capabilities);
            Thread.ofVirtual().start(this::serve);
        }

        String destination() {
            return "inet:127.0.0.1:" + socket.getLocalPort();
        }

        private void serve() {
            try (Socket s = socket.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                reply(out, greeting);
                int rcpt = 0;
                for (String line; (line = readLine(in)) != null; ) {
                    commands.add(line);
                    String verb = line.split("[ :]", 2)[0].toUpperCase();
                    switch (verb) {
                        case "LHLO" -> {
                            // RFC 5321 section 4.2: "250-" on every line but the last
                            List<String> lines = new ArrayList<>(List.of("scripted"));
                            lines.addAll(capabilities);
                            StringBuilder r = new StringBuilder();
                            for (int i = 0; i < lines.size(); i++) {
                                r.append(i > 0 ? "\r\n" : "").append(i < lines.size() - 1 ? "250-" : "250 ")
                                        .append(lines.get(i));
                            }
                            reply(out, r.toString());
                        }
                        case "MAIL" -> reply(out, mailReply);
                        case "RCPT" -> reply(out, rcptReplies.get(rcpt++));
                        case "DATA" -> {
                            reply(out, "354 go ahead");
                            readData(in);
                            for (String r : dataReplies) {
                                reply(out, r);
                                if (hangUpAfterFirstDataReply) {
                                    return;
                                }
                            }
                        }
                        case "RSET" -> {
                            rcpt = 0;
                            reply(out, "250 2.0.0 OK");
                        }
                        case "QUIT" -> {
                            reply(out, "221 2.0.0 bye");
                            return;
                        }
                        default -> reply(out, "500 5.5.1 unknown");
                    }
                }
            } catch (IOException ignored) {
                // the client's side is what the tests check
            } finally {
                done.countDown();
            }
        }

        private void readData(InputStream in) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int b; (b = in.read()) >= 0; ) {
                all.write(b);
                String sofar = all.toString(StandardCharsets.ISO_8859_1);
                if (sofar.equals(".\r\n") || sofar.endsWith("\r\n.\r\n")) {
                    data.writeBytes(all.toByteArray());
                    return;
                }
            }
        }

        private static void reply(OutputStream out, String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    return null;
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        void awaitDone() throws InterruptedException {
            assertThat(done.await(10, TimeUnit.SECONDS)).as("scripted server finished").isTrue();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private ScriptedServer server;

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static List<DeliveryResult> deliver(ScriptedServer s, Envelope env, String content) {
        return deliver(s, env, content, s.destination());
    }

    private static List<DeliveryResult> deliver(ScriptedServer s, Envelope env, String content, String destination) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try (LmtpClient client = new LmtpClient(destination, "mx.example.net", TIMEOUT, TIMEOUT)) {
            return client.deliver(env, "X-Trace: 1\r\n".getBytes(StandardCharsets.US_ASCII),
                    new ByteArrayInputStream(bytes), bytes.length);
        }
    }

    @Test
    void lockStepWithParametersAndOneReplyPerRecipientAfterData() throws Exception {
        server = new ScriptedServer("8BITMIME", "SMTPUTF8", "SIZE 100000", "ENHANCEDSTATUSCODES");
        server.rcptReplies.addAll(List.of("250 2.1.5 OK", "550 5.1.1 <c@x> unknown", "250 2.1.5 OK"));
        server.dataReplies.addAll(List.of("250 2.0.0 <a@x> saved", "452 4.2.2 <d@x> Quota exceeded"));
        String content = "Subject: t\r\n\r\nbody\r\n";

        List<DeliveryResult> results = deliver(server, new Envelope("s@x", List.of("a@x", "c@x", "d@x"), true, true),
                content);
        server.awaitDone();

        long size = "X-Trace: 1\r\n".length() + content.length();
        assertThat(server.commands).containsExactly("LHLO mx.example.net",
                "MAIL FROM:<s@x> BODY=8BITMIME SMTPUTF8 SIZE=" + size,
                "RCPT TO:<a@x>", "RCPT TO:<c@x>", "RCPT TO:<d@x>", "DATA", "QUIT");
        String relay = "127.0.0.1[127.0.0.1]:" + server.socket.getLocalPort();
        assertThat(results).containsExactly(
                new DeliveryResult("a@x", Status.SENT, "2.0.0", "250 2.0.0 <a@x> saved", relay, "250 2.0.0 <a@x> saved"),
                new DeliveryResult("c@x", Status.BOUNCED, "5.1.1",
                        "host " + relay + " said: 550 5.1.1 <c@x> unknown (in reply to RCPT TO command)", relay,
                        "550 5.1.1 <c@x> unknown"),
                new DeliveryResult("d@x", Status.DEFERRED, "4.2.2",
                        "host " + relay + " said: 452 4.2.2 <d@x> Quota exceeded (in reply to end of DATA command)",
                        relay, "452 4.2.2 <d@x> Quota exceeded"));
    }

    @Test
    void dataBytesAreDotStuffedWithCrlfLineEnds() throws Exception {
        server = new ScriptedServer("PIPELINING");
        server.rcptReplies.add("250 OK");
        server.dataReplies.add("250 OK");

        List<DeliveryResult> results = deliver(server, Envelope.of("", List.of("a@x")), ".a\r\nb\n..\r\nc\r\n.");
        server.awaitDone();

        assertThat(results.getFirst().status()).isEqualTo(Status.SENT);
        assertThat(results.getFirst().dsn()).isEqualTo("2.0.0");
        assertThat(server.commands).startsWith("LHLO mx.example.net", "MAIL FROM:<>", "RCPT TO:<a@x>", "DATA");
        assertThat(server.data.toString(StandardCharsets.US_ASCII))
                .isEqualTo("X-Trace: 1\r\n..a\r\nb\r\n...\r\nc\r\n..\r\n.\r\n");
    }

    @Test
    void mailRejectedAppliesToEveryRecipient() throws Exception {
        server = new ScriptedServer();
        server.mailReply = "451 4.3.0 try later";

        List<DeliveryResult> results = deliver(server, Envelope.of("s@x", List.of("a@x", "b@x")), "x\r\n");
        server.awaitDone();

        assertThat(results).extracting(DeliveryResult::recipient).containsExactly("a@x", "b@x");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(Status.DEFERRED);
            assertThat(r.dsn()).isEqualTo("4.3.0");
            assertThat(r.text()).endsWith("said: 451 4.3.0 try later (in reply to MAIL FROM command)");
            assertThat(r.connectionFailure()).as("a server that answers is alive").isFalse();
        });
        assertThat(server.commands).doesNotContain("DATA").noneMatch(c -> c.startsWith("RCPT"));
    }

    @Test
    void refusedGreetingIsTheDestinationsFailure() throws Exception {
        server = new ScriptedServer();
        server.greeting = "421 4.3.2 Service shutting down";

        DeliveryResult r = deliver(server, Envelope.of("s@x", List.of("a@x")), "x\r\n").getFirst();
        server.awaitDone();

        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.3.2");
        assertThat(r.text()).isEqualTo("host 127.0.0.1[127.0.0.1]:" + server.socket.getLocalPort()
                + " refused to talk to me: 421 4.3.2 Service shutting down");
        // Like a refused connection, this marks the destination dead in the queue manager.
        assertThat(r.connectionFailure()).isTrue();
        assertThat(server.commands).isEmpty();
    }

    @Test
    void tooLargeForServerBounces() throws Exception {
        server = new ScriptedServer("SIZE 10");

        DeliveryResult r = deliver(server, Envelope.of("s@x", List.of("a@x")), "more than ten bytes\r\n").getFirst();
        server.awaitDone();

        assertThat(r.status()).isEqualTo(Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.3.4");
        assertThat(server.commands).containsExactly("LHLO mx.example.net", "QUIT");
    }

    @Test
    void nonAsciiAddressNeedsSmtputf8() throws Exception {
        server = new ScriptedServer("8BITMIME");

        DeliveryResult r = deliver(server, Envelope.of("s@x", List.of("jörg@x")), "x\r\n").getFirst();
        server.awaitDone();

        assertThat(r.status()).isEqualTo(Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.6.7");
        assertThat(r.recipient()).isEqualTo("jörg@x");
    }

    @Test
    void connectionLostAfterFinalDotDefersTheRest() throws Exception {
        server = new ScriptedServer("PIPELINING");
        server.rcptReplies.addAll(List.of("250 OK", "250 OK"));
        server.dataReplies.addAll(List.of("250 2.0.0 first saved", "250 2.0.0 never sent"));
        server.hangUpAfterFirstDataReply = true;

        List<DeliveryResult> results = deliver(server, Envelope.of("s@x", List.of("a@x", "b@x")), "x\r\n");
        server.awaitDone();

        assertThat(results.get(0).status()).isEqualTo(Status.SENT);
        assertThat(results.get(1).status()).isEqualTo(Status.DEFERRED);
        assertThat(results.get(1).text()).isEqualTo("lost connection with 127.0.0.1[127.0.0.1]:"
                + server.socket.getLocalPort() + " while sending end of data -- message may be sent more than once");
    }

    @Test
    void badDestinationsAndAddressesAreRejectedUpFront() {
        for (String bad : List.of("unix:", "inet:127.0.0.1:x", "inet:127.0.0.1:0", "inet::24", "host:70000")) {
            assertThatThrownBy(() -> new LmtpClient(bad, "h", TIMEOUT, TIMEOUT))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Envelope.of("s@x", List.of("a@x>\r\nRSET")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultPortAndBracketedAddress() throws Exception {
        // destinations parse without connecting; the relay shows host[address]:port
        server = new ScriptedServer();
        server.mailReply = "550 5.7.1 no";
        String dest = "[127.0.0.1]:" + server.socket.getLocalPort();
        DeliveryResult r = deliver(server, Envelope.of("s@x", List.of("a@x")), "x\r\n", dest).getFirst();
        server.awaitDone();
        assertThat(r.relay()).isEqualTo("127.0.0.1[127.0.0.1]:" + server.socket.getLocalPort());
        assertThat(r.status()).isEqualTo(Status.BOUNCED);
    }
}
