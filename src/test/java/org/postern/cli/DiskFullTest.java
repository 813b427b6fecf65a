package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.log.MailLog;
import org.postern.testing.RawSmtpClient;

/**
 * A full disk under the queue: Postern's queue_directory lives on a 4 MiB tmpfs the test
 * mounts (root needed, as in CI) and fills with a filler file. MAIL FROM is refused with
 * {@code 452 4.3.1 Insufficient system storage} while the free space is below
 * 1.5 x message_size_limit or queue_minfree (Postfix's smtpd_check_queue); a disk that fills
 * during DATA gives the same reply, leaves nothing of the message in the spool, and the next
 * transaction works once space is back.
 */
class DiskFullTest {

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");
    private static final long SIZE_LIMIT = 1_000_000;

    @TempDir
    static Path dir;
    static Path mount;
    static Path queue;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        mount = Files.createTempDirectory("postern-diskfull-");
        mountTmpfs(mount, "4m");
        queue = mount.resolve("queue");
        postern = TestPostern.start(dir.resolve("postern"), "queue_directory = " + queue
                + "\nmessage_size_limit = " + SIZE_LIMIT + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (postern != null) {
            postern.close();
        }
        if (mount != null) {
            run(List.of("umount", mount.toString()));
            Files.deleteIfExists(mount);
        }
    }

    @BeforeEach
    void logToClassPostern() {
        MailLog.configure(TestPostern.HOSTNAME, "postern", postern.log(), false);
    }

    @AfterEach
    void freeTheDisk() throws IOException {
        try (Stream<Path> files = Files.list(mount)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("filler")).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void mailFromIsRefusedBelowOneAndAHalfMessageSizeLimitsAndAcceptedOnceSpaceIsBack() throws Exception {
        leaveFree(mount, SIZE_LIMIT * 3 / 2 - 100_000);
        try (RawSmtpClient c = openEhlo(postern.smtpPort())) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("452 4.3.1 Insufficient system storage");
            postern.awaitLog("NOQUEUE: reject: MAIL from unknown[127.0.0.1]: 452 4.3.1 Insufficient system storage; "
                    + "proto=ESMTP helo=<client.example>");
            postern.awaitLog("warning: not enough free space in mail queue: ");
            freeTheDisk();
            String id = send(c, "alice@example.test", "Subject: space-is-back\r\n\r\nhello\r\n");
            assertThat(postern.awaitMessage("alice@example.test", "space-is-back")).isNotNull();
            postern.awaitLog(id + ": removed");
        }
    }

    /** queue_minfree above 1.5 x message_size_limit is the stricter rule (postconf(5)). */
    @Test
    void queueMinfreeAboveTheSizeRuleRefusesEarlier() throws Exception {
        try (TestPostern strict = TestPostern.start(dir.resolve("strict"), "queue_directory = " + mount.resolve("strict-queue")
                + "\nmessage_size_limit = " + SIZE_LIMIT + "\nqueue_minfree = 3000000\n")) {
            leaveFree(mount, 2_500_000);   // enough for 1.5 x message_size_limit, not for queue_minfree
            try (RawSmtpClient c = openEhlo(strict.smtpPort())) {
                assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("452 4.3.1 Insufficient system storage");
                freeTheDisk();
                assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            }
        }
    }

    @Test
    void diskFillingUpBeforeTheCommitGives452AndKeepsNothing() throws Exception {
        TestPostern.await(() -> postern.server().queueManager().idle(), Duration.ofSeconds(20), "queue manager idle");
        try (RawSmtpClient c = openEhlo(postern.smtpPort())) {
            startData(c, "alice@example.test");
            long logBytes = spoolLogBytes();
            int mark = postern.logText().length();
            leaveFree(mount, 0);
            // 20 kB: kept in memory until the commit, and more than the free rest of the spool
            // log's last page (a record that fits there is stored, full disk or not).
            c.send("Subject: disk-full-small\r\n\r\n" + ("y".repeat(98) + "\r\n").repeat(200) + ".\r\n");
            assertThat(c.reply()).isEqualTo("452 4.3.1 Insufficient system storage");
            assertNothingStored(logBytes, mark);

            freeTheDisk();
            send(c, "alice@example.test", "Subject: after-disk-full-small\r\n\r\nhello\r\n");
            postern.awaitMessage("alice@example.test", "after-disk-full-small");
        }
        assertThat(postern.logText()).doesNotContain("disk-full-small: ");
        assertThat(postern.messages("alice@example.test")).noneMatch(p -> read(p).contains("Subject: disk-full-small"));
    }

    /** A message bigger than the spool's memory buffer spills to incoming/, which fills up mid-DATA. */
    @Test
    void diskFillingUpDuringABigMessageGives452AndKeepsNothing() throws Exception {
        TestPostern.await(() -> postern.server().queueManager().idle(), Duration.ofSeconds(20), "queue manager idle");
        try (RawSmtpClient c = openEhlo(postern.smtpPort())) {
            startData(c, "bob@example.test");
            long logBytes = spoolLogBytes();
            int mark = postern.logText().length();
            leaveFree(mount, 300_000);
            String line = "x".repeat(98) + "\r\n";
            c.send("Subject: disk-full-big\r\n\r\n" + line.repeat(8_000) + ".\r\n");   // 800 kB, under the limit
            assertThat(c.reply()).isEqualTo("452 4.3.1 Insufficient system storage");
            assertNothingStored(logBytes, mark);

            freeTheDisk();
            send(c, "bob@example.test", "Subject: after-disk-full-big\r\n\r\n" + line.repeat(8_000));
            postern.awaitMessage("bob@example.test", "after-disk-full-big");
        }
        assertThat(postern.messages("bob@example.test")).noneMatch(p -> read(p).contains("Subject: disk-full-big"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static RawSmtpClient openEhlo(int port) throws IOException {
        RawSmtpClient c = RawSmtpClient.connect(port);
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example")).startsWith("250-");
        return c;
    }

    private static void startData(RawSmtpClient c, String to) throws IOException {
        assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
        assertThat(c.command("RCPT TO:<" + to + ">")).isEqualTo("250 2.1.5 Ok");
        assertThat(c.command("DATA")).startsWith("354 ");
    }

    /** A whole transaction; returns the queue ID. */
    private static String send(RawSmtpClient c, String to, String message) throws IOException {
        startData(c, to);
        c.send(message + ".\r\n");
        String reply = c.reply();
        Matcher m = QUEUED.matcher(reply);
        assertThat(m.find()).as("queued: %s", reply).isTrue();
        return m.group(1);
    }

    /**
     * Nothing of the refused message is in the spool: no index entry, no file in incoming/,
     * and the log segments have exactly the bytes they had before (a half-written record is cut
     * off again).
     */
    private static void assertNothingStored(long logBytesBefore, int logMark) throws IOException {
        assertThat(postern.server().spool().list()).as("spool").isEmpty();
        try (Stream<Path> incoming = Files.list(queue.resolve("incoming"))) {
            assertThat(incoming.toList()).as("incoming/").isEmpty();
        }
        assertThat(spoolLogBytes()).as("bytes in the spool log").isEqualTo(logBytesBefore);
        assertThat(postern.logText().substring(logMark)).contains("queue file write error: ")
                .contains("No space left on device");
    }

    private static long spoolLogBytes() throws IOException {
        try (Stream<Path> segments = Files.list(queue.resolve("log"))) {
            long total = 0;
            for (Path p : segments.toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    /** Writes filler files until the file system has at most {@code bytes} free (or is full). */
    static void leaveFree(Path fileSystem, long bytes) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        try (FileChannel filler = FileChannel.open(fileSystem.resolve("filler-" + System.nanoTime()),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                long excess = Files.getFileStore(fileSystem).getUsableSpace() - bytes;
                if (excess <= 0) {
                    return;
                }
                chunk.clear().limit((int) Math.min(chunk.capacity(), excess));
                try {
                    filler.write(chunk);
                } catch (IOException full) {
                    return;   // No space left on device: as full as it gets
                }
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** Mounts a tmpfs of the given size; a failure fails the class with what to do about it. */
    static void mountTmpfs(Path where, String size) throws Exception {
        String out = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", where.toString()));
        if (out != null) {
            fail("cannot mount a " + size + " tmpfs on " + where + " for the disk-full tests: " + out
                    + " (the tests need root, as in CI: run mvn as root)");
        }
    }

    /** Runs a command; returns null on success, else its exit code and output. */
    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
