package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.queue.SpoolTest.content;
import static org.postern.queue.SpoolTest.flipByte;
import static org.postern.queue.SpoolTest.read;
import static org.postern.queue.SpoolTest.store;
import static org.postern.queue.SpoolTest.truncate;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash simulation: what a power cut can leave of the log is some prefix of it, possibly
 * with garbage or damaged bytes. Whatever is left, reopening must show exactly the messages
 * whose records are complete, each intact.
 */
class SpoolCrashTest {

    /** Spill anything over 64 KB, so that both body paths are on disk. */
    static final Spool.Options OPTIONS = new Spool.Options(64L << 20, 64 * 1024);

    @TempDir
    Path tmp;
    Path original;
    Path segment;
    final Map<String, byte[]> bodies = new LinkedHashMap<>();
    final List<LogFormat.Scanned> records = new ArrayList<>();
    final List<LogFormat.Change> changes = new ArrayList<>();
    long salt;

    @BeforeEach
    void writeALog() throws IOException {
        original = tmp.resolve("original");
        try (Spool spool = Spool.open(original, OPTIONS)) {
            String m1 = put(spool, 1, 2000, "a@x");
            String m2 = put(spool, 2, 10, "a@x");
            String m3 = put(spool, 3, 5000, "a@x", "b@x");
            spool.markDelivered(m3, "a@x", "250 ok");
            put(spool, 4, 300_000, "a@x");
            spool.delete(m2);
            put(spool, 5, 1, "a@x");
            spool.hold(m1);
        }
        try (Stream<Path> files = Files.list(original.resolve("log"))) {
            segment = files.filter(f -> f.toFile().length() > 0).findFirst().orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            long size = ch.size();
            salt = LogFormat.readSalt(ch);
            for (long pos = LogFormat.SEGMENT_HEADER; pos < size; ) {
                LogFormat.Scanned r = LogFormat.readAt(ch, salt, pos, size);
                records.add(r);
                changes.add(LogFormat.decodeChange(r.type(), r.flags(), r.meta()));
                pos = r.end();
            }
        }
        assertThat(records).hasSize(8);
    }

    private String put(Spool spool, int seed, int size, String... rcpts) throws IOException {
        byte[] body = content(seed, size);
        String id = store(spool, body, rcpts);
        bodies.put(id, body);
        return id;
    }

    @Test
    void everyCutThroughTheLogRecoversExactlyTheCompleteRecords() throws IOException {
        TreeSet<Long> cuts = new TreeSet<>(List.of(0L, 8L, 15L)); // torn segment header
        for (LogFormat.Scanned r : records) {
            long s = r.start();
            cuts.addAll(List.of(s, s + 1, s + 4, s + 27, s + 28, s + 31, r.bodyPos() - 1, r.bodyPos(),
                    r.bodyPos() + r.bodyLength() / 2, r.end() - 1, r.end()));
        }
        for (long cut : cuts) {
            if (cut > records.getLast().end()) {
                continue;
            }
            Path run = copy("cut" + cut);
            truncate(run.resolve("log").resolve(segment.getFileName()), cut);
            checkRecovered(run, cut, Map.of());
        }
    }

    @Test
    void garbageAfterTheLastRecordIsCutOffAndWritingGoesOn() throws IOException {
        Path run = copy("garbage");
        Path seg = run.resolve("log").resolve(segment.getFileName());
        long length = Files.size(seg);
        // A torn append: the first half of a real record, then stale bytes.
        byte[] all = Files.readAllBytes(seg);
        LogFormat.Scanned first = records.getFirst();
        byte[] torn = Arrays.copyOfRange(all, (int) first.start(), (int) (first.end() / 2));
        Files.write(seg, torn, StandardOpenOption.APPEND);
        Files.write(seg, content(9, 777), StandardOpenOption.APPEND);
        checkRecovered(run, length, Map.of());
        assertWholeLogValid(run);
        String more;
        try (Spool spool = Spool.open(run, OPTIONS)) {
            more = store(spool, content(10, 100), "z@x");
        }
        try (Spool spool = Spool.open(run, OPTIONS)) {
            assertThat(read(spool, more)).isEqualTo(content(10, 100));
            assertThat(spool.list()).hasSize(5); // m1, m3, m4, m5 and the new one
        }
    }

    @Test
    void damageInsideOneRecordLosesOnlyThatRecord() throws IOException {
        LogFormat.Scanned victim = records.get(2); // m3: header, envelope, or body damaged
        String id = changes.get(2).queueId();
        long[] spots = {victim.start() + 9, victim.start() + 30, victim.bodyPos() + 100};
        for (long spot : spots) {
            Path run = copy("flip" + spot);
            flipByte(run.resolve("log").resolve(segment.getFileName()), spot);
            checkRecovered(run, Long.MAX_VALUE, Map.of(id, true));
        }
    }

    @Test
    void recordBytesInsideABodyNeverPassAsARecord() throws IOException {
        // A message whose body is a copy of the log's own records (as a BINARYMIME body could
        // be), then a crash that tears that message's header. Searching past the damage must
        // not find the embedded records: they were sealed for another segment.
        Path run = tmp.resolve("embedded");
        byte[] log = Files.readAllBytes(segment);
        byte[] embedded = Arrays.copyOfRange(log, LogFormat.SEGMENT_HEADER, log.length);
        String carrier;
        try (Spool spool = Spool.open(run, OPTIONS)) {
            carrier = store(spool, embedded, "a@x");
        }
        Path seg;
        try (Stream<Path> files = Files.list(run.resolve("log"))) {
            seg = files.filter(f -> f.toFile().length() > LogFormat.SEGMENT_HEADER).findFirst().orElseThrow();
        }
        flipByte(seg, LogFormat.SEGMENT_HEADER + 9); // the carrier's metaLength
        try (Spool spool = Spool.open(run, OPTIONS)) {
            assertThat(spool.list()).isEmpty();
            assertThat(spool.get(carrier)).isEmpty();
        }
    }

    @Test
    void aSegmentWithADamagedHeaderIsSetAsideNotDeleted() throws IOException {
        Path run = copy("badheader");
        Path seg = run.resolve("log").resolve(segment.getFileName());
        flipByte(seg, 2);
        try (Spool spool = Spool.open(run, OPTIONS)) {
            assertThat(spool.list()).isEmpty();
        }
        assertThat(run.resolve("log").resolve(segment.getFileName() + ".damaged")).exists();
    }

    /** Opens {@code run} and compares it with a replay of the records ending at or before {@code cut}. */
    private void checkRecovered(Path run, long cut, Map<String, Boolean> lost) throws IOException {
        Map<String, LogFormat.Added> expected = new HashMap<>();
        Map<String, Boolean> held = new HashMap<>();
        Map<String, Long> delivered = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).end() > cut || lost.containsKey(changes.get(i).queueId())) {
                continue;
            }
            switch (changes.get(i)) {
                case LogFormat.Added a -> expected.put(a.queueId(), a);
                case LogFormat.StateChanged s -> delivered.merge(s.queueId(), 1L, Long::sum);
                case LogFormat.Held h -> held.put(h.queueId(), true);
                case LogFormat.Deleted d -> expected.remove(d.queueId());
                case LogFormat.Released r -> held.remove(r.queueId());
                case LogFormat.AttributeSet a -> { } // this test writes none
            }
        }
        try (Spool spool = Spool.open(run, OPTIONS)) {
            assertThat(spool.list()).as("cut at %d", cut).extracting(SpoolEntry::queueId)
                    .containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (String id : expected.keySet()) {
                SpoolEntry e = spool.get(id).orElseThrow();
                assertThat(read(spool, id)).as("%s at cut %d", id, cut).isEqualTo(bodies.get(id));
                assertThat(e.held()).isEqualTo(held.containsKey(id));
                long final_ = e.envelope().recipients().stream().filter(r -> r.status().isFinal()).count();
                assertThat(final_).isEqualTo(delivered.getOrDefault(id, 0L));
            }
        }
    }

    /** Every segment left consists of valid records up to its very end: the garbage is gone. */
    private static void assertWholeLogValid(Path run) throws IOException {
        try (Stream<Path> files = Files.list(run.resolve("log"))) {
            for (Path f : files.toList()) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    long salt = LogFormat.readSalt(ch);
                    long pos = LogFormat.SEGMENT_HEADER;
                    while (pos < ch.size()) {
                        LogFormat.Scanned r = LogFormat.readAt(ch, salt, pos, ch.size());
                        assertThat(r).as("%s at %d", f, pos).isNotNull();
                        pos = r.end();
                    }
                }
            }
        }
    }

    private Path copy(String name) throws IOException {
        Path run = tmp.resolve(name);
        Files.createDirectories(run.resolve("log"));
        Files.copy(segment, run.resolve("log").resolve(segment.getFileName()));
        return run;
    }
}
