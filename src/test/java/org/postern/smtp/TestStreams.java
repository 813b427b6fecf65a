package org.postern.smtp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Input streams that deliver bytes in awkward pieces, to test reads split at every boundary. */
final class TestStreams {
    private TestStreams() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Returns one byte per read call. */
    static InputStream oneByte(byte[] data) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < data.length ? data[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                b[off] = data[i++];
                return 1;
            }
        };
    }

    /** Returns {@code data[0, split)} on the first read and the rest afterwards. */
    static InputStream splitAt(byte[] data, int split) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < data.length ? data[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) {
                    return -1;
                }
                int stop = i < split ? split : data.length;
                int n = Math.min(len, stop - i);
                if (n == 0) {
                    n = Math.min(len, data.length - i);
                }
                System.arraycopy(data, i, b, off, n);
                i += n;
                return n;
            }
        };
    }

    static InputStream whole(byte[] data) {
        return new ByteArrayInputStream(data);
    }

    /** Everything still readable through the reader, as text. */
    static String rest(CommandReader r) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (r.pos < r.limit || r.fill()) {
            sb.append(new String(r.buf, r.pos, r.limit - r.pos, StandardCharsets.ISO_8859_1));
            r.pos = r.limit;
        }
        return sb.toString();
    }

    /** A sink that fails on the first write. */
    static OutputStream failingSink() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        };
    }

    static ByteArrayOutputStream sink() {
        return new ByteArrayOutputStream();
    }
}
