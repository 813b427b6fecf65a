package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postern.cli.TestPostern;
import org.postern.log.MailLog;
import org.postern.testing.RawSmtpClient;

/**
 * Shared helpers for the SMTP server robustness tests: opening a raw session, finding the
 * queue IDs a session used in the mail log, and proving that nothing of a message was stored
 * (not in the spool index, not in {@code incoming/}, never committed, never delivered).
 */
final class SmtpTests {
    private SmtpTests() {
    }

    static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");

    /** Connects and reads the 220 greeting. */
    static RawSmtpClient open(int port) throws IOException {
        RawSmtpClient c = RawSmtpClient.connect(port);
        assertThat(c.reply()).startsWith("220 " + TestPostern.HOSTNAME + " ESMTP");
        return c;
    }

    /** Connects, reads the greeting and says EHLO. */
    static RawSmtpClient openEhlo(int port) throws IOException {
        RawSmtpClient c = open(port);
        assertThat(c.command("EHLO client.example")).startsWith("250-" + TestPostern.HOSTNAME);
        return c;
    }

    /** The current length of the mail log: pass to {@link #logSince} to see one test's lines only. */
    static int mark(TestPostern postern) throws IOException {
        return postern.logText().length();
    }

    static String logSince(TestPostern postern, int mark) throws IOException {
        String text = postern.logText();
        return text.length() <= mark ? "" : text.substring(mark);
    }

    /** Queue IDs that sessions opened (Postfix's {@code ID: client=...} line) since the mark. */
    static List<String> queueIdsSince(TestPostern postern, int mark) throws IOException {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("\\b([0-9A-F]{13}): client=").matcher(logSince(postern, mark));
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    /** The queue ID in a {@code 250 2.0.0 Ok: queued as ID} reply. */
    static String queuedId(String reply) {
        Matcher m = QUEUED.matcher(reply == null ? "" : reply);
        assertThat(m.find()).as("queued reply: %s", reply).isTrue();
        return m.group(1);
    }

    /**
     * Waits until the log says the session ended ({@code disconnect from}) since the mark,
     * then asserts that no message was committed by it: every queue ID it opened is absent from
     * the spool index and from {@code incoming/}, and was never logged as queued
     * ({@code ID: from=<...>, size=}).
     */
    static String assertSessionEndedWithNothingStored(TestPostern postern, int mark) throws Exception {
        TestPostern.await(() -> {
            try {
                return logSince(postern, mark).contains("disconnect from ");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(10), "disconnect line");
        String log = logSince(postern, mark);
        Path incoming = postern.directory().resolve("data/queue/incoming");
        for (String id : queueIdsSince(postern, mark)) {
            assertThat(postern.server().spool().get(id)).as("spool entry %s", id).isEmpty();
            assertThat(log).as("queued line for %s", id).doesNotContain(id + ": from=<");
            assertThat(Files.exists(incoming.resolve(id))).as("incoming/%s", id).isFalse();
        }
        // Other tests' messages may still be on their way to the mailbox: wait for them to leave
        // rather than fail (a message of this session would have failed the checks above).
        TestPostern.await(() -> postern.server().spool().list().isEmpty(), Duration.ofSeconds(20), "an empty spool");
        return log;
    }

    /**
     * Waits for a delivered message of the address containing the marker and returns its text
     * read as ISO-8859-1 (so binary and 8-bit content can be compared byte for byte).
     */
    static String awaitMessageText(TestPostern postern, String address, String marker) throws Exception {
        String[] found = new String[1];
        TestPostern.await(() -> {
            try {
                for (Path p : postern.messages(address)) {
                    String text = Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (text.contains(marker)) {
                        found[0] = text;
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), address + " never got a message containing " + marker);
        return found[0];
    }

    /** Points the (global) mail log back at this server's file after another TestPostern ran. */
    static void restoreLog(TestPostern postern) {
        MailLog.configure(TestPostern.HOSTNAME, "postern", postern.log(), false);
    }
}
