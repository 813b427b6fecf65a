package org.postern.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * The buffered byte reader under an SMTP server session: command lines (RFC 5321 section 2.3.8
 * and 4.5.3.1.4/4.5.3.1.6), and the raw bytes that {@link DataReader} and {@link BdatReader}
 * consume from the same buffer, so that nothing read ahead is ever lost between a command, its
 * message content and the next pipelined command (RFC 2920).
 *
 * <p>Line rules, as Postfix's smtp_get:
 * <ul>
 * <li>A line ends at LF. One CR right before the LF is removed; a line that ended in LF alone is
 *     flagged ({@link Line#bareLf()}) for smtpd_forbid_bare_newline. With
 *     {@link BareNewline#NO} every CR before the LF is removed. A CR anywhere else is data.</li>
 * <li>A line longer than the limit (Postfix line_length_limit, 2048; the CR counts) is read
 *     to its end; the first {@code limit} bytes are kept and the line is flagged
 *     {@link Line#tooLong()}. Postfix 3.7 sends no error for it: it logs "request longer than
 *     2048" and runs the kept part as the command (lab).</li>
 * <li>End of stream in the middle of a line is end of stream: a partial command is never
 *     returned.</li>
 * </ul>
 *
 * <p>{@link #hasBufferedInput()} tells whether the client has sent more than was consumed
 * (pipelining checks, RFC 2920 section 3.1). After STARTTLS the caller must throw away what is
 * buffered ({@link #discardBuffered()}, RFC 3207 section 4 and CVE-2011-0411: plaintext sent
 * before the handshake must not be read as if it came through TLS) and then
 * {@link #switchTo(InputStream)} the TLS stream. Not thread-safe: one reader per session.
 */
public final class CommandReader {
    /** Postfix line_length_limit default. */
    public static final int DEFAULT_LINE_LIMIT = 2048;

    private InputStream in;
    byte[] buf;
    private final int capacity;
    /** First buffer size: an idle session holds this much. */
    static final int INITIAL_BUFFER = 1024;
    int pos;
    int limit;
    private boolean lastBareLf;
    private final Line line = new Line();

    public CommandReader(InputStream in) {
        this(in, 8192);
    }

    /**
     * @param bufferSize the largest read; the buffer starts at {@value #INITIAL_BUFFER} bytes
     *                   (or bufferSize when smaller) and grows to bufferSize once a read fills it,
     *                   so that thousands of idle sessions hold little memory while message
     *                   content still arrives in large reads
     */
    public CommandReader(InputStream in, int bufferSize) {
        this.in = Objects.requireNonNull(in, "in");
        if (bufferSize < 16) {
            throw new IllegalArgumentException("buffer too small: " + bufferSize);
        }
        this.capacity = bufferSize;
        this.buf = new byte[Math.min(bufferSize, INITIAL_BUFFER)];
    }

    /**
     * One command line, reused by the next {@link #readLine} call: copy what must be kept.
     * The bytes exclude the line ending.
     */
    public static final class Line {
        private byte[] bytes = new byte[256];
        private int length;
        private boolean tooLong;
        private boolean bareLf;
        private boolean lastDroppedCr;

        /** The buffer holding the line in {@code [0, length())}. */
        public byte[] bytes() {
            return bytes;
        }

        public int length() {
            return length;
        }

        /** The line was longer than the limit; only its first bytes are kept. */
        public boolean tooLong() {
            return tooLong;
        }

        /** The line ended with LF without CR before it. */
        public boolean bareLf() {
            return bareLf;
        }

        /** A copy of the bytes. */
        public byte[] copy() {
            return Arrays.copyOf(bytes, length);
        }

        /** The line as text (UTF-8, malformed sequences replaced): for logs and tests. */
        @Override
        public String toString() {
            return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
        }

        private void add(byte[] src, int off, int n, int max) {
            int room = max - length;
            if (n > room) {
                tooLong = true;
                lastDroppedCr = src[off + n - 1] == '\r';
                n = Math.max(room, 0);
            }
            if (n == 0) {
                return;
            }
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(Math.max(bytes.length * 2, length + n), Math.max(max, 16)));
            }
            System.arraycopy(src, off, bytes, length, n);
            length += n;
        }
    }

    /** Reads one line with Postfix's default limit and CR rules ({@link BareNewline#NORMALIZE}). */
    public Line readLine() throws IOException {
        return readLine(DEFAULT_LINE_LIMIT, BareNewline.NORMALIZE);
    }

    /**
     * Reads one line of at most {@code maxLength} bytes (more are read and dropped).
     *
     * @return the line (reused object), or null at end of stream
     */
    public Line readLine(int maxLength, BareNewline mode) throws IOException {
        Line l = line;
        l.length = 0;
        l.tooLong = false;
        l.bareLf = false;
        l.lastDroppedCr = false;
        while (true) {
            if (pos == limit && !fill()) {
                return null; // EOF, possibly mid-line: never run a partial command
            }
            int start = pos;
            int end = limit;
            byte[] b = buf;
            int i = start;
            while (i < end && b[i] != '\n') {
                i++;
            }
            if (i == end) {
                l.add(b, start, end - start, maxLength);
                pos = end;
                continue;
            }
            l.add(b, start, i - start, maxLength);
            pos = i + 1;
            if (l.tooLong) {
                // The limit counts the CR too (as Postfix), so on an over-long line the byte
                // before LF was always dropped.
                l.bareLf = !l.lastDroppedCr;
            } else if (l.length > 0 && l.bytes[l.length - 1] == '\r') {
                l.length--;
                if (mode == BareNewline.NO) {
                    while (l.length > 0 && l.bytes[l.length - 1] == '\r') {
                        l.length--;
                    }
                }
            } else {
                l.bareLf = true;
            }
            lastBareLf = l.bareLf;
            return l;
        }
    }

    /** Whether the last line read ended in a bare LF. */
    public boolean lastLineBareLf() {
        return lastBareLf;
    }

    void setLastLineBareLf(boolean v) {
        lastBareLf = v;
    }

    /** True when bytes the client sent are already buffered here, unread. */
    public boolean hasBufferedInput() {
        return pos < limit;
    }

    /**
     * True when input is waiting: buffered here, or {@link InputStream#available()} says the
     * stream has some (for TLS streams: decrypted bytes). Postfix's pipelining test also peeks at
     * the socket.
     */
    public boolean hasPendingInput() throws IOException {
        return pos < limit || in.available() > 0;
    }

    /** Number of bytes buffered and not yet consumed. */
    public int buffered() {
        return limit - pos;
    }

    /** Up to {@code max} buffered bytes, without consuming them (Postfix logs the first 100 on improper pipelining). */
    public byte[] peekBuffered(int max) {
        return Arrays.copyOfRange(buf, pos, pos + Math.min(max, limit - pos));
    }

    /**
     * Up to {@code max} bytes of pending input, without consuming them: the buffered bytes, or,
     * when nothing is buffered but the stream has bytes {@link InputStream#available() available},
     * those (read into the buffer without blocking). For the pregreet log line, where the
     * client's early bytes are still in the socket, not yet in the buffer.
     */
    public byte[] peekPending(int max) throws IOException {
        if (pos == limit && in.available() > 0) {
            fill();
        }
        return peekBuffered(max);
    }

    /** Hands the buffered bytes over (consuming them), for example to a TLS engine. */
    public byte[] takeBuffered() {
        byte[] out = Arrays.copyOfRange(buf, pos, limit);
        pos = limit = 0;
        return out;
    }

    /**
     * Drops everything buffered. Call right after sending the STARTTLS 220 reply: RFC 3207
     * section 4 / CVE-2011-0411 (command injection). Returns how many bytes were dropped, so the
     * caller can log the attempt.
     */
    public int discardBuffered() {
        int n = limit - pos;
        pos = limit = 0;
        return n;
    }

    /** Reads from another stream from now on (the TLS stream after the handshake); the buffer must be empty. */
    public void switchTo(InputStream next) {
        if (pos < limit) {
            throw new IllegalStateException("unread plaintext bytes are buffered; discard them first (RFC 3207 section 4)");
        }
        this.in = Objects.requireNonNull(next, "next");
        this.lastBareLf = false;
    }

    /** Refills an empty buffer. Returns false at end of stream. */
    boolean fill() throws IOException {
        if (limit == buf.length && buf.length < capacity) {
            buf = new byte[capacity]; // the last read filled the buffer: more is streaming in
        }
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            pos = limit = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }
}
