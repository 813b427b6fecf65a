package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.RawSmtpClient;

/**
 * One client address misbehaving must not cost the others their service: slow clients that
 * hold connections (smtpd_timeout, smtpd_client_connection_count_limit), a flood of
 * connections (smtpd_client_connection_rate_limit) and a flood of failed logins
 * (postern_sasl_failure_limit). Each test misbehaves from its own loopback address (Linux
 * routes all of 127.0.0.0/8 to lo) while another address must get its 220 and a complete
 * transaction within a deadline. The unit semantics are in AuthThrottleAndLimitsTest and the
 * single-client replies in SmtpLimitsTest.
 */
class SlowClientsTest {

    private static final String HOST = TestPostern.HOSTNAME;
    /** How long a well-behaved client may take for greeting plus transaction; generous for a loaded CI machine. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final int COUNT_LIMIT = 5;
    private static final int RATE_LIMIT = 100;
    private static final int SASL_FAILURE_LIMIT = 5;

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir, """
                smtpd_timeout = 2s
                smtpd_client_connection_count_limit = %d
                smtpd_client_connection_rate_limit = %d
                smtpd_sasl_auth_enable = yes
                postern_sasl_failure_limit = %d
                """.formatted(COUNT_LIMIT, RATE_LIMIT, SASL_FAILURE_LIMIT));
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    @Test
    void slowClientsHoldingConnectionsDoNotStopOthers() throws Exception {
        List<RawSmtpClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < COUNT_LIMIT; i++) {
                RawSmtpClient c = RawSmtpClient.connectFrom("127.0.0.2", postern.smtpPort());
                assertThat(c.reply()).startsWith("220 ");
                slow.add(c);   // says nothing more: holds its connection until smtpd_timeout
            }
            for (int i = 0; i < 2; i++) {
                try (RawSmtpClient more = RawSmtpClient.connectFrom("127.0.0.2", postern.smtpPort())) {
                    assertThat(more.reply()).isEqualTo("421 4.7.0 " + HOST + " Error: too many connections from 127.0.0.2");
                    assertThat(more.awaitClosed()).isTrue();
                }
            }
            assertServedPromptly("127.0.0.3", "slow-neighbours");

            // smtpd_timeout ends the slow sessions, which frees their slots.
            for (RawSmtpClient c : slow) {
                assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
                assertThat(c.awaitClosed()).isTrue();
            }
            postern.awaitLog("timeout after CONNECT from unknown[127.0.0.2]");
            TestPostern.await(() -> postern.server().smtp().sessionCount() == 0, Duration.ofSeconds(10), "sessions ended");
            try (RawSmtpClient again = RawSmtpClient.connectFrom("127.0.0.2", postern.smtpPort())) {
                assertThat(again.reply()).startsWith("220 ");
            }
        } finally {
            slow.forEach(RawSmtpClient::close);
        }
    }

    @Test
    void connectionFloodIsRateLimitedAndOthersAreServed() throws Exception {
        int refused = 0;
        for (int i = 0; i < RATE_LIMIT + 50; i++) {
            try (RawSmtpClient c = RawSmtpClient.connectFrom("127.0.0.4", postern.smtpPort())) {
                String greeting = c.reply();
                if (greeting.startsWith("421 ")) {
                    assertThat(greeting).isEqualTo("421 4.7.0 " + HOST + " Error: too many connections from 127.0.0.4");
                    refused++;
                } else {
                    assertThat(greeting).startsWith("220 ");
                    assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
                }
            }
        }
        assertThat(refused).as("connections over the rate limit").isEqualTo(50);
        postern.awaitLog("warning: Connection rate limit exceeded: limit from unknown[127.0.0.4] for service ");
        assertServedPromptly("127.0.0.5", "after-the-flood");
    }

    @Test
    void failedLoginFloodIsThrottledLoggedAndDoesNotSlowOthers() throws Exception {
        String wrong = plain("alice@example.test", "not the password");
        int mark = SmtpTests.mark(postern);
        // About a thousand failed logins, 20 per connection (smtpd_hard_error_limit ends each).
        CompletableFuture<int[]> flood = CompletableFuture.supplyAsync(() -> {
            int[] replies = new int[2];   // 535, 454
            try {
                for (int connection = 0; connection < 50; connection++) {
                    try (RawSmtpClient c = RawSmtpClient.connectFrom("127.0.0.6", postern.smtpPort())) {
                        c.reply();
                        c.command("EHLO flood.example");
                        for (int attempt = 0; attempt < 20; attempt++) {
                            String reply = c.command("AUTH PLAIN " + wrong);
                            if (reply.startsWith("535 5.7.8 ")) {
                                replies[0]++;
                            } else if (reply.equals("454 4.7.0 Temporary authentication failure: "
                                    + "too many failed logins from your address, try again later")) {
                                replies[1]++;
                            } else {
                                throw new AssertionError("unexpected reply to a failed login: " + reply);
                            }
                        }
                        assertThat(c.reply()).isEqualTo("421 4.7.0 " + HOST + " Error: too many errors");
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return replies;
        }, Executors.newVirtualThreadPerTaskExecutor());

        // Meanwhile another address logs in (right password first time) and sends, promptly.
        Instant start = Instant.now();
        try (RawSmtpClient c = RawSmtpClient.connectFrom("127.0.0.7", postern.smtpPort())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO other.example")).contains("AUTH PLAIN");
            assertThat(c.command("AUTH PLAIN " + plain("alice@example.test", "wrong"))).startsWith("535 5.7.8 ");
            assertThat(c.command("AUTH PLAIN " + plain("alice@example.test", TestPostern.PASSWORD)))
                    .isEqualTo("235 2.7.0 Authentication successful");
            transaction(c, "during-the-login-flood");
        }

        int[] replies = flood.get();
        assertThat(replies[0]).as("failed logins checked").isEqualTo(SASL_FAILURE_LIMIT);
        assertThat(replies[1]).as("logins refused by the throttle").isEqualTo(1000 - SASL_FAILURE_LIMIT);
        // The throttle holds even for the right password, for that address only.
        try (RawSmtpClient c = RawSmtpClient.connectFrom("127.0.0.6", postern.smtpPort())) {
            c.reply();
            c.command("EHLO flood.example");
            assertThat(c.command("AUTH PLAIN " + plain("alice@example.test", TestPostern.PASSWORD)))
                    .startsWith("454 4.7.0 Temporary authentication failure: too many failed logins");
        }
        String log = SmtpTests.logSince(postern, mark);
        assertThat(log.lines().filter(l -> l.contains("[127.0.0.6]: SASL PLAIN authentication failed: "
                + "authentication failure, sasl_username=alice@example.test"))).hasSize(SASL_FAILURE_LIMIT);
        assertThat(log).contains("unknown[127.0.0.6]: SASL PLAIN authentication refused: too many failed logins from this address");
        postern.awaitMessage("alice@example.test", "during-the-login-flood");
    }

    /** A client at another address gets its greeting and completes a transaction within {@link #PROMPTLY}. */
    private static void assertServedPromptly(String address, String subject) throws Exception {
        Instant start = Instant.now();
        try (RawSmtpClient c = RawSmtpClient.connectFrom(address, postern.smtpPort())) {
            assertThat(c.reply()).startsWith("220 " + HOST);
            assertThat(c.command("EHLO other.example")).startsWith("250-");
            transaction(c, subject);
        }
        assertThat(Duration.between(start, Instant.now())).as("greeting and transaction").isLessThan(PROMPTLY);
        postern.awaitMessage("alice@example.test", subject);
    }

    private static void transaction(RawSmtpClient c, String subject) throws IOException {
        assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
        assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
        assertThat(c.command("DATA")).startsWith("354 ");
        c.send("Subject: " + subject + "\r\n\r\nhello\r\n.\r\n");
        assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }
}
