package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.queue.Spool;
import org.postern.testing.RawSmtpClient;

/**
 * Graceful stop (SmtpServer.stop via PosternServer.close): a session stuck in the middle of
 * DATA is cut off after postern_shutdown_timeout, its partial message is not stored, and
 * close() returns.
 */
class GracefulStopTest {

    @TempDir
    Path dir;

    @Test
    void sessionInTheMiddleOfDataIsEndedAndNothingIsStored() throws Exception {
        TestPostern postern = TestPostern.start(dir, "postern_shutdown_timeout = 1s");
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        try {
            c.send("MAIL FROM:<carol@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.replies(3)).hasSize(3);
            c.send("Subject: cut-off\r\n\r\n" + ("z".repeat(998) + "\r\n").repeat(400) + "no end yet");
            postern.awaitLog("client=unknown[127.0.0.1]");
            String id = SmtpTests.queueIdsSince(postern, 0).getFirst();

            Instant start = Instant.now();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(postern::close);
            closing.get(20, TimeUnit.SECONDS);
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
            assertThat(c.awaitClosed()).isTrue();

            String log = postern.logText();
            assertThat(log).containsPattern("lost connection after DATA \\(\\d+ bytes\\) from unknown\\[127\\.0\\.0\\.1\\]")
                    .contains("disconnect from unknown[127.0.0.1]")
                    .doesNotContain(id + ": from=<");
            assertThat(postern.messages("alice@example.test")).isEmpty();
            // incoming/ holds no leftover (checked before a reopen would empty it), and the reopened spool has no message.
            Path queue = dir.resolve("data/queue");
            try (Stream<Path> incoming = Files.list(queue.resolve("incoming"))) {
                assertThat(incoming).isEmpty();
            }
            try (Spool spool = Spool.open(queue)) {
                assertThat(spool.get(id)).isEmpty();
                assertThat(spool.list()).isEmpty();
            }
        } finally {
            c.abort();
        }
    }

    @Test
    void idleSessionIsToldAtOnceThatTheServerStops() throws Exception {
        TestPostern postern = TestPostern.start(dir, "postern_shutdown_timeout = 30s");
        RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort());
        try {
            Instant start = Instant.now();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(postern::close);
            assertThat(c.reply()).isEqualTo("421 4.3.2 mx.example.test Service shutting down");
            closing.get(20, TimeUnit.SECONDS);
            // Far less than the 30 s grace: nobody waited for the idle client.
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
            assertThat(c.awaitClosed()).isTrue();
        } finally {
            c.abort();
        }
    }
}
