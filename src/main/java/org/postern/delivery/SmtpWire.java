package org.postern.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of the SMTP wire format, shared by the smtp and lmtp delivery agents (LMTP
 * uses SMTP's framing, RFC 2033 section 4): reading a server's possibly multi-line reply
 * (RFC 5321 section 4.2) and writing a message as dot-stuffed DATA (section 4.5.2).
 *
 * <p>Neither method times anything: the caller hands in streams whose reads and writes are
 * already limited the way its transport wants.
 */
public final class SmtpWire {

    /** Longest reply line kept; the rest of a longer line is read and dropped. */
    static final int MAX_LINE = 8192;
    /** Most reply lines kept; further lines are read and dropped. */
    static final int MAX_REPLY_LINES = 1000;
    private static final byte[] FINAL_DOT = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    private SmtpWire() {
    }

    /**
     * Reads one reply: {@code 250-text} on every line but the last, {@code 250 text} on the
     * last, all lines with the same code (RFC 5321 section 4.2.1). A server's oversized reply is
     * cut to {@link #MAX_REPLY_LINES} lines of {@link #MAX_LINE} bytes, as Postfix's client
     * cuts it, instead of failing the delivery over it.
     *
     * @throws IOException for a malformed reply, or when the server closes the connection
     */
    public static Reply readReply(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine(in);
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2))
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new IOException("malformed reply: " + line);
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && lineCode != code) {
                throw new IOException("malformed multi-line reply: " + line);
            }
            code = lineCode;
            if (lines.size() < MAX_REPLY_LINES) {
                lines.add(line.length() > 4 ? line.substring(4) : "");
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, lines);
            }
        }
    }

    /** One line up to LF, without its CRLF (a bare LF is accepted), cut to {@link #MAX_LINE} bytes. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed by server");
            }
            if (line.size() < MAX_LINE) {
                line.write(b);
            }
        }
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code prepended} and then {@code content}, read to its end, as one message in DATA
     * form, followed by the final dot (RFC 5321 section 4.5.2): a line starting with "." gets one
     * more "."; a bare LF becomes CRLF (section 2.3.8); an unterminated last line is ended.
     * Each block of content becomes one write to {@code out}; nothing is flushed.
     *
     * @param prepended header lines sent before the content (CRLF endings); may be empty
     * @throws ContentReadException when reading {@code content} failed (a local problem; the
     *                              final dot has not been sent, so the session must be dropped)
     * @throws IOException          when writing to {@code out} failed
     */
    public static void writeData(OutputStream out, byte[] prepended, InputStream content) throws IOException {
        DotStuffer stuffer = new DotStuffer(out);
        stuffer.write(prepended, prepended.length);
        byte[] buf = new byte[64 * 1024];
        while (true) {
            int n;
            try {
                n = content.read(buf);
            } catch (IOException e) {
                throw new ContentReadException(e);
            }
            if (n < 0) {
                break;
            }
            stuffer.write(buf, n);
        }
        stuffer.finish();
        out.write(FINAL_DOT);
    }

    /** Reading the message to send failed: not the server's fault. */
    public static final class ContentReadException extends IOException {
        public ContentReadException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Transparency (RFC 5321 section 4.5.2) and CRLF line ends for the DATA stream. */
    private static final class DotStuffer {
        private final OutputStream out;
        private byte[] chunk = new byte[0];
        private boolean lineStart = true;
        private boolean prevCr;

        DotStuffer(OutputStream out) {
            this.out = out;
        }

        void write(byte[] data, int len) throws IOException {
            if (chunk.length < 2 * len) {
                chunk = new byte[2 * len];
            }
            int n = 0;
            for (int i = 0; i < len; i++) {
                byte b = data[i];
                if (b == '\n') {
                    if (!prevCr) {
                        chunk[n++] = '\r';
                    }
                    chunk[n++] = '\n';
                    lineStart = true;
                    prevCr = false;
                    continue;
                }
                if (lineStart && b == '.') {
                    chunk[n++] = '.';
                }
                chunk[n++] = b;
                lineStart = false;
                prevCr = b == '\r';
            }
            out.write(chunk, 0, n);
        }

        /** Ends an unterminated last line, so that the final dot stands on a line of its own. */
        void finish() throws IOException {
            if (!lineStart) {
                out.write(prevCr ? new byte[] {'\n'} : new byte[] {'\r', '\n'});
            }
        }
    }
}
