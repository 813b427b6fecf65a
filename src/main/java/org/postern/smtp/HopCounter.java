package org.postern.smtp;

/**
 * Counts {@code Received:} header fields in the header section of a message as it streams past
 * (for Postfix's hopcount_limit, default 50; RFC 5321 section 6.3: a count of Received fields
 * detects mail loops). Feed it the message bytes with CRLF line ends; it stops looking at the
 * first empty line (RFC 5322 section 2.1: the header section ends there). Field names are
 * matched case-insensitively, with optional white space before the colon (RFC 5322 section 4.5,
 * obsolete syntax). Allocation-free.
 *
 * <p>Postfix 3.7.11 (lab) counts the same fields (any case, "Received :" too, none in the body)
 * plus its own Received: header, and rejects with {@link Replies#TOO_MANY_HOPS} when that total
 * reaches hopcount_limit: reject when {@code count() + 1 >= hopcount_limit}.
 */
public final class HopCounter {
    private static final byte[] NAME = {'r', 'e', 'c', 'e', 'i', 'v', 'e', 'd'};

    private int count;
    private boolean inHeaders = true;
    private int lineLength;
    private int match; // index into NAME; NAME.length = name matched; -1 = no match on this line

    /** Feeds message bytes. */
    public void feed(byte[] b, int off, int len) {
        if (!inHeaders) {
            return;
        }
        for (int i = off, end = off + len; i < end; i++) {
            int c = b[i];
            if (c == '\n') {
                if (lineLength == 0) {
                    inHeaders = false;
                    return;
                }
                lineLength = 0;
                match = 0;
                continue;
            }
            if (lineLength == 0 && c == '\r') {
                inHeaders = false; // an empty line: CRLF
                return;
            }
            lineLength++;
            if (match < 0) {
                continue;
            }
            if (match < NAME.length) {
                match = (c | 0x20) == NAME[match] ? match + 1 : -1;
            } else if (c == ':') {
                count++;
                match = -1;
            } else if (c != ' ' && c != '\t') {
                match = -1;
            }
        }
    }

    /** Received: fields seen so far. */
    public int count() {
        return count;
    }

    /** True while still in the header section. */
    public boolean inHeaders() {
        return inHeaders;
    }
}
