package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * BDAT (RFC 3030 CHUNKING): chunks arrive byte-exact with no dot-stuffing and no end marker;
 * refused chunks are still read so the stream stays in step; the size limit applies to all
 * chunks together.
 */
class BdatTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir, "message_size_limit = 10000");
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    private static RawSmtpClient transaction() throws Exception {
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\n");
        assertThat(c.replies(2)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok");
        return c;
    }

    /** Sends one BDAT command with its chunk (no CRLF after the chunk) and reads the reply. */
    private static String bdatReply(RawSmtpClient c, String commandAndChunk) throws Exception {
        c.send(commandAndChunk);
        return c.reply();
    }

    private static String bdat(String chunk, boolean last) {
        return "BDAT " + chunk.length() + (last ? " LAST" : "") + "\r\n" + chunk;
    }

    @Test
    void chunksThenBdatZeroLastArriveByteExact() throws Exception {
        String head = "Subject: bdat-chunks\r\n\r\n";
        // A lone "." line, bare LF, bare CR and a smuggling-looking sequence are plain data here.
        String part1 = head + "line one\r\n.\r\n";
        String part2 = "MAIL FROM:<evil@x>\r\n..two dots\r\nbare\nlf and bare\rcr\r\n";
        try (RawSmtpClient c = transaction()) {
            assertThat(bdatReply(c, bdat(part1, false))).isEqualTo("250 2.0.0 Ok: " + part1.length() + " bytes");
            assertThat(bdatReply(c, bdat(part2, false))).isEqualTo("250 2.0.0 Ok: " + part2.length() + " bytes");
            SmtpTests.queuedId(c.command("BDAT 0 LAST"));
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        String stored = SmtpTests.awaitMessageText(postern, "alice@example.test", "bdat-chunks");
        // Maildir stores LF line ends: CRLF -> LF; the bare CR and bare LF stay as they were.
        String expected = (part1 + part2).replace("\r\n", "\n");
        assertThat(stored.substring(stored.indexOf("Subject: bdat-chunks"))).isEqualTo(expected);
        assertThat(postern.logText()).doesNotContain("from=<evil@x>");
    }

    @Test
    void singleBdatLast() throws Exception {
        String message = "Subject: bdat-single\r\n\r\nall in one\r\n";
        try (RawSmtpClient c = transaction()) {
            SmtpTests.queuedId(bdatReply(c, bdat(message, true)));
        }
        String stored = SmtpTests.awaitMessageText(postern, "alice@example.test", "bdat-single");
        assertThat(stored.substring(stored.indexOf("Subject: bdat-single"))).isEqualTo(message.replace("\r\n", "\n"));
    }

    @Test
    void bdatWithoutTransactionIsReadDiscardedAndRefused() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            // The chunk holds what looks like commands: they must not run.
            String chunk = "RSET\r\nMAIL FROM:<evil@x>\r\n";
            assertThat(bdatReply(c, bdat(chunk, false))).isEqualTo("503 5.5.1 Error: need RCPT command");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(bdatReply(c, bdat(chunk, true))).isEqualTo("554 5.5.1 Error: no valid recipients");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            SmtpTests.queuedId(bdatReply(c, bdat("Subject: bdat-after-errors\r\n\r\nx\r\n", true)));
        }
        SmtpTests.awaitMessageText(postern, "alice@example.test", "bdat-after-errors");
        assertThat(SmtpTests.logSince(postern, mark)).doesNotContain("evil@x");
    }

    @Test
    void chunksOverTheSizeLimitAreRefusedAndNothingIsStored() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = transaction()) {
            String big = "x".repeat(6000);
            assertThat(bdatReply(c, bdat(big, false))).isEqualTo("250 2.0.0 Ok: 6000 bytes");
            assertThat(bdatReply(c, bdat(big, false))).isEqualTo("552 5.3.4 Chunk exceeds message size limit");
            // Later chunks of the transaction are still read and refused; the stream stays in step.
            assertThat(bdatReply(c, bdat("tail", true))).isEqualTo("552 5.3.4 Chunk exceeds message size limit");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("503 5.5.1 Error: need MAIL command");
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }
}
