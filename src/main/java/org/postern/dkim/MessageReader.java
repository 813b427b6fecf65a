package org.postern.dkim;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the header section of a message (RFC 5322 section 2.1) from a stream and leaves the
 * stream at the first byte of the body. Only the header section is held in memory.
 */
public final class MessageReader {

    /** Largest header section accepted, so a hostile message cannot exhaust memory. */
    public static final int MAX_HEADER_BYTES = 1 << 20;

    private MessageReader() {
    }

    /**
     * Reads header fields up to and including the empty line that ends them (or the end of the
     * stream when there is no body). A line that starts with a space or tab continues the field
     * before it (RFC 5322 section 2.2.3). {@code in} must support single-byte reads efficiently
     * (wrap it in a BufferedInputStream).
     */
    public static List<HeaderField> readHeaders(InputStream in) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long total = 0;
        while (true) {
            line.reset();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
                if (total + line.size() > MAX_HEADER_BYTES) {
                    break; // one endless line must not get past the limit either
                }
            }
            total += line.size();
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("header section longer than " + MAX_HEADER_BYTES + " bytes");
            }
            byte[] l = line.toByteArray();
            boolean empty = l.length == 0 || l.length == 1 && l[0] == '\n' || l.length == 2 && l[0] == '\r' && l[1] == '\n';
            boolean continuation = l.length > 0 && (l[0] == ' ' || l[0] == '\t');
            if (continuation && current.size() > 0) {
                current.writeBytes(l);
            } else {
                if (current.size() > 0) {
                    fields.add(HeaderField.of(current.toByteArray()));
                    current.reset();
                }
                if (empty) {
                    return fields;
                }
                current.writeBytes(l);
            }
            if (b < 0) {
                if (current.size() > 0) {
                    fields.add(HeaderField.of(current.toByteArray()));
                }
                return fields;
            }
        }
    }

    /**
     * A stream that turns every bare LF into CRLF, for messages stored on disk with Unix line
     * endings; messages from SMTP already have CRLF and pass unchanged.
     */
    public static InputStream crlf(InputStream in) {
        return new FilterInputStream(in) {
            private int previous = -1;
            private boolean pendingLf;

            @Override
            public int read() throws IOException {
                if (pendingLf) {
                    pendingLf = false;
                    previous = '\n';
                    return '\n';
                }
                int b = super.read();
                if (b == '\n' && previous != '\r') {
                    pendingLf = true;
                    previous = '\r';
                    return '\r';
                }
                previous = b;
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int n = 0;
                while (n < len) {
                    if (n > 0 && !pendingLf && super.available() <= 0) {
                        break;
                    }
                    int b = read();
                    if (b < 0) {
                        return n == 0 ? -1 : n;
                    }
                    buf[off + n++] = (byte) b;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = 0;
                while (skipped < n && read() >= 0) {
                    skipped++;
                }
                return skipped;
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }
}
