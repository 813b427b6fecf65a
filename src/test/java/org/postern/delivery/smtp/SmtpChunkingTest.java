package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.dns.DnsResolver;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestDnsServer;

/**
 * CHUNKING (RFC 3030) in the smtp client: a server that offers it gets the message in BDAT
 * chunks of 64 KiB, octet for octet as stored (no dot-stuffing, no line-end repair), pipelined
 * when PIPELINING is offered; a server that does not gets DATA as before.
 */
class SmtpChunkingTest {

    private TestDnsServer dns;
    private ScriptedSmtpServer mx;
    private SmtpTransport transport;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        mx = new ScriptedSmtpServer("127.0.0.2");
        mx.chunking = true;
        dns.add("remote.test", "MX", "10 mx.remote.test.");
        dns.add("mx.remote.test", "A", "127.0.0.2");
        transport = new SmtpTransport("smtp", DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2)),
                SmtpClientSettings.defaults("client.test").withDefaultPort(mx.port()), null, null, new Random(1));
    }

    @AfterEach
    void tearDown() {
        transport.close();
        mx.close();
        dns.close();
    }

    /** A message of about {@code size} octets with lines that DATA would have to dot-stuff. */
    private static byte[] message(int size) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes("From: a@client.test\r\nTo: user@remote.test\r\nSubject: chunks\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int line = 0; m.size() < size; line++) {
            m.writeBytes(((line % 7 == 0 ? ".dot line " : "line ") + line + " " + "x".repeat(line % 90) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        m.writeBytes(".\r\n..\r\nend\r\n".getBytes(StandardCharsets.US_ASCII));
        return m.toByteArray();
    }

    private List<Transport.Delivery> deliver(byte[] content) {
        Envelope e = Envelope.of("4CHUNK", "sender@client.test", List.of(Recipient.of("user@remote.test")), Instant.now(),
                Envelope.ClientInfo.UNKNOWN).withSize(content.length);
        return transport.deliver(e, () -> new ByteArrayInputStream(content), "remote.test", e.recipients());
    }

    private List<String> bdatCommands() {
        return mx.commands().stream().filter(c -> c.startsWith("BDAT")).toList();
    }

    private static List<String> expectedChunks(int length) {
        List<String> out = new ArrayList<>();
        int left = length;
        while (left > SmtpClient.CHUNK_SIZE) {
            out.add("BDAT " + SmtpClient.CHUNK_SIZE);
            left -= SmtpClient.CHUNK_SIZE;
        }
        out.add("BDAT " + left + " LAST");
        return out;
    }

    @Test
    void aLargeMessageGoesInPipelinedChunksOctetForOctet() {
        byte[] content = message(200_000);
        List<Transport.Delivery> results = deliver(content);

        assertThat(results).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
            assertThat(d.text()).isEqualTo("250 2.0.0 Ok: queued as SCRIPTED1");
        });
        assertThat(mx.rawMessages()).singleElement().isEqualTo(content);
        assertThat(bdatCommands()).containsExactlyElementsOf(expectedChunks(content.length)).hasSize(4);
        assertThat(mx.commands()).doesNotContain("DATA");
    }

    @Test
    void withoutPipeliningEachChunkWaitsForItsReply() {
        mx.extensions = List.of("SIZE 10240000", "8BITMIME");
        byte[] content = message(140_000);
        assertThat(deliver(content)).singleElement().extracting(Transport.Delivery::status)
                .isEqualTo(Recipient.Status.DELIVERED);
        assertThat(mx.rawMessages()).singleElement().isEqualTo(content);
        assertThat(bdatCommands()).containsExactlyElementsOf(expectedChunks(content.length));
    }

    @Test
    void aSmallMessageIsOneLastChunkAndChunkSizedMessagesEndWithoutAnEmptyChunk() {
        byte[] small = "Subject: s\r\n\r\n.one dot\r\nno final line end".getBytes(StandardCharsets.US_ASCII);
        deliver(small);
        assertThat(bdatCommands()).containsExactly("BDAT " + small.length + " LAST");

        byte[] exact = new byte[SmtpClient.CHUNK_SIZE * 2];
        java.util.Arrays.fill(exact, (byte) 'a');
        deliver(exact);
        assertThat(mx.rawMessages()).containsExactly(small, exact);
        assertThat(bdatCommands()).containsExactly("BDAT " + small.length + " LAST",
                "BDAT " + SmtpClient.CHUNK_SIZE, "BDAT " + SmtpClient.CHUNK_SIZE + " LAST");
    }

    @Test
    void aServerWithoutChunkingGetsData() {
        mx.chunking = false;
        byte[] content = message(1000);
        assertThat(deliver(content)).singleElement().extracting(Transport.Delivery::status)
                .isEqualTo(Recipient.Status.DELIVERED);
        assertThat(mx.rawMessages()).singleElement().isEqualTo(content);
        assertThat(mx.commands()).contains("DATA").noneMatch(c -> c.startsWith("BDAT"));
    }

    @Test
    void aRefusedChunkDefersTheMessageAndResetsTheSession() {
        mx.extensions = List.of("SIZE 10240000", "8BITMIME");   // no PIPELINING: the client sees the refusal at once
        mx.bdatReply = n -> n == 2 ? "452 4.3.1 Insufficient system storage" : "250 2.0.0 ok";
        byte[] content = message(300_000);

        assertThat(deliver(content)).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
            assertThat(d.dsn()).isEqualTo("4.3.1");
            assertThat(d.text()).isEqualTo("host mx.remote.test[127.0.0.2] said: 452 4.3.1 Insufficient system storage "
                    + "(in reply to BDAT command)");
        });
        assertThat(bdatCommands()).as("no chunk after the refused one").hasSize(2);
        assertThat(mx.commands()).contains("RSET");
        assertThat(mx.rawMessages()).isEmpty();
    }

    @Test
    void theReplyToTheLastChunkIsTheAnswerToTheMessage() {
        mx.endReply = "554 5.7.1 Message rejected as spam";
        assertThat(deliver(message(100_000))).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
            assertThat(d.text()).isEqualTo("host mx.remote.test[127.0.0.2] said: 554 5.7.1 Message rejected as spam "
                    + "(in reply to end of DATA command)");
        });
    }
}
