package org.postern.fuzz;

import java.io.InputStream;

/**
 * A stream over fixed bytes that hands them out in the chunk sizes a fuzzer chose, as a TCP
 * connection may: framing code must give the same result however the bytes arrive.
 */
final class ChunkedInputStream extends InputStream {
    private final byte[] bytes;
    private final int[] chunks;
    private int pos;
    private int chunk;

    /** @param chunks sizes of successive reads (1 or more each; the last repeats) */
    ChunkedInputStream(byte[] bytes, int[] chunks) {
        this.bytes = bytes;
        this.chunks = chunks.length == 0 ? new int[] {Integer.MAX_VALUE} : chunks;
    }

    @Override
    public int read() {
        return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (pos >= bytes.length) {
            return -1;
        }
        int want = Math.max(1, chunks[Math.min(chunk++, chunks.length - 1)]);
        int n = Math.min(Math.min(len, want), bytes.length - pos);
        System.arraycopy(bytes, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return 0;
    }
}
