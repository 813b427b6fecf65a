package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * Garbage from the network: random and binary bytes, NULs, 8-bit text, a 100 KB line, an HTTP
 * request, binary message content. Each gets a correct reply; the server never crashes and keeps
 * serving (checked after every test with a normal transaction on a new connection).
 */
class SmtpGarbageTest {

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir);
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    @AfterEach
    void serverStillServes() throws Exception {
        String marker = "still-alive-" + System.nanoTime();
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>");
            c.send("Subject: " + marker + "\r\n\r\nok\r\n.\r\n");
            SmtpTests.queuedId(c.reply());
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        postern.awaitMessage("bob@example.test", marker);
        assertThat(postern.logText()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void randomBytesGetErrorRepliesNotACrash() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 5; round++) {
            byte[] junk = new byte[4000];
            random.nextBytes(junk);
            try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
                try {
                    c.send(junk);
                    c.send("\r\n");
                } catch (SocketException hungUp) {
                    // A line starting with a non-letter is a bogus command: the server answers 221
                    // and closes while junk is still unread, so our write may meet a reset.
                }
                // Whatever it made of the bytes, it answered, and every reply is well-formed.
                List<String> replies = new ArrayList<>();
                replies.add(c.reply());   // waits for the first as long as the client's timeout
                replies.addAll(c.available());
                for (String reply : replies) {
                    assertThat(reply).matches("(?s)[2-5]\\d\\d[ -].*");
                }
            }
        }
    }

    @Test
    void nulAnd8bitBytesInCommands() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("NO\0OP")).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("M\u00c4IL FROM:<x@y>")).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("MAIL FROM:<j\u00f6rg@example.test>")).startsWith("5");
            assertThat(c.command("RSET")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void lineStartingWithANonLetterIsABogusCommand() throws Exception {
        // smtpd_forbidden_commands default: regexp:{{/^[^A-Z]/ Bogus}}.
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("\0\0\0\r\n");
            assertThat(c.reply()).isEqualTo("221 2.7.0 Error: I can break rules, too. Goodbye.");
            assertThat(c.awaitClosed()).isTrue();
        }
    }

    @Test
    void hugeLineIsRefusedAndTheSessionGoesOn() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("x".repeat(100_000))).isEqualTo("500 5.5.2 Error: command not recognized");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void httpRequestIsAnsweredAndDisconnected() throws Exception {
        int mark = SmtpTests.mark(postern);
        try (RawSmtpClient c = SmtpTests.open(postern.smtpPort())) {
            c.send("GET / HTTP/1.1\r\nHost: mx.example.test\r\n\r\n");
            assertThat(c.reply()).isEqualTo("221 2.7.0 Error: I can break rules, too. Goodbye.");
            assertThat(c.awaitClosed()).isTrue();
        }
        postern.awaitLog("non-SMTP command from unknown[127.0.0.1]: GET / HTTP/1.1");
        SmtpTests.assertSessionEndedWithNothingStored(postern, mark);
    }

    @Test
    void emptyLineIsBadSyntax() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            assertThat(c.command("")).isEqualTo("500 5.5.2 Error: bad syntax");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void binaryContentInDataIsStoredAsSent() throws Exception {
        byte[] binary = new byte[256];
        for (int i = 0; i < 256; i++) {
            binary[i] = (byte) i;
        }
        String marker = "binary-data-" + System.nanoTime();
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).hasSize(3);
            c.send("Subject: " + marker + "\r\n\r\n");
            c.send(binary);
            c.send("\r\n.\r\n");
            SmtpTests.queuedId(c.reply());
        }
        String body = SmtpTests.awaitMessageText(postern, "alice@example.test", marker);
        // Bytes 0-9, 11-255 arrive as sent; the lone LF (10) and CR (13) are line ends or data.
        assertThat(body).contains(new String(binary, 14, 242, StandardCharsets.ISO_8859_1));
        assertThat(body).contains(new String(binary, 0, 10, StandardCharsets.ISO_8859_1));
    }
}
