package org.postern.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Reads the content that follows DATA (RFC 5321 section 4.1.1.4 and 4.5.2) from the session's
 * {@link CommandReader} buffer and streams it to a sink, without holding the message in memory.
 *
 * <p>What the sink receives: every line ends in CRLF; the leading dot of a line that starts with
 * one is removed (dot-stuffing, RFC 5321 section 4.5.2); the terminating line is not passed.
 * Long lines are passed unchanged (RFC 5321 section 4.5.3.1.6's 1000-octet limit is not
 * enforced on content; Postfix only splits them internally).
 *
 * <p>Line ends and the end of data depend on {@link BareNewline} (postfix-restrictions.md 7.1):
 * <ul>
 * <li>{@code NORMALIZE}, {@code NOTE}, {@code REJECT}: LF ends a line, with or without CR before
 *     it (one CR before LF is part of the line end; any other CR is data and kept). The content
 *     ends only at a line "." that ended in CRLF and follows a line that ended in CRLF, i.e. at
 *     {@code <CR><LF>.<CR><LF>}. A "." line next to a bare LF (its own end or the previous
 *     line's) is dropped: neither content nor end. This defeats SMTP smuggling.</li>
 * <li>{@code NO} (unsafe legacy): LF ends a line and every CR before it is dropped; any "." line
 *     ends the content, so {@code <LF>.<LF>} and {@code <CR><LF>.<LF>} end it too.</li>
 * </ul>
 * The first content line counts as following a CRLF, whatever ended the DATA command: after
 * {@code DATA<LF>} a line "." ends the content (Postfix 3.7.11, lab).
 *
 * <p>Bytes after the terminator stay in the CommandReader for the next (pipelined) command.
 * The size limit (Postfix message_size_limit; 0 = none) counts the bytes as stored; over it,
 * the sink gets no more and the content is still read to its end. One instance per session;
 * not thread-safe.
 */
public final class DataReader {
    private final BareNewline mode;
    private final long sizeLimit;
    private byte[] out; // allocated at the first message: idle sessions do not hold it

    // per-message state, used by flush()
    private OutputStream sink;
    private long size;
    private boolean tooBig;
    private IOException sinkError;
    private HopCounter hops;

    /**
     * @param mode      smtpd_forbid_bare_newline
     * @param sizeLimit message_size_limit in bytes; 0 or less means no limit
     */
    public DataReader(BareNewline mode, long sizeLimit) {
        this.mode = mode;
        this.sizeLimit = sizeLimit;
    }

    /**
     * Reads content up to and including its terminator.
     *
     * @throws IOException only when reading from the client fails (sink failures are reported
     *                     in the result)
     */
    public ContentResult read(CommandReader in, OutputStream sink) throws IOException {
        this.sink = sink;
        this.size = 0;
        this.tooBig = false;
        this.sinkError = null;
        this.hops = new HopCounter();
        final boolean strict = mode.strictEndOfData();
        if (out == null) {
            out = new byte[8192];
        }
        final byte[] o = out;
        int n = 0; // bytes in out
        boolean lineStart = true;
        boolean dotLine = false; // the line began with a (removed) dot
        long lineLength = 0; // content bytes of the line so far, after the dot
        int pendingCr = 0; // CRs that may be part of the line end
        boolean prevBare = false;
        boolean bareSeen = false;
        try {
            while (true) {
                if (in.pos == in.limit) {
                    n = flush(n);
                    if (!in.fill()) {
                        return new ContentResult(ContentResult.Status.DISCONNECTED, size, hops.count(), bareSeen, sinkError);
                    }
                }
                final byte[] b = in.buf;
                final int end = in.limit;
                int i = in.pos;
                while (i < end) {
                    // Fast path: copy a run of ordinary bytes in the middle of a line.
                    if (!lineStart && pendingCr == 0) {
                        int j = i;
                        while (j < end) {
                            byte x = b[j];
                            if (x == '\n' || x == '\r') {
                                break;
                            }
                            j++;
                        }
                        int run = j - i;
                        while (run > 0) {
                            if (n == o.length) {
                                n = flush(n);
                            }
                            int k = Math.min(run, o.length - n);
                            System.arraycopy(b, i, o, n, k);
                            n += k;
                            i += k;
                            run -= k;
                            lineLength += k;
                        }
                        if (i == end) {
                            break;
                        }
                    }
                    byte c = b[i++];
                    if (lineStart) {
                        lineStart = false;
                        dotLine = false;
                        lineLength = 0;
                        if (c == '.') {
                            dotLine = true; // RFC 5321 section 4.5.2: drop the first dot
                            continue;
                        }
                    }
                    if (c == '\n') {
                        boolean bare = pendingCr == 0;
                        pendingCr = 0;
                        lineStart = true;
                        if (dotLine && lineLength == 0) {
                            // RFC 5321 section 4.1.1.4: CRLF "." CRLF ends the content.
                            if (!strict || (!bare && !prevBare)) {
                                in.pos = i;
                                in.setLastLineBareLf(bare);
                                flush(n);
                                ContentResult.Status s = sinkError != null ? ContentResult.Status.SINK_ERROR
                                        : tooBig ? ContentResult.Status.TOO_BIG : ContentResult.Status.COMPLETE;
                                return new ContentResult(s, size, hops.count(), bareSeen | bare, sinkError);
                            }
                            // A "." line next to a bare LF: not the end, and not stored (Postfix 3.9 normalize).
                            bareSeen |= bare;
                            prevBare = bare;
                            continue;
                        }
                        bareSeen |= bare;
                        prevBare = bare;
                        if (n + 2 > o.length) {
                            n = flush(n);
                        }
                        o[n++] = '\r';
                        o[n++] = '\n';
                        continue;
                    }
                    if (c == '\r') {
                        if (!strict) {
                            pendingCr++; // legacy: every CR before LF goes
                            continue;
                        }
                        if (pendingCr == 0) {
                            pendingCr = 1;
                            continue;
                        }
                        // an earlier CR not followed by LF: data (falls through to emit one CR)
                        if (n == o.length) {
                            n = flush(n);
                        }
                        o[n++] = '\r';
                        lineLength++;
                        continue;
                    }
                    // A CR not followed by LF is data (postfix-restrictions.md 7.1: bare CR never ends a line).
                    while (pendingCr > 0) {
                        if (n == o.length) {
                            n = flush(n);
                        }
                        o[n++] = '\r';
                        lineLength++;
                        pendingCr--;
                    }
                    if (n == o.length) {
                        n = flush(n);
                    }
                    o[n++] = c;
                    lineLength++;
                }
                in.pos = end;
            }
        } finally {
            this.sink = null;
        }
    }

    /** Counts, scans and writes {@code out[0, n)}; returns 0 (the new fill level). */
    private int flush(int n) {
        if (n == 0) {
            return 0;
        }
        if (hops.inHeaders()) {
            hops.feed(out, 0, n);
        }
        size += n;
        if (sizeLimit > 0 && size > sizeLimit) {
            tooBig = true;
        }
        if (!tooBig && sinkError == null) {
            try {
                sink.write(out, 0, n);
            } catch (IOException e) {
                sinkError = e;
            }
        }
        return 0;
    }
}
