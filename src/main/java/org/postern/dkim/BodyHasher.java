package org.postern.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Streams a message body through a canonicalizer (RFC 6376 sections 3.4.3 and 3.4.4) into a
 * hash, optionally limited to the first {@code limit} canonical bytes (the l= tag, section
 * 3.5). Memory use is constant: trailing empty lines are only counted until something follows.
 */
public final class BodyHasher {

    private final Canonicalization canonicalization;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[8192];
    private int outLength;
    private long canonicalLength;
    private long heldCrlfs;
    private boolean pendingCr;
    private boolean pendingSpace;
    private boolean emitted;
    private byte[] result;

    /**
     * @param limit the l= value, or -1 to hash the whole canonical body
     */
    public BodyHasher(Canonicalization canonicalization, String digestAlgorithm, long limit) {
        this.canonicalization = canonicalization;
        try {
            this.digest = MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.limit = limit;
    }

    public Canonicalization canonicalization() {
        return canonicalization;
    }

    public long limit() {
        return limit;
    }

    public void update(byte[] b, int off, int len) {
        if (result != null) {
            throw new IllegalStateException("body hash already finished");
        }
        for (int i = off; i < off + len; i++) {
            accept(b[i]);
        }
    }

    public void update(byte[] b) {
        update(b, 0, b.length);
    }

    private void accept(byte c) {
        if (pendingCr) {
            pendingCr = false;
            if (c == '\n') {
                // End of a line: whitespace before it goes (relaxed), the CRLF waits, since
                // empty lines at the end of the body are ignored (sections 3.4.3, 3.4.4).
                pendingSpace = false;
                heldCrlfs++;
                return;
            }
            content((byte) '\r');
        }
        if (c == '\r') {
            pendingCr = true;
            return;
        }
        if (canonicalization == Canonicalization.RELAXED && (c == ' ' || c == '\t')) {
            // Section 3.4.4: WSP runs become one SP; WSP at the end of a line is removed.
            pendingSpace = true;
            return;
        }
        content(c);
    }

    private void content(byte c) {
        while (heldCrlfs > 0) {
            emit((byte) '\r');
            emit((byte) '\n');
            heldCrlfs--;
        }
        if (pendingSpace) {
            pendingSpace = false;
            emit((byte) ' ');
        }
        emit(c);
        emitted = true;
    }

    private void emit(byte c) {
        if (limit >= 0 && canonicalLength >= limit) {
            canonicalLength++;
            return;
        }
        canonicalLength++;
        out[outLength++] = c;
        if (outLength == out.length) {
            digest.update(out, 0, outLength);
            outLength = 0;
        }
    }

    /** Ends the body and returns the hash (the bh= value, decoded). */
    public byte[] finish() {
        if (result == null) {
            if (pendingCr) {
                pendingCr = false;
                content((byte) '\r');
            }
            pendingSpace = false;
            // Simple: the body ends with exactly one CRLF, and an empty body is one CRLF
            // (section 3.4.3). Relaxed: a non-empty body ends with one CRLF, an empty one stays
            // empty (section 3.4.4).
            if (emitted || canonicalization == Canonicalization.SIMPLE) {
                emit((byte) '\r');
                emit((byte) '\n');
            }
            digest.update(out, 0, outLength);
            outLength = 0;
            result = digest.digest();
        }
        return result.clone();
    }

    /** The length of the whole canonical body (also beyond l=); valid after {@link #finish()}. */
    public long canonicalLength() {
        return canonicalLength;
    }
}
