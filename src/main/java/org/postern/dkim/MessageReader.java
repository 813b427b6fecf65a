package org.postern.dkim;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
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
     * stream when there is no body), leaving {@code in} at the first byte of the body. It reads
     * byte by byte so as not to read past the header section: wrap {@code in} in a
     * BufferedInputStream.
     */
    public static List<HeaderField> readHeaders(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        int length = 0;
        int lineStart = 0;
        int b;
        while ((b = in.read()) >= 0) {
            if (length == MAX_HEADER_BYTES) {
                throw new IOException("header section longer than " + MAX_HEADER_BYTES + " bytes");
            }
            if (length == buf.length) {
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_HEADER_BYTES));
            }
            buf[length++] = (byte) b;
            if (b == '\n') {
                int lineLength = length - lineStart;
                if (lineLength == 1 || lineLength == 2 && buf[lineStart] == '\r') {
                    break; // the empty line that ends the header section
                }
                lineStart = length;
            }
        }
        return readHeaders(buf, length);
    }

    /**
     * Splits a header section held in memory ({@code length} bytes of {@code section}, usually
     * ending with the empty line) into its fields, each with its line endings. A line that starts
     * with a space or tab continues the field before it (RFC 5322 section 2.2.3); the first empty
     * line ends the section.
     */
    public static List<HeaderField> readHeaders(byte[] section, int length) {
        List<HeaderField> fields = new ArrayList<>();
        int fieldStart = -1;
        int pos = 0;
        while (pos < length) {
            int end = pos;
            while (end < length && section[end] != '\n') {
                end++;
            }
            end = Math.min(end + 1, length); // past the LF
            boolean continuation = section[pos] == ' ' || section[pos] == '\t';
            if (!continuation || fieldStart < 0) {
                if (fieldStart >= 0) {
                    fields.add(HeaderField.of(section, fieldStart, pos));
                    fieldStart = -1;
                }
                int lineLength = end - pos;
                boolean empty = section[pos] == '\n' || lineLength == 2 && section[pos] == '\r' && section[pos + 1] == '\n';
                if (empty) {
                    return fields;
                }
                fieldStart = pos;
            }
            pos = end;
        }
        if (fieldStart >= 0) {
            fields.add(HeaderField.of(section, fieldStart, length));
        }
        return fields;
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
