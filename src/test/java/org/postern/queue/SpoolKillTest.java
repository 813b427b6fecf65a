package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that is committing messages from several threads (SIGKILL, mid-write),
 * then checks that every message it reported as committed is there, intact, and that every
 * message there is intact.
 */
class SpoolKillTest {

    @TempDir
    Path dir;

    /** Content is derived from the queue ID, so any message can be checked on its own. */
    static byte[] bodyFor(String queueId) {
        return ("Subject: " + queueId + "\r\n\r\n" + (queueId + "\r\n").repeat(60 + queueId.hashCode() % 40 + 40))
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void everyAcknowledgedMessageSurvivesSigkill() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<String> acknowledged = new HashSet<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.US_ASCII))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (acknowledged.size() < 500 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                acknowledged.add(line);
            }
            // SIGKILL while writers are mid-stream and the committer mid-batch. Through the handle,
            // so that our end of its stdout stays open for what it printed before dying.
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            while ((line = out.readLine()) != null) {
                acknowledged.add(line); // printed before the kill landed
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(500);
        try (Spool spool = Spool.open(dir)) {
            List<String> present = new ArrayList<>();
            for (SpoolEntry e : spool.list()) {
                present.add(e.queueId());
                assertThat(SpoolTest.read(spool, e.queueId())).isEqualTo(bodyFor(e.queueId()));
            }
            assertThat(present).containsAll(acknowledged);
        }
    }

    /** The process that gets killed: 8 threads commit until killed, printing each queue ID once durable. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Spool spool = Spool.open(Path.of(args[0]), new Spool.Options(1 << 20, 1024));
            PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
            for (int t = 0; t < 8; t++) {
                Thread.ofPlatform().start(() -> {
                    try {
                        while (true) {
                            SpoolWriter w = spool.newMessage();
                            byte[] body = bodyFor(w.queueId());
                            for (int i = 0; i < body.length; i += 100) {
                                w.write(body, i, Math.min(100, body.length - i));
                            }
                            w.commit(Envelope.of(w.queueId(), "s@x", List.of(Recipient.of("r@x")),
                                    Instant.now(), Envelope.ClientInfo.UNKNOWN));
                            synchronized (out) {
                                out.println(w.queueId());
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
            }
        }
    }
}
