package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestPostgres;

/**
 * The account database goes away under a running Postern (database_url on a private
 * PostgreSQL the test stops and starts): recipient lookups get Postfix's
 * {@code 451 4.3.0 ... Temporary lookup failure}, AUTH gets {@code 454 4.7.0 Temporary
 * authentication failure} (and does not count as a failed login), a queued message is
 * deferred, not bounced; when the database is back everything works again without a restart.
 * database_timeout = 1s keeps each failing lookup short.
 */
class DatabaseOutageTest {

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");
    private static final String PLAIN_ALICE = Base64.getEncoder().encodeToString(
            ("\0alice@example.test\0" + TestPostern.PASSWORD).getBytes(StandardCharsets.UTF_8));

    @TempDir
    static Path dir;
    static TestPostgres pg;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        pg = TestPostgres.startOwn();
        String database = pg.createDatabase();
        postern = TestPostern.start(dir, """
                database_url = %s
                database_timeout = 1s
                postern_sasl_failure_limit = 3
                smtpd_sender_restrictions = check_sender_access inline:{ held@remote.example=HOLD }
                """.formatted(pg.databaseUrl(database)));
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void lookupsAndLoginsFailTemporarilyWhileTheDatabaseIsDownAndRecoverWhenItIsBack() throws Exception {
        // Up: a recipient is found, a login works, and a message waits on hold for the outage.
        try (RawSmtpClient c = openEhlo()) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
        }
        assertThat(login()).isEqualTo("235 2.7.0 Authentication successful");
        String held = send("held@remote.example", "bob@example.test", "Subject: held-over-the-outage\r\n\r\nhi\r\n");

        pg.stop();
        try {
            try (RawSmtpClient c = openEhlo()) {
                assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
                assertThat(c.command("RCPT TO:<alice@example.test>"))
                        .isEqualTo("451 4.3.0 <alice@example.test>: Temporary lookup failure");
                assertThat(c.command("RCPT TO:<nobody@example.test>")).as("never a wrong 550 for an unknown user")
                        .isEqualTo("451 4.3.0 <nobody@example.test>: Temporary lookup failure");
                assertThat(c.command("DATA")).startsWith("554 5.5.1 ");
            }
            awaitLog("NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 451 4.3.0 <alice@example.test>: "
                    + "Temporary lookup failure; from=<carol@remote.example> to=<alice@example.test>");
            // More attempts than postern_sasl_failure_limit: a store failure is no failed login.
            for (int i = 0; i < 4; i++) {
                assertThat(login()).startsWith("454 4.7.0 Temporary authentication failure");
            }
            awaitLog("SASL authentication: account store unavailable: ");
            // Delivery needs the mailbox lookup too: deferred, still queued.
            postern.server().spool().release(held);
            awaitLog(held + ": to=<bob@example.test>, relay=");
            assertThat(postern.logText()).containsPattern(held + ": to=<bob@example.test>, relay=none, .*dsn=4\\.3\\.0, "
                    + "status=deferred \\(address resolver failure: postern:aliases: .*database error: ")
                    .doesNotContainPattern(held + ": to=<bob@example.test>, .*status=bounced");
            assertThat(postern.server().spool().get(held)).isPresent();
        } finally {
            pg.start();
        }

        // Back: the same Postern recovers by itself (no restart).
        TestPostern.await(() -> {
            try (RawSmtpClient c = openEhlo()) {
                c.command("MAIL FROM:<carol@remote.example>");
                return c.command("RCPT TO:<alice@example.test>").equals("250 2.1.5 Ok");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), "recipient lookups working again");
        assertThat(login()).isEqualTo("235 2.7.0 Authentication successful");
        send("carol@remote.example", "alice@example.test", "Subject: after-the-outage\r\n\r\nhi\r\n");
        postern.awaitMessage("alice@example.test", "after-the-outage");
        postern.server().queueManager().scanDue();   // the deferred message: retried (queue flush)
        postern.awaitMessage("bob@example.test", "held-over-the-outage");
        TestPostern.await(() -> postern.server().spool().get(held).isEmpty(), Duration.ofSeconds(20), held + " still queued");
    }

    /** Waits for a log line; a failure shows the log. */
    private static void awaitLog(String text) throws Exception {
        try {
            postern.awaitLog(text);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nlog:\n" + postern.logText(), e);
        }
    }

    private static RawSmtpClient openEhlo() throws IOException {
        RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort());
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example")).startsWith("250-");
        return c;
    }

    /** AUTH PLAIN as alice on the submissions port (implicit TLS); returns the reply. */
    private static String login() throws IOException {
        try (RawSmtpClient c = RawSmtpClient.connectTls(postern.submissionsPort())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.example")).contains("AUTH");
            return c.command("AUTH PLAIN " + PLAIN_ALICE);
        }
    }

    private static String send(String from, String to, String message) throws IOException {
        try (RawSmtpClient c = openEhlo()) {
            assertThat(c.command("MAIL FROM:<" + from + ">")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<" + to + ">")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            c.send(message + ".\r\n");
            String reply = c.reply();
            Matcher m = QUEUED.matcher(reply);
            assertThat(m.find()).as(reply).isTrue();
            return m.group(1);
        }
    }
}
