package org.postern.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * {@code smtpd_timeout} for a plaintext session's reads, without a socket timeout. A read with
 * SO_TIMEOUT on a virtual thread arms a timer in the scheduler and cancels it again, for every
 * read; measured, that was about a quarter of the server's CPU per message
 * (docs/performance.md). Here a read only notes when it started; the server's timeout thread
 * ({@link SmtpServer}) calls {@link #expireIfOverdue} now and then, which shuts down the input of
 * a socket whose read has waited too long. The read returns and this stream reports a
 * {@link SocketTimeoutException}, as a socket timeout would, while the output stays open for the
 * {@code 421} reply.
 *
 * <p>TLS sessions do not read through this stream: their socket gets SO_TIMEOUT before the
 * handshake (a TLS engine cannot go on after its input was shut down).
 */
final class ReadDeadline extends FilterInputStream {

    private static final long NOT_READING = Long.MIN_VALUE;

    private final Socket socket;
    private final long timeoutNanos;
    private volatile long readingSince = NOT_READING;
    private volatile boolean expired;

    /** @param timeout zero or negative: reads wait forever (SO_TIMEOUT 0) */
    ReadDeadline(Socket socket, InputStream in, Duration timeout) {
        super(in);
        this.socket = socket;
        this.timeoutNanos = timeout.isPositive() ? timeout.toNanos() : Long.MAX_VALUE;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (expired) {
            throw timedOut();
        }
        readingSince = System.nanoTime();
        try {
            int n = in.read(b, off, len);
            if (n < 0 && expired) {
                throw timedOut();
            }
            return n;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            throw expired ? timedOut() : e;
        } finally {
            readingSince = NOT_READING;
        }
    }

    /**
     * Ends the read in progress when it has waited longer than the timeout. Called from the
     * timeout thread; a read that ends at the same moment may see the timeout at its next call.
     */
    void expireIfOverdue(long nowNanos) {
        long since = readingSince;
        if (since != NOT_READING && !expired && nowNanos - since > timeoutNanos) {
            expired = true;
            try {
                socket.shutdownInput();
            } catch (IOException alreadyGone) {
                // the session ends anyway
            }
        }
    }

    private static SocketTimeoutException timedOut() {
        return new SocketTimeoutException("Read timed out");
    }
}
