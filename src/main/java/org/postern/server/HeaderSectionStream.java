package org.postern.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.postern.dkim.MessageReader;

/**
 * A message on its way to the spool, seen as a header section and a body: the header section is
 * held until its end, the empty line of RFC 5322 section 2.1, and handed over once; the body
 * streams through. Only the header section is ever in memory, and at most
 * {@link MessageReader#MAX_HEADER_BYTES} of it: a longer one is handed over as it is, marked too
 * long (with the rest of the write that made it so), and the rest counts as body.
 */
abstract class HeaderSectionStream extends OutputStream {

    private ByteArrayOutputStream headers = new ByteArrayOutputStream();
    private int lineLength;       // bytes of the current header line so far
    private byte previous;
    private boolean inHeaders = true;

    /**
     * The header section with its empty line; all of the content when the message ended inside
     * it (a message without body, RFC 5322 section 3.5); its first bytes when it is too long.
     */
    protected abstract void headerSection(byte[] section, boolean tooLong) throws IOException;

    /** The next bytes of the body, exactly as received. */
    protected abstract void body(byte[] b, int off, int len) throws IOException;

    @Override
    public final void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        if (inHeaders) {
            // Scan for the empty line that ends the header section, then buffer the scanned bytes
            // in one call: buffering byte by byte cost more than the scan (JFR, docs/performance.md).
            int start = off;
            boolean emptyLine = false;
            while (off < end && !emptyLine) {
                byte c = b[off++];
                lineLength++;
                emptyLine = c == '\n' && (lineLength == 1 || lineLength == 2 && previous == '\r');
                if (c == '\n') {
                    lineLength = 0;
                }
                previous = c;
            }
            headers.write(b, start, off - start);
            if (headers.size() > MessageReader.MAX_HEADER_BYTES) {
                endOfHeaders(true);
            } else if (emptyLine) {
                endOfHeaders(false);
            }
        }
        if (off < end) {
            body(b, off, end - off);
        }
    }

    /** Ends the content: hands over a header section that had no end. */
    protected final void endOfContent() throws IOException {
        if (inHeaders) {
            endOfHeaders(false);
        }
    }

    private void endOfHeaders(boolean tooLong) throws IOException {
        inHeaders = false;
        byte[] section = headers.toByteArray();
        headers = null;
        headerSection(section, tooLong);
    }
}
