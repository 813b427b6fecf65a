package org.postern.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Receives the content of one new message while a session reads DATA or BDAT, then either
 * {@link #commit commits} it to the spool or {@link #abort aborts} it.
 *
 * <p>Content is kept in memory up to a small limit (most mail is a few kilobytes, and those
 * bytes then go to the log with no extra file at all); beyond it, content spills to a file
 * in {@code incoming/}. Neither is durable or visible until {@link #commit} returns; a spill
 * file left behind by a crash is deleted when the spool is next opened.
 *
 * <p>Not thread-safe: one session writes one message.
 */
public final class SpoolWriter extends OutputStream {

    private final Spool spool;
    private final String queueId;
    private final Path spillPath;
    private final int memoryLimit;
    private final CRC32C crc = new CRC32C();
    private byte[] buffer = new byte[4096];
    private int buffered;
    private OutputStream spill;
    private long size;
    private byte[] head = new byte[0];
    private boolean finished;

    SpoolWriter(Spool spool, String queueId, Path spillPath, int memoryLimit) {
        this.spool = spool;
        this.queueId = queueId;
        this.spillPath = spillPath;
        this.memoryLimit = memoryLimit;
    }

    /** The queue ID this message will have. */
    public String queueId() {
        return queueId;
    }

    /** Content bytes written so far, prepended heads included. */
    public long size() {
        return head.length + size;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException(queueId + ": message already committed or aborted");
        }
        crc.update(b, off, len);
        size += len;
        if (spill == null && buffered + len > memoryLimit) {
            spill = new BufferedOutputStream(Files.newOutputStream(spillPath,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 64 * 1024);
            spill.write(buffer, 0, buffered);
            buffer = null;
        }
        if (spill != null) {
            spill.write(b, off, len);
            return;
        }
        if (buffered + len > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(memoryLimit, Math.max(buffered + len, buffer.length * 2)));
        }
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
    }

    /**
     * Puts {@code head} before all content written so far, for a header field that can only be
     * computed once the whole content is in (a DKIM-Signature; see
     * {@code org.postern.server.OutgoingSigner}). May be called more than once; each head goes
     * on top of the previous ones. The content itself is not copied: the head is kept in
     * memory and written into the spool record just before the content.
     */
    public void prepend(byte[] head) throws IOException {
        if (finished) {
            throw new IOException(queueId + ": message already committed or aborted");
        }
        byte[] joined = new byte[head.length + this.head.length];
        System.arraycopy(head, 0, joined, 0, head.length);
        System.arraycopy(this.head, 0, joined, head.length, this.head.length);
        this.head = joined;
    }

    /**
     * Makes the message durable and visible: returns only after content and envelope are on
     * disk (fsync'd). The envelope's queue ID must be this writer's; its size is set to the
     * number of bytes written. Only after this returns may the server answer 250.
     *
     * @throws IOException when the message could not be stored; it is then not in the spool
     *                     (the server answers 451)
     */
    public void commit(Envelope envelope) throws IOException {
        commit(envelope, false);
    }

    /**
     * As {@link #commit(Envelope)}; with {@code held}, the message goes straight to the hold
     * queue (an access table's HOLD action) and is not delivered until released.
     */
    public void commit(Envelope envelope, boolean held) throws IOException {
        if (!envelope.queueId().equals(queueId)) {
            throw new IllegalArgumentException("envelope is for " + envelope.queueId() + ", not " + queueId);
        }
        if (finished) {
            throw new IOException(queueId + ": message already committed or aborted");
        }
        finished = true;
        try {
            if (spill != null) {
                spill.close();
            }
            long total = head.length + size;
            LogFormat.Added added = new LogFormat.Added(envelope.withSize(total), held);
            int bodyCrc = (int) contentCrc();
            if (spill == null) {
                byte[] body = buffer;
                if (head.length > 0) {
                    body = new byte[head.length + buffered];
                    System.arraycopy(head, 0, body, 0, head.length);
                    System.arraycopy(buffer, 0, body, head.length, buffered);
                }
                spool.append(LogFormat.encode(added, body, (int) total, total, bodyCrc), null, added);
            } else {
                // The head travels in the record; the spool copies the spill file after it.
                spool.append(LogFormat.encode(added, head, head.length, total, bodyCrc), spillPath, added);
            }
        } finally {
            buffer = null;
            if (spill != null) {
                Files.deleteIfExists(spillPath); // its bytes are in the log now, or not wanted
            }
        }
    }

    /**
     * The CRC of head and content together. Without a head it was computed as the content came
     * in; with one it is computed again from the start (a CRC cannot be extended at the front),
     * reading a spill file back in 64 KiB steps so memory stays bounded.
     */
    private long contentCrc() throws IOException {
        if (head.length == 0) {
            return crc.getValue();
        }
        CRC32C all = new CRC32C();
        all.update(head);
        if (spill == null) {
            all.update(buffer, 0, buffered);
            return all.getValue();
        }
        try (InputStream in = Files.newInputStream(spillPath)) {
            byte[] b = new byte[64 * 1024];
            for (int n; (n = in.read(b)) > 0; ) {
                all.update(b, 0, n);
            }
        }
        return all.getValue();
    }

    /**
     * Discards the message (client gone, size exceeded, rejected at end of data). Nothing of
     * it remains. Safe to call more than once, and after a failed commit.
     */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        buffer = null;
        try {
            if (spill != null) {
                spill.close();
            }
        } catch (IOException ignored) {
            // the file is deleted below either way
        }
        try {
            Files.deleteIfExists(spillPath);
        } catch (IOException e) {
            // Left over: it is in incoming/, which the next open empties; never seen as mail.
            Spool.LOG.warn("{}: cannot delete {}: {}", queueId, spillPath, e.toString());
        }
    }

    /** Aborts unless committed: a writer closed without commit never stores anything. */
    @Override
    public void close() {
        abort();
    }
}
