package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.testing.Await.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import org.postern.queue.Envelope;
import org.postern.queue.QueueManager;
import org.postern.queue.Recipient;
import org.postern.queue.Router;
import org.postern.queue.Spool;
import org.postern.queue.SpoolWriter;
import org.postern.queue.Transport;
import org.postern.testing.TestDnsServer;

/**
 * 200 messages through the queue manager and the smtp transport to Postfix's smtp-sink
 * (a real, independent SMTP server implementation): every message arrives, and sessions are
 * reused (conn_use above 1) instead of one connection per message.
 */
class SmtpSinkVolumeTest {

    private static final int MESSAGES = 200;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Process sink;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
        if (sink != null) {
            sink.destroy();
            sink.waitFor();
        }
    }

    @Test
    void deliversManyMessagesOverFewConnections(@TempDir Path dir) throws Exception {
        Path dumps = Files.createDirectories(dir.resolve("dumps"));
        // smtp-sink writes as nobody when started by root: it must reach and write the dump directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("/usr/sbin/smtp-sink"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to keep root privileges
        }
        command.addAll(List.of("-d", dumps + "/msg.", "127.0.0.5:" + port, "100"));
        sink = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("smtp-sink.out").toFile()).start();
        await(() -> accepts("127.0.0.5", port), "smtp-sink listening");

        TestDnsServer dns = new TestDnsServer();
        resources.add(dns);
        dns.add("sink.test", "MX", "10 mx.sink.test.");
        dns.add("mx.sink.test", "A", "127.0.0.5");
        Spool spool = Spool.open(dir.resolve("queue"));
        resources.add(spool);
        SmtpTransport smtp = new SmtpTransport("smtp", DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2)),
                SmtpClientSettings.defaults("client.test").withDefaultPort(port), null, null, new Random(1));
        resources.add(smtp);
        List<Transport.Delivery> deliveries = new CopyOnWriteArrayList<>();
        Transport recording = (envelope, content, nexthop, recipients) -> {
            List<Transport.Delivery> results = smtp.deliver(envelope, content, nexthop, recipients);
            deliveries.addAll(results);
            return results;
        };
        Router router = recipient -> new Router.Route("smtp", "sink.test");
        QueueManager queue = new QueueManager(spool, router, Map.of("smtp", recording),
                new QueueManager.Options(Duration.ofHours(1), Duration.ofSeconds(300), Duration.ofSeconds(4000),
                        Duration.ofDays(5), Duration.ofDays(5), 4, 50), Clock.systemUTC());
        resources.add(queue);
        queue.start();

        for (int i = 0; i < MESSAGES; i++) {
            SpoolWriter w = spool.newMessage();
            w.write(("From: a@client.test\r\nTo: user@sink.test\r\nSubject: volume " + i + "\r\n\r\n.body " + i + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            w.commit(Envelope.of(w.queueId(), "a@client.test", List.of(Recipient.of("user" + i + "@sink.test")),
                    Instant.now(), Envelope.ClientInfo.UNKNOWN));
        }

        await(() -> spool.list().isEmpty(), () -> "all messages delivered; so far " + deliveries.size()
                + " results, first failures: " + deliveries.stream().filter(d -> d.status() != Recipient.Status.DELIVERED)
                .limit(3).toList() + "; smtp-sink said: " + read(dir.resolve("smtp-sink.out")));
        assertThat(deliveries).hasSize(MESSAGES).allSatisfy(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
            assertThat(d.relay()).isEqualTo("mx.sink.test[127.0.0.5]:" + port);
        });
        await(() -> dumpCount(dumps) == MESSAGES, "smtp-sink wrote every message");
        long newConnections = deliveries.stream().filter(d -> d.connectionUse() == 1).count();
        assertThat(newConnections).as("connections opened for %d messages", MESSAGES).isLessThan(MESSAGES / 4);
        assertThat(deliveries.stream().mapToInt(Transport.Delivery::connectionUse).max().orElse(0)).isGreaterThan(10);
    }

    private static long dumpCount(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

}
