package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.SwaksEndToEndTest.Swaks;
import org.postern.log.MailLog;
import org.postern.testing.TestDovecot;

/**
 * Local delivery to a real Dovecot over LMTP ({@code virtual_transport = lmtp:...}): swaks sends
 * to Postern's MX port, Postern hands the message to Dovecot, and the test reads Dovecot's
 * Maildir. Covers inet and unix sockets (also a unix path relative to queue_directory), a
 * recipient Dovecot refuses (bounced, not retried), Dovecot down (deferred, then delivered by a
 * retry) and virtual alias expansion end to end. One Postern over TCP for the class; the other
 * cases start their own.
 */
class DovecotLmtpEndToEndTest {

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");

    @TempDir
    static Path dir;
    static TestDovecot dovecot;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        dovecot = TestDovecot.start();
        // Postern's store refuses an alias to itself, so the "keep a copy" self-reference comes
        // from a Postfix table in front of the store.
        Path virtual = dir.resolve("virtual");
        Files.writeString(virtual, "carol@example.test carol@example.test, bob@example.test\n");
        postern = TestPostern.start(dir.resolve("inet"), "virtual_transport = lmtp:" + dovecot.lmtpInetDestination()
                + "\nvirtual_alias_maps = texthash:" + virtual + ", postern:aliases");
    }

    /**
     * The mail log is JVM-wide and follows the most recently started TestPostern: tests that
     * start their own Postern take it over, so each test gives it back to the class's one.
     */
    @BeforeEach
    void logToClassPostern() {
        MailLog.configure(TestPostern.HOSTNAME, "postern", postern.log(), false);
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    static Swaks send(TestPostern p, String to, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--server", "127.0.0.1:" + p.smtpPort(),
                "--from", "carol@remote.example", "--to", to));
        args.addAll(List.of(more));
        return SwaksEndToEndTest.swaks(args.toArray(String[]::new));
    }

    static String queueId(Swaks r) {
        Matcher m = QUEUED.matcher(r.output());
        assertThat(m.find()).as(r.output()).isTrue();
        return m.group(1);
    }

    /** Waits until Dovecot holds a message of user@example.test containing the marker; returns its text. */
    static String awaitDovecot(TestDovecot d, String user, String marker) throws InterruptedException {
        String[] found = new String[1];
        TestPostern.await(() -> {
            for (byte[] m : d.messages(user, "example.test")) {
                String s = new String(m, StandardCharsets.UTF_8);
                if (s.contains(marker)) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        }, Duration.ofSeconds(20), user + " never got a message containing " + marker + "; Dovecot log:\n" + d.log());
        return found[0];
    }

    static long count(TestDovecot d, String user, String marker) {
        return d.messages(user, "example.test").stream()
                .filter(m -> new String(m, StandardCharsets.UTF_8).contains(marker)).count();
    }

    /** Waits for a log line containing the text; the failure shows the log. */
    static void awaitLog(TestPostern p, String text) throws InterruptedException {
        TestPostern.await(() -> {
            try {
                return p.logText().contains(text);
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), "log line containing: " + text + "\nlog:\n" + logOrError(p));
    }

    private static String logOrError(TestPostern p) {
        try {
            return p.logText();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** The log lines of one queue ID. */
    static List<String> logLines(TestPostern p, String queueId) throws Exception {
        return p.logText().lines().filter(l -> l.contains(" " + queueId + ": ")).toList();
    }

    @Test
    void mailArrivesInDovecotByteExactOverInet() throws Exception {
        Path body = dir.resolve("inet-message.eml");
        String message = "From: Carol <carol@remote.example>\r\nTo: alice@example.test, bob@example.test\r\n"
                + "Subject: over LMTP\r\nMessage-ID: <lmtp-inet@remote.example>\r\n\r\nLine one\r\n"
                + ".leading dot\r\n\r\n  indented, trailing spaces  \r\nlast line";
        Files.writeString(body, message);
        Swaks r = send(postern, "alice@example.test,bob@example.test", "--data", "@" + body);
        assertThat(r.exit()).as(r.output()).isZero();
        String id = queueId(r);
        String expected = message.replace("\r\n", "\n") + "\n";   // Dovecot's Maildir keeps LF line ends
        for (String user : List.of("alice", "bob")) {
            String stored = awaitDovecot(dovecot, user, "Message-ID: <lmtp-inet@remote.example>");
            // Only headers on top: Dovecot's Return-Path and Received, then Postern's
            // Authentication-Results and Received.
            String added = stored.substring(0, stored.indexOf("From: Carol"));
            assertThat(added).startsWith("Return-Path: <carol@remote.example>\nReceived: from " + TestPostern.HOSTNAME)
                    .contains(" with LMTP\n")
                    .contains("\tby " + TestPostern.HOSTNAME + " (Postern) with ESMTP id " + id);
            assertThat(added.lines().filter(l -> !l.startsWith("\t") && !l.startsWith(" ")))
                    .allMatch(l -> l.startsWith("Return-Path: ") || l.startsWith("Delivered-To: ")
                            || l.startsWith("Received: ") || l.startsWith("Authentication-Results: "));
            assertThat(stored.substring(stored.indexOf("From: Carol"))).isEqualTo(expected);
        }
        awaitLog(postern, id + ": to=<bob@example.test>, relay=");
        awaitLog(postern, id + ": to=<alice@example.test>, relay=");
        List<String> lines = logLines(postern, id);
        assertThat(lines).filteredOn(l -> l.contains(" to=<")).hasSize(2)
                .allMatch(l -> l.contains("postern/lmtp[") && l.contains("relay=127.0.0.1[127.0.0.1]:" + dovecot.lmtpPort())
                        && l.matches(".*, dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 .+\\)$"));
    }

    @Test
    void mailArrivesOverUnixSocket() throws Exception {
        try (TestPostern unix = TestPostern.start(dir.resolve("unix"), "virtual_transport = lmtp:" + dovecot.lmtpUnixDestination())) {
            Swaks r = send(unix, "bob@example.test", "--header", "X-Test: lmtp-unix");
            assertThat(r.exit()).as(r.output()).isZero();
            String id = queueId(r);
            String stored = awaitDovecot(dovecot, "bob", "X-Test: lmtp-unix");
            assertThat(stored).contains("(Postern) with ESMTP id " + id);
            awaitLog(unix, id + ": to=<bob@example.test>, relay=");
            assertThat(logLines(unix, id)).filteredOn(l -> l.contains(" to=<"))
                    .singleElement().asString().contains("status=sent (250 2.0.0 ");
            assertThat(unix.messages("bob@example.test")).as("nothing in Postern's own Maildir").isEmpty();
        }
    }

    @Test
    void recipientRefusedByDovecotIsBouncedAndNotRetried() throws Exception {
        try (TestDovecot onlyAlice = TestDovecot.startWithUsers("alice@example.test");
             TestPostern p = TestPostern.start(dir.resolve("refused"), "virtual_transport = lmtp:" + onlyAlice.lmtpInetDestination())) {
            Swaks r = send(p, "alice@example.test,bob@example.test", "--header", "X-Test: refused");
            assertThat(r.exit()).as(r.output()).isZero();   // Postern knows bob: accepted
            String id = queueId(r);
            awaitDovecot(onlyAlice, "alice", "X-Test: refused");
            awaitLog(p, id + ": to=<bob@example.test>, relay=");
            // Once every recipient is final the message leaves the queue: nothing is left to retry.
            TestPostern.await(() -> p.server().spool().get(id).isEmpty(), Duration.ofSeconds(20), id + " still queued");
            p.server().queueManager().scanDue();
            TestPostern.await(() -> p.server().queueManager().idle(), Duration.ofSeconds(20), "queue manager idle");
            List<String> bob = logLines(p, id).stream().filter(l -> l.contains("to=<bob@example.test>")).toList();
            assertThat(bob).singleElement().asString().contains("dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1]:"
                    + onlyAlice.lmtpPort() + " said: 550 5.1.1 <bob@example.test> User doesn't exist");
            assertThat(logLines(p, id)).filteredOn(l -> l.contains("to=<alice@example.test>"))
                    .singleElement().asString().contains("status=sent (250 2.0.0 ");
            assertThat(onlyAlice.messageFiles("bob", "example.test")).isEmpty();
        }
    }

    /**
     * Dovecot down: deferred; Dovecot back: delivered by the queue manager's retry. The transport
     * names a unix socket relative to queue_directory ({@code lmtp:unix:private/dovecot-lmtp}, the
     * usual Postfix form), a symbolic link the test points at whichever Dovecot is running.
     */
    @Test
    void dovecotDownDefersThenRetryDelivers() throws Exception {
        Path base = dir.resolve("down");
        Path link = base.resolve("data/queue/private/dovecot-lmtp");
        Files.createDirectories(link.getParent());
        try (TestPostern p = TestPostern.start(base, "virtual_transport = lmtp:unix:private/dovecot-lmtp")) {
            // First Dovecot up: delivered.
            try (TestDovecot first = TestDovecot.start()) {
                Files.createSymbolicLink(link, first.lmtpUnixSocket());
                assertThat(send(p, "alice@example.test", "--header", "X-Test: before").exit()).isZero();
                awaitDovecot(first, "alice", "X-Test: before");
            }
            // Dovecot stopped: the next message is deferred (also on the kept, now dead, connection).
            Swaks r = send(p, "alice@example.test", "--header", "X-Test: while-down");
            assertThat(r.exit()).as(r.output()).isZero();
            String id = queueId(r);
            awaitLog(p, id + ": to=<alice@example.test>, relay=");
            assertThat(logLines(p, id)).filteredOn(l -> l.contains("to=<alice@example.test>")).first().asString()
                    .contains("status=deferred (");
            assertThat(p.server().spool().get(id)).isPresent();
            // Dovecot back (a new instance behind the same socket name): the retry delivers.
            try (TestDovecot second = TestDovecot.start()) {
                Files.delete(link);
                Files.createSymbolicLink(link, second.lmtpUnixSocket());
                String stored = awaitDovecot(second, "alice", "X-Test: while-down");
                assertThat(stored).contains("with ESMTP id " + id);
                awaitLog(p, id + ": to=<alice@example.test>, relay=");
                TestPostern.await(() -> {
                    try {
                        return logLines(p, id).stream().anyMatch(l -> l.contains("status=sent (250 2.0.0 "));
                    } catch (Exception e) {
                        return false;
                    }
                }, Duration.ofSeconds(20), "sent line for " + id);
                TestPostern.await(() -> p.server().spool().get(id).isEmpty(), Duration.ofSeconds(20), id + " still queued");
                assertThat(count(second, "alice", "X-Test: while-down")).isEqualTo(1);
            }
        }
    }

    @Test
    void catchAllCatchesOnlyAddressesThatDoNotExist() throws Exception {
        postern.accounts().addAlias("@example.test", "alice@example.test");
        try {
            Swaks r = send(postern, "nobody@example.test,bob@example.test", "--header", "X-Test: catch-all");
            assertThat(r.exit()).as(r.output()).isZero();
            String id = queueId(r);
            awaitDovecot(dovecot, "alice", "X-Test: catch-all");
            awaitDovecot(dovecot, "bob", "X-Test: catch-all");   // a mailbox is its own alias
            awaitLog(postern, id + ": to=<alice@example.test>, orig_to=<nobody@example.test>, relay=");
            assertThat(dovecot.messageFiles("nobody", "example.test")).isEmpty();
        } finally {
            postern.accounts().removeAlias("@example.test");
        }
    }

    @Test
    void aliasFansOutAndKeepsASelfReference() throws Exception {
        postern.accounts().addAlias("team@example.test", "alice@example.test");
        postern.accounts().addAlias("team@example.test", "bob@example.test");
        postern.accounts().addMailbox("carol@example.test", "{PLAIN}x", 0);   // carol -> carol, bob (texthash)
        Swaks r = send(postern, "team@example.test,carol@example.test", "--header", "X-Test: fan-out");
        assertThat(r.exit()).as(r.output()).isZero();
        String id = queueId(r);
        awaitDovecot(dovecot, "alice", "X-Test: fan-out");
        awaitDovecot(dovecot, "bob", "X-Test: fan-out");
        awaitDovecot(dovecot, "carol", "X-Test: fan-out");   // the self-reference is kept, not expanded again
        awaitLog(postern, id + ": removed");
        assertThat(logLines(postern, id)).anyMatch(l -> l.endsWith(": from=<carol@remote.example>, size="
                        + l.replaceAll(".*size=(\\d+).*", "$1") + ", nrcpt=3 (queue active)"))
                .anyMatch(l -> l.contains("to=<alice@example.test>, orig_to=<team@example.test>, relay="))
                .anyMatch(l -> l.contains("to=<carol@example.test>, relay="))
                .filteredOn(l -> l.contains(" to=<")).hasSize(3);
        // bob is reached twice (through team and through carol) but gets one copy.
        assertThat(count(dovecot, "bob", "X-Test: fan-out")).isEqualTo(1);
        assertThat(count(dovecot, "alice", "X-Test: fan-out")).isEqualTo(1);
        assertThat(count(dovecot, "carol", "X-Test: fan-out")).isEqualTo(1);
    }

    @Test
    void aliasLoopIsRefusedAtEndOfData() throws Exception {
        postern.accounts().addAlias("ping@example.test", "pong@example.test");
        postern.accounts().addAlias("pong@example.test", "ping@example.test");
        Swaks r = send(postern, "ping@example.test", "--header", "X-Test: loop");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("<** 451 4.6.0 Alias expansion error").doesNotContain("queued as");
        awaitLog(postern, "unreasonable virtual_alias_maps map nesting for ");
    }
}
