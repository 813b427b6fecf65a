package org.postern.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The queue control protocol between {@code postern queue} and the running server, over a
 * UNIX domain socket at {@code $queue_directory/private/queue-control} (mode 0600, in a
 * directory created 0700: only the server's owner can use it). One request per connection.
 *
 * <pre>
 * request  = command *(SP argument) LF
 *   command: list | show ID | delete (ALL | DEFERRED | ID...) | hold (ALL | ID...)
 *            | release (ALL | ID...) | requeue (ALL | ID...) | flush [DOMAIN] | reload
 * response = *item end
 *   item   = "entry" SP held SP active SP base64(envelope) LF   ; held, active: 0 or 1
 *          | "content" SP length LF octets                       ; after an entry (show)
 *          | "done" SP queue-id LF | "missing" SP queue-id LF     ; what a change did
 *          | "note" SP text LF                                 ; reload: a problem or a restart notice
 *   end    = "ok" LF | "error" SP text LF
 * </pre>
 * The envelope is the spool's own binary envelope form ({@code EnvelopeCodec}), so the client
 * sees exactly what the spool holds. Lines are UTF-8; a request line is at most 1 MiB.
 */
public final class ControlProtocol {

    static final int MAX_LINE = 1 << 20;

    private ControlProtocol() {
    }

    /** Where the server listens for a queue directory. */
    public static Path socketPath(Path queueDirectory) {
        return queueDirectory.resolve("private").resolve("queue-control");
    }

    static String entry(QueueTools.Listed l) {
        return "entry " + (l.held() ? 1 : 0) + " " + (l.active() ? 1 : 0) + " "
                + Base64.getEncoder().encodeToString(EnvelopeCodec.encode(l.envelope()));
    }

    static QueueTools.Listed parseEntry(String line) throws IOException {
        String[] f = line.split(" ");
        if (f.length != 4 || !f[0].equals("entry")) {
            throw new IOException("queue control: unexpected reply line: " + line);
        }
        try {
            return new QueueTools.Listed(EnvelopeCodec.decode(Base64.getDecoder().decode(f[3])), f[1].equals("1"),
                    f[2].equals("1"));
        } catch (IllegalArgumentException e) {
            throw new IOException("queue control: bad entry: " + e.getMessage(), e);
        }
    }

    /** One line without its LF, or null at end of stream; fails beyond {@link #MAX_LINE}. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (line.size() >= MAX_LINE) {
                throw new IOException("queue control: line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
