package org.postern.queue;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A spooled message opened for delivery: envelope plus a stream of the content exactly as
 * received. Close it when done; the stream stays readable even if the spool meanwhile moves
 * or removes the message.
 */
public record SpoolMessage(Envelope envelope, boolean held, InputStream content) implements Closeable {

    @Override
    public void close() throws IOException {
        content.close();
    }
}
