package org.postern.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Reads BDAT chunks (RFC 3030 section 2 and 3): exactly the announced number of octets, with no
 * dot-stuffing and no end marker, from the session's {@link CommandReader} buffer to a sink.
 * Bytes after the chunk stay buffered for the next command.
 *
 * <p>One instance per MAIL transaction ({@link #reset()} for the next): the size limit
 * (message_size_limit; 0 = none) applies to all chunks together. A chunk that would pass it is
 * still read (the octet count keeps the stream in step) but not written, and every later chunk of
 * the transaction is reported {@link ContentResult.Status#TOO_BIG} too (Postfix: {@code 552 5.3.4
 * Chunk exceeds message size limit}). A sink failure is sticky the same way. Content is passed
 * unchanged (BINARYMIME, RFC 3030 section 3); a LF without CR before it is only reported.
 */
public final class BdatReader {
    private final long sizeLimit;
    private long total;
    private boolean tooBig;
    private IOException sinkError;
    private boolean bareLf;
    private boolean prevCr;
    private HopCounter hops = new HopCounter();

    /** @param sizeLimit message_size_limit in bytes; 0 or less means no limit */
    public BdatReader(long sizeLimit) {
        this.sizeLimit = sizeLimit;
    }

    /** Starts a new transaction. */
    public void reset() {
        total = 0;
        tooBig = false;
        sinkError = null;
        bareLf = false;
        prevCr = false;
        hops = new HopCounter();
    }

    /**
     * Reads one chunk of {@code chunkSize} octets.
     *
     * @throws IOException only when reading from the client fails
     */
    public ContentResult readChunk(CommandReader in, long chunkSize, OutputStream sink) throws IOException {
        if (chunkSize < 0) {
            throw new IllegalArgumentException("negative chunk size");
        }
        if (sizeLimit > 0 && (total + chunkSize > sizeLimit || total + chunkSize < 0)) {
            tooBig = true;
        }
        long left = chunkSize;
        while (left > 0) {
            if (in.pos == in.limit && !in.fill()) {
                total += chunkSize - left;
                return result(ContentResult.Status.DISCONNECTED);
            }
            int k = (int) Math.min(left, in.limit - in.pos);
            byte[] b = in.buf;
            int off = in.pos;
            for (int i = off, end = off + k; i < end; i++) {
                byte c = b[i];
                if (c == '\n' && !prevCr) {
                    bareLf = true;
                }
                prevCr = c == '\r';
            }
            if (hops.inHeaders()) {
                hops.feed(b, off, k);
            }
            if (!tooBig && sinkError == null) {
                try {
                    sink.write(b, off, k);
                } catch (IOException e) {
                    sinkError = e;
                }
            }
            in.pos += k;
            left -= k;
        }
        total += chunkSize;
        return result(sinkError != null ? ContentResult.Status.SINK_ERROR
                : tooBig ? ContentResult.Status.TOO_BIG : ContentResult.Status.COMPLETE);
    }

    /** Octets received in this transaction so far. */
    public long total() {
        return total;
    }

    private ContentResult result(ContentResult.Status s) {
        return new ContentResult(s, total, hops.count(), bareLf, sinkError);
    }
}
