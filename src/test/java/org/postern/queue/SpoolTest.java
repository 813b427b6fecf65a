package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    static Envelope envelope(String id, String... rcpts) {
        return Envelope.of(id, "sender@example.org", Arrays.stream(rcpts).map(Recipient::of).toList(),
                Instant.now(), new Envelope.ClientInfo("c.example", "192.0.2.7", "c.example", "ESMTP", null));
    }

    static String store(Spool spool, byte[] content, String... rcpts) throws IOException {
        try (SpoolWriter w = spool.newMessage()) {
            w.write(content);
            w.commit(envelope(w.queueId(), rcpts));
            return w.queueId();
        }
    }

    static byte[] read(Spool spool, String id) throws IOException {
        try (SpoolMessage m = spool.open(id)) {
            return m.content().readAllBytes();
        }
    }

    static byte[] content(int seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void roundTrip() throws IOException {
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        String id;
        try (Spool spool = Spool.open(dir)) {
            id = store(spool, body, "a@example.net", "b@example.net");
            assertThat(id).matches("[0-9A-F]{13}");
            assertThat(read(spool, id)).isEqualTo(body);
            SpoolEntry e = spool.get(id).orElseThrow();
            assertThat(e.envelope().size()).isEqualTo(body.length);
            assertThat(e.envelope().recipients()).extracting(Recipient::address)
                    .containsExactly("a@example.net", "b@example.net");
            assertThat(spool.pending()).extracting(SpoolEntry::queueId).containsExactly(id);
        }
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.list()).extracting(SpoolEntry::queueId).containsExactly(id);
            assertThat(read(spool, id)).isEqualTo(body);
        }
    }

    @Test
    void prependedHeadGoesOnTopInMemoryAndSpilled() throws IOException {
        byte[] small = content(5, 1000);
        byte[] large = content(6, 3 * 1024 * 1024); // beyond the in-memory limit: spilled
        Map<String, byte[]> expected = new java.util.HashMap<>();
        try (Spool spool = Spool.open(dir)) {
            for (byte[] body : List.of(small, large)) {
                try (SpoolWriter w = spool.newMessage()) {
                    w.write(body);
                    w.prepend("B: 2\r\n".getBytes(StandardCharsets.US_ASCII));
                    w.prepend("A: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    w.commit(envelope(w.queueId(), "r@example.net"));
                    byte[] all = new byte[body.length + 12];
                    System.arraycopy("A: 1\r\nB: 2\r\n".getBytes(StandardCharsets.US_ASCII), 0, all, 0, 12);
                    System.arraycopy(body, 0, all, 12, body.length);
                    expected.put(w.queueId(), all);
                    assertThat(spool.get(w.queueId()).orElseThrow().envelope().size()).isEqualTo(all.length);
                }
            }
            for (var e : expected.entrySet()) {
                assertThat(read(spool, e.getKey())).isEqualTo(e.getValue());
            }
        }
        try (Spool spool = Spool.open(dir)) { // the CRCs are checked when the log is read again
            for (var e : expected.entrySet()) {
                assertThat(read(spool, e.getKey())).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void queueIdsAreUniqueAndIncreasing() throws IOException {
        try (Spool spool = Spool.open(dir)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                try (SpoolWriter w = spool.newMessage()) {
                    ids.add(w.queueId());
                }
            }
            assertThat(ids).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void idsStayIncreasingAcrossReopenEvenIfTheClockWasAhead() throws IOException {
        String future = "F000000000000";
        try (Spool spool = Spool.open(dir); SpoolWriter w = spool.newMessage()) {
            w.write(1);
            // An ID from a clock far ahead, as if the clock stepped back since.
            spool.append(LogFormat.encode(new LogFormat.Added(envelope(future, "r@x"), false),
                    new byte[] {1}, 1, 1, LogFormat.crc(new byte[] {1}, 0, 1)), null,
                    new LogFormat.Added(envelope(future, "r@x"), false));
        }
        try (Spool spool = Spool.open(dir); SpoolWriter w = spool.newMessage()) {
            assertThat(w.queueId()).isGreaterThan(future);
        }
    }

    @Test
    void abortLeavesNothing() throws IOException {
        Spool.Options small = new Spool.Options(1 << 20, 1024);
        try (Spool spool = Spool.open(dir, small)) {
            SpoolWriter inMemory = spool.newMessage();
            inMemory.write(content(1, 100));
            inMemory.abort();
            SpoolWriter spilled = spool.newMessage();
            spilled.write(content(2, 10_000));
            assertThat(dir.resolve("incoming").resolve(spilled.queueId())).exists();
            spilled.abort();
            assertThat(dir.resolve("incoming")).isEmptyDirectory();
            assertThat(spool.list()).isEmpty();
            assertThatThrownBy(() -> spilled.write(1)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> spool.open(spilled.queueId())).isInstanceOf(IOException.class);
        }
        try (Spool spool = Spool.open(dir, small)) {
            assertThat(spool.list()).isEmpty();
        }
    }

    @Test
    void leftoverIncomingFilesAreRemovedAtOpen() throws IOException {
        Files.createDirectories(dir.resolve("incoming"));
        Files.write(dir.resolve("incoming/19ABCDEF00000"), content(3, 5000));
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.list()).isEmpty();
            assertThat(dir.resolve("incoming")).isEmptyDirectory();
        }
    }

    @Test
    void commitRejectsAnotherMessagesEnvelope() throws IOException {
        try (Spool spool = Spool.open(dir); SpoolWriter w = spool.newMessage()) {
            assertThatThrownBy(() -> w.commit(envelope("0000000000001", "r@x")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void concurrentCommitsAreAllDurableAndReadable() throws Exception {
        int threads = 64;
        int each = 50;
        Map<String, byte[]> stored = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Spool spool = Spool.open(dir)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            byte[] body = content(thread * 1000 + i, 500 + i * 40);
                            stored.put(store(spool, body, "r" + thread + "@example.net"), body);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread w : workers) {
                assertThat(w.join(Duration.ofMinutes(2))).isTrue();
            }
            assertThat(failure.get()).isNull();
            assertThat(stored).hasSize(threads * each);
            assertThat(spool.list()).hasSize(threads * each);
        }
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.list()).hasSize(threads * each);
            for (var e : stored.entrySet()) {
                assertThat(read(spool, e.getKey())).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void largeMessageIsStreamedThroughASpillFile() throws Exception {
        long size = 20L << 20;
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        String id;
        try (Spool spool = Spool.open(dir)) {
            try (SpoolWriter w = spool.newMessage()) {
                byte[] chunk = new byte[64 * 1024];
                Random random = new Random(7);
                for (long n = 0; n < size; n += chunk.length) {
                    random.nextBytes(chunk);
                    w.write(chunk);
                    written.update(chunk);
                }
                // The content went to disk as it came, not into a buffer of message size.
                assertThat(Files.size(dir.resolve("incoming").resolve(w.queueId())))
                        .isGreaterThan(size - 2 * Spool.Options.DEFAULT.memoryBytes());
                w.commit(envelope(w.queueId(), "r@example.net"));
                id = w.queueId();
            }
            assertThat(dir.resolve("incoming")).isEmptyDirectory();
        }
        try (Spool spool = Spool.open(dir); SpoolMessage m = spool.open(id)) {
            assertThat(m.envelope().size()).isEqualTo(size);
            MessageDigest back = MessageDigest.getInstance("SHA-256");
            try (InputStream in = m.content()) {
                byte[] buf = new byte[100_000];
                for (int n; (n = in.read(buf)) > 0; ) {
                    back.update(buf, 0, n);
                }
            }
            assertThat(back.digest()).isEqualTo(written.digest());
        }
    }

    @Test
    void deliveryStateSurvivesReopenAndFinishedMessagesGo() throws IOException {
        Instant later = Instant.now().plus(Duration.ofHours(1));
        String id;
        try (Spool spool = Spool.open(dir)) {
            id = store(spool, content(1, 2000), "a@x", "b@x", "c@x");
            assertThat(spool.markDelivered(id, "a@x", "250 2.0.0 Ok")).isTrue();
            assertThat(spool.markDeferred(id, "b@x", later, "451 4.3.0 busy")).isTrue();
            assertThat(spool.markDelivered(id, "nobody@x", "250")).isFalse();
        }
        try (Spool spool = Spool.open(dir)) {
            List<Recipient> rs = spool.get(id).orElseThrow().envelope().recipients();
            assertThat(rs).extracting(Recipient::status).containsExactly(Recipient.Status.DELIVERED,
                    Recipient.Status.DEFERRED, Recipient.Status.PENDING);
            assertThat(rs.get(1).nextAttempt()).isEqualTo(later);
            assertThat(rs.get(1).lastReply()).isEqualTo("451 4.3.0 busy");
            assertThat(spool.markDelivered(id, "a@x", "again")).as("final stays final").isFalse();
            assertThat(spool.markBounced(id, "c@x", "550 5.1.1 no such user")).isTrue();
            assertThat(spool.pending(Instant.now())).isEmpty();
            assertThat(spool.pending(later)).extracting(SpoolEntry::queueId).containsExactly(id);
            assertThat(spool.markDelivered(id, "b@x", "250 2.0.0 Ok")).isTrue();
            assertThat(spool.get(id)).isEmpty();
            assertThat(spool.list()).isEmpty();
        }
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.list()).isEmpty();
        }
    }

    @Test
    void holdReleaseDeleteAndListener() throws Exception {
        LinkedBlockingQueue<String> ready = new LinkedBlockingQueue<>();
        String a;
        String b;
        try (Spool spool = Spool.open(dir)) {
            spool.addListener(e -> ready.add(e.queueId()));
            a = store(spool, content(1, 100), "r@x");
            b = store(spool, content(2, 100), "r@x");
            assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(a);
            assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(b);
            assertThat(spool.hold(a)).isTrue();
            assertThat(spool.pending()).extracting(SpoolEntry::queueId).containsExactly(b);
            assertThat(spool.delete(b)).isTrue();
            assertThat(spool.delete(b)).isFalse();
        }
        try (Spool spool = Spool.open(dir)) {
            spool.addListener(e -> ready.add(e.queueId()));
            assertThat(spool.list()).extracting(SpoolEntry::queueId).containsExactly(a);
            assertThat(spool.get(a).orElseThrow().held()).isTrue();
            assertThat(spool.pending()).isEmpty();
            assertThat(spool.release(a)).isTrue();
            assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(a);
            assertThat(spool.pending()).extracting(SpoolEntry::queueId).containsExactly(a);
        }
    }

    @Test
    void spaceIsReclaimedAndLongLivedMessagesAreMoved() throws IOException {
        Spool.Options small = new Spool.Options(64 * 1024, 256 * 1024);
        Instant later = Instant.now().plus(Duration.ofDays(1));
        byte[] keptBody = content(42, 3000);
        String kept;
        try (Spool spool = Spool.open(dir, small)) {
            kept = store(spool, keptBody, "slow@x", "fast@x");
            spool.markDelivered(kept, "fast@x", "250 ok");
            spool.markDeferred(kept, "slow@x", later, "451 later");
            spool.hold(kept);
            for (int i = 0; i < 300; i++) {
                String id = store(spool, content(i, 2000), "r@x");
                spool.markDelivered(id, "r@x", "250 ok");
            }
            // 300 x 2 KB went through 64 KB segments; only a couple may remain.
            assertThat(segmentCount()).isLessThanOrEqualTo(3);
            assertThat(read(spool, kept)).isEqualTo(keptBody);
        }
        try (Spool spool = Spool.open(dir, small)) {
            assertThat(spool.list()).extracting(SpoolEntry::queueId).containsExactly(kept);
            SpoolEntry e = spool.get(kept).orElseThrow();
            assertThat(e.held()).isTrue();
            assertThat(e.envelope().recipients()).extracting(Recipient::status)
                    .containsExactly(Recipient.Status.DEFERRED, Recipient.Status.DELIVERED);
            assertThat(e.envelope().recipients().get(0).nextAttempt()).isEqualTo(later);
            assertThat(read(spool, kept)).isEqualTo(keptBody);
        }
    }

    @Test
    void openStreamStaysReadableWhileTheSpoolMovesTheMessage() throws IOException {
        Spool.Options small = new Spool.Options(16 * 1024, 256 * 1024);
        try (Spool spool = Spool.open(dir, small)) {
            byte[] body = content(5, 4000);
            String id = store(spool, body, "r@x");
            try (SpoolMessage m = spool.open(id)) {
                for (int i = 0; i < 40; i++) {
                    spool.markDelivered(store(spool, content(i, 2000), "x@x"), "x@x", "ok");
                }
                assertThat(m.content().readAllBytes()).isEqualTo(body);
            }
            assertThat(read(spool, id)).isEqualTo(body);
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryFails() throws IOException {
        try (Spool spool = Spool.open(dir)) {
            assertThatThrownBy(() -> Spool.open(dir)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void closedSpoolRefusesWrites() throws IOException {
        Spool spool = Spool.open(dir);
        spool.close();
        assertThatThrownBy(spool::newMessage).isInstanceOf(IOException.class);
    }

    private long segmentCount() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("log"))) {
            return files.count();
        }
    }

    static void truncate(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    static void flipByte(Path file, long pos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0x5a);
        }
    }
}
