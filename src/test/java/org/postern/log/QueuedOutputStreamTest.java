package org.postern.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueuedOutputStreamTest {

    /** A target that records what reached it and whether it was closed. */
    static final class Target extends ByteArrayOutputStream {
        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
        }

        String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void flushWaitsUntilEverythingHandedOverIsWrittenInOrder() throws IOException {
        Target target = new Target();
        QueuedOutputStream out = new QueuedOutputStream(target, "test-log-writer");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            String line = "line " + i + "\n";
            out.write(line.getBytes(StandardCharsets.UTF_8));
            expected.append(line);
        }
        out.flush();
        assertThat(target.text()).isEqualTo(expected.toString());
        out.close();
    }

    @Test
    void linesFromManyThreadsArriveWholeAndNoneIsLost() throws Exception {
        Target target = new Target();
        QueuedOutputStream out = new QueuedOutputStream(target, "test-log-writer");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
            int id = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 500; i++) {
                    try {
                        out.write(("thread " + id + " line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        out.close();
        List<String> lines = target.text().lines().toList();
        assertThat(lines).hasSize(20 * 500).doesNotHaveDuplicates();
        assertThat(lines).allMatch(l -> l.matches("thread \\d+ line \\d+"));
        assertThat(target.closed).isTrue();
    }

    @Test
    void closeWritesTheRestClosesTheTargetAndIsIdempotent() throws IOException {
        Target target = new Target();
        QueuedOutputStream out = new QueuedOutputStream(target, "test-log-writer");
        out.write("last words\n".getBytes(StandardCharsets.UTF_8));
        out.close();
        assertThat(target.text()).isEqualTo("last words\n");
        assertThat(target.closed).isTrue();
        out.close();   // a reconfiguration may stop an appender twice
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void closeRightAfterAWriteAlwaysClosesTheTarget() throws IOException {
        // The writer thread may be woken by the write and take the close request in a batch of
        // its own: a race that once left the target open. Many rounds make it show.
        for (int round = 0; round < 500; round++) {
            Target target = new Target();
            QueuedOutputStream out = new QueuedOutputStream(target, "test-log-writer");
            out.write(("round " + round + "\n").getBytes(StandardCharsets.UTF_8));
            out.close();
            assertThat(target.text()).as("round %d", round).isEqualTo("round " + round + "\n");
            assertThat(target.closed).as("round %d", round).isTrue();
        }
    }

    @Test
    void aFailingTargetIsReportedToFlushAndCloseInsteadOfHangingThem() throws IOException {
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        QueuedOutputStream out = new QueuedOutputStream(failing, "test-log-writer");
        out.write("lost\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(out::flush).hasMessage("No space left on device");
        assertThatThrownBy(out::close).hasMessage("No space left on device");
    }
}
