package org.postern.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The mail log's stream: callers hand over their bytes and go on; one platform thread writes
 * them to the file (or standard output) in batches. SMTP sessions run on virtual threads, and a
 * file write from a virtual thread blocks its carrier: the scheduler then has to lend another
 * carrier for the time of the write, several times per message (connect, client=, from=, to=,
 * removed, disconnect). Here that cost is paid once per batch by the writer thread instead.
 *
 * <p>Lines reach the file a moment after they are logged, in the order they were logged. A
 * crash (SIGKILL) can lose the lines of that moment, as syslog or Postfix's postlogd can;
 * {@link #flush()} waits until everything handed over so far is written, and {@link #close()}
 * writes the rest and closes the target. When the writer falls far behind (a stalled disk), the
 * callers wait for room instead of growing memory without bound.
 */
public final class QueuedOutputStream extends OutputStream {

    private static final int MAX_BATCH_BYTES = 64 * 1024;

    private final OutputStream target;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(64 * 1024);
    private final Thread writer;
    private volatile IOException failure;
    private volatile boolean closed;

    public QueuedOutputStream(OutputStream target, String threadName) {
        this.target = target;
        this.writer = Thread.ofPlatform().name(threadName).daemon().start(this::writeLoop);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
            enqueue(Arrays.copyOfRange(b, off, off + len));
        }
    }

    /** Waits until every byte handed over before this call is written and flushed. */
    @Override
    public void flush() throws IOException {
        CountDownLatch done = new CountDownLatch(1);
        enqueue(done);
        await(done);
    }

    /** Writes what is queued, closes the target and stops the writer thread. */
    @Override
    public void close() throws IOException {
        if (!writer.isAlive()) {
            return;
        }
        closed = true;
        CloseRequest done = new CloseRequest();
        enqueue(done);
        await(done);
    }

    /**
     * One queue item both asks for the close and reports it done: as two items, the writer
     * could take the first in one batch and stop before the second arrived.
     */
    private static final class CloseRequest extends CountDownLatch {
        CloseRequest() {
            super(1);
        }
    }

    private void enqueue(Object item) throws IOException {
        if (closed && !(item instanceof CountDownLatch)) {
            throw new IOException("the mail log is closed");
        }
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing a log line over");
        }
    }

    private void await(CountDownLatch done) throws IOException {
        try {
            // The writer may have stopped (closed): do not wait for it forever.
            while (!done.await(100, TimeUnit.MILLISECONDS)) {
                if (!writer.isAlive()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the log to be written");
        }
        IOException f = failure;
        if (f != null) {
            throw f;
        }
    }

    private void writeLoop() {
        List<Object> batch = new ArrayList<>();
        byte[] buffer = new byte[MAX_BATCH_BYTES];
        boolean closing = false;
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; close() stops it
            }
            queue.drainTo(batch);
            int filled = 0;
            for (Object item : batch) {
                try {
                    if (item instanceof byte[] bytes) {
                        if (filled + bytes.length > buffer.length) {
                            target.write(buffer, 0, filled);
                            filled = 0;
                        }
                        if (bytes.length > buffer.length) {
                            target.write(bytes);
                        } else {
                            System.arraycopy(bytes, 0, buffer, filled, bytes.length);
                            filled += bytes.length;
                        }
                    } else if (item instanceof CountDownLatch done) {
                        closing |= done instanceof CloseRequest;
                        try {
                            target.write(buffer, 0, filled);
                            filled = 0;
                            target.flush();
                            if (closing) {
                                target.close();
                            }
                        } finally {
                            done.countDown(); // the waiting caller reads a failure from this.failure
                        }
                    }
                } catch (IOException e) {
                    failure = e; // reported to the next flush or close; the lines are lost, the server goes on
                    filled = 0;
                }
            }
            batch.clear();
            if (closing) {
                return;
            }
            try {
                target.write(buffer, 0, filled);
                target.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
