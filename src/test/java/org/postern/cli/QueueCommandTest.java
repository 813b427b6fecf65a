package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.queue.ControlProtocol;
import org.postern.queue.Spool;
import org.postern.testing.RawSmtpClient;

/**
 * {@code postern queue ...} against a running in-process server (through its control socket)
 * and against the spool of a stopped one. Delivery goes to an LMTP port where nothing listens,
 * so messages stay deferred; a sender listed with HOLD puts its message on hold.
 */
class QueueCommandTest {

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result queue(TestPostern p, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "-c";
        all[1] = p.directory().resolve("etc").toString();
        all[2] = "queue";
        System.arraycopy(args, 0, all, 3, args.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static TestPostern start(Path dir) throws Exception {
        // Long backoff: deferred mail is retried only when a command asks, so a listing never
        // catches it in the middle of an automatic retry.
        return TestPostern.start(dir, """
                virtual_transport = lmtp:inet:127.0.0.1:%d
                smtpd_sender_restrictions = check_sender_access inline:{ held@remote.example=HOLD }
                queue_run_delay = 1h
                minimal_backoff_time = 1h
                maximal_backoff_time = 1h
                """.formatted(TestPostern.freePort()));
    }

    /** Sends one message to alice; returns its queue ID. */
    static String send(TestPostern p, String sender, String subject) throws IOException {
        try (RawSmtpClient c = RawSmtpClient.connect(p.smtpPort())) {
            c.timeout(Duration.ofSeconds(20));
            assertThat(c.reply()).startsWith("220");
            assertThat(c.command("EHLO client.example")).startsWith("250");
            assertThat(c.command("MAIL FROM:<" + sender + ">")).startsWith("250");
            assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            String reply = c.command("From: " + sender + "\r\nSubject: " + subject + "\r\n\r\nHello queue.\r\n.");
            Matcher m = QUEUED.matcher(reply);
            assertThat(m.find()).as(reply).isTrue();
            c.command("QUIT");
            return m.group(1);
        }
    }

    static long count(String text, String part) {
        return Pattern.compile(Pattern.quote(part)).matcher(text).results().count();
    }

    @Test
    void commandsGoThroughTheRunningServer() throws Exception {
        try (TestPostern p = start(dir)) {
            Path socket = ControlProtocol.socketPath(p.directory().resolve("data/queue"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx------");
            assertThat(queue(p, "list").out()).isEqualTo("Mail queue is empty\n");

            String id = send(p, "carol@remote.example", "deferred one");
            p.awaitLog(id + ": to=<alice@example.test>");
            p.awaitLog("status=deferred");

            Result list = queue(p, "list");
            assertThat(list.exit()).isZero();
            assertThat(list.out()).contains("-Queue ID-").containsPattern(id + "[ *] +\\d+ \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d  carol@remote.example")
                    .containsPattern("\\(connect to .*\\)\n +alice@example.test")
                    .contains("in 1 Request.");
            Result json = queue(p, "list", "--json");
            assertThat(json.out()).startsWith("[{\"queue_id\":\"" + id + "\",\"held\":false")
                    .contains("\"sender\":\"carol@remote.example\"").contains("\"status\":\"deferred\"");

            Result show = queue(p, "show", id);
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).contains("*** ENVELOPE ***").contains("queue_id: " + id)
                    .contains("sender: <carol@remote.example>").contains("recipient: <alice@example.test> deferred")
                    .contains("*** HEADER ***").contains("Subject: deferred one").contains("*** BODY ***\nHello queue.\n");
            assertThat(queue(p, "show", "--body", id).out()).isEqualTo("*** BODY ***\nHello queue.\n");

            // flush and requeue: the running queue manager tries again at once.
            long before = count(p.logText(), id + ": to=<alice@example.test>");
            Result flush = queue(p, "flush", "example.test");
            assertThat(flush.out()).contains(id + ": flushed").contains("Flushed: 1 message");
            assertThat(flush.err()).isEmpty();
            TestPostern.await(() -> attempts(p, id) > before, Duration.ofSeconds(20), "flush retried " + id);
            long afterFlush = attempts(p, id);
            assertThat(queue(p, "flush", "elsewhere.example").out()).contains("Flushed: 0 messages");
            assertThat(queue(p, "requeue", id).out()).contains(id + ": requeued");
            TestPostern.await(() -> attempts(p, id) > afterFlush, Duration.ofSeconds(20), "requeue retried " + id);

            // hold and release
            assertThat(queue(p, "hold", id).out()).contains(id + ": placed on hold").contains("Placed on hold: 1 message");
            assertThat(queue(p, "list").out()).contains(id + "!");
            assertThat(queue(p, "show", "--envelope", id).out()).contains("state: hold");
            Result release = queue(p, "release", "ALL");
            assertThat(release.out()).contains(id + ": released from hold").contains("Released from hold: 1 message");
            assertThat(queue(p, "list").out()).doesNotContain(id + "!");

            // a held message from an access table
            String held = send(p, "held@remote.example", "held one");
            assertThat(queue(p, "list").out()).contains(held + "!");

            // unknown IDs are errors that name them
            Result missing = queue(p, "delete", "ABCDEF0123456");
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.err()).contains("ABCDEF0123456: no such message in the queue");
            assertThat(queue(p, "show", "nope!").exit()).isEqualTo(2);

            Result delete = queue(p, "delete", "--deferred");
            assertThat(delete.out()).contains(id + ": deleted").doesNotContain(held);
            p.awaitLog(id + ": removed");
            assertThat(queue(p, "delete", "ALL").out()).contains(held + ": deleted");
            assertThat(queue(p, "list").out()).isEqualTo("Mail queue is empty\n");
        }
    }

    private static long attempts(TestPostern p, String id) {
        try {
            return count(p.logText(), id + ": to=<alice@example.test>");
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void commandsOpenTheSpoolOfAStoppedServer() throws Exception {
        String id;
        String other;
        TestPostern p = start(dir);
        try (p) {
            id = send(p, "carol@remote.example", "left behind");
            other = send(p, "dave@remote.example", "second");
            p.awaitLog(other + ": to=<alice@example.test>");
        }
        Path queueDirectory = p.directory().resolve("data/queue");
        assertThat(ControlProtocol.socketPath(queueDirectory)).doesNotExist();
        // A stale socket file (a killed server) is not mistaken for a running server.
        Files.writeString(ControlProtocol.socketPath(queueDirectory), "stale");

        Result list = queue(p, "list");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains(id).contains(other).contains("in 2 Requests.");
        assertThat(queue(p, "hold", id).out()).contains(id + ": placed on hold");
        assertThat(queue(p, "list").out()).contains(id + "!");
        assertThat(queue(p, "show", "--headers", id).out()).contains("Subject: left behind");
        Result flush = queue(p, "flush");
        assertThat(flush.out()).contains(other + ": flushed").doesNotContain(id + ": flushed");
        assertThat(flush.err()).contains("no server is running");
        assertThat(queue(p, "delete", other).out()).contains(other + ": deleted");
        assertThat(queue(p, "list").out()).contains(id).doesNotContain(other);

        // The spool is never opened twice: with it open elsewhere and no server answering, the command refuses.
        Duration saved = QueueCommand.startingServerWait;
        QueueCommand.startingServerWait = Duration.ZERO;
        try (Spool open = Spool.open(queueDirectory)) {
            assertThat(open.list()).hasSize(1);
            Result refused = queue(p, "list");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("in use by a running Postern").contains("queue-control");
        } finally {
            QueueCommand.startingServerWait = saved;
        }
    }

    /** The server wires the notifier in: an expired recipient's bounce is queued to the sender and visible. */
    @Test
    void expiredMessageBouncesToItsSender() throws Exception {
        try (TestPostern p = TestPostern.start(dir, """
                virtual_transport = lmtp:inet:127.0.0.1:%d
                maximal_queue_lifetime = 0s
                """.formatted(TestPostern.freePort()))) {
            String id = send(p, "bob@example.test", "gives up at once");
            p.awaitLog(id + ": to=<alice@example.test>");
            p.awaitLog("status=expired, returned to sender");
            p.awaitLog(id + ": sender non-delivery notification: ");
            Matcher m = Pattern.compile(id + ": sender non-delivery notification: ([0-9A-F]+)").matcher(p.logText());
            assertThat(m.find()).isTrue();
            String bounce = m.group(1);
            p.awaitLog(id + ": removed");

            assertThat(queue(p, "list").out()).containsPattern(bounce + "[ *] .*MAILER-DAEMON\\n(\\(.*\\)\\n)? +bob@example.test");
            String shown = queue(p, "show", bounce).out();
            assertThat(shown).contains("sender: <>").contains("recipient: <bob@example.test>")
                    .contains("From: MAILER-DAEMON@mx.example.test (Mail Delivery System)")
                    .contains("report-type=delivery-status")
                    .contains("Final-Recipient: rfc822; alice@example.test").contains("Action: failed")
                    .contains("X-Postern-Queue-ID: " + id).contains("Subject: gives up at once");
        }
    }

    @Test
    void listWithoutAQueueIsEmpty() throws Exception {
        Path config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), "data_directory = " + dir.resolve("data") + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"-c", config.toString(), "queue", "list"}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("Mail queue is empty\n");
        assertThat(dir.resolve("data/queue")).doesNotExist();
        exit = Main.run(new String[] {"-c", config.toString(), "queue", "hold", "ALL"}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no mail queue in");
    }
}
