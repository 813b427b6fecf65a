package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * SMTP smuggling (postfix-restrictions.md 7.1, CVE-2023-51764): with the default
 * {@code smtpd_forbid_bare_newline = normalize} no non-standard end-of-data sequence ends the
 * message early, so the "MAIL FROM ... DATA" that follows it is content, never a second message.
 */
class SmtpSmugglingTest {

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

    static final String SMUGGLED = "MAIL FROM:<evil@x>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
            + "From: evil@x\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n";

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"LF.LF", "CR.CR", "LF.CRLF", "CRLF.LF", "CRLF.CR", "CR.CRLF", "CRLF.CRCRLF"})
    void nonStandardEndOfDataNeitherEndsTheMessageNorInjectsASecondOne(String variant) throws Exception {
        String end = variant.replace("CR", "\r").replace("LF", "\n");
        String marker = "smuggle-" + variant;
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).containsExactly("250 2.1.0 Ok", "250 2.1.5 Ok",
                    "354 End data with <CR><LF>.<CR><LF>");
            c.send("From: carol@remote.example\r\nSubject: " + marker + "\r\n\r\nbefore" + end + SMUGGLED);
            String id = SmtpTests.queuedId(c.reply());
            // Nothing else was answered: the next reply is QUIT's.
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
            assertThat(c.awaitClosed()).isTrue();

            Path delivered = postern.awaitMessage("alice@example.test", "Subject: " + marker);
            String body = Files.readString(delivered, StandardCharsets.ISO_8859_1);
            // The smuggled commands are inside alice's message (or dropped), never run.
            assertThat(body).contains("before").contains("smuggled");
            postern.awaitLog(id + ": removed");
        }
        String log = postern.logText();
        assertThat(log).doesNotContain("from=<evil@x>");
        assertThat(postern.messages("bob@example.test")).isEmpty();
    }

    @Test
    void bareLfInsideContentIsKeptAsALineEndAndTheMessageIsAccepted() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).hasSize(3);
            c.send("Subject: bare-lf-normalized\r\n\r\none\ntwo\r\n.\r\n");
            SmtpTests.queuedId(c.reply());
            assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        }
        String body = Files.readString(postern.awaitMessage("alice@example.test", "bare-lf-normalized"));
        assertThat(body).endsWith("\none\ntwo\n");
    }

    /** The queue IDs the server announced, for readable failures. */
    static List<String> ids(String log) {
        return SmtpTests.QUEUED.matcher(log).results().map(r -> r.group(1)).toList();
    }
}
