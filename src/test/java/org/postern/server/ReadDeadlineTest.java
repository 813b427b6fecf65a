package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.testing.Await;

/** smtpd_timeout without SO_TIMEOUT: an overdue read ends as a timeout, the output stays open. */
class ReadDeadlineTest {

    private ServerSocket listener;
    private Socket client;
    private Socket server;

    @BeforeEach
    void connect() throws Exception {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        server = listener.accept();
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        server.close();
        listener.close();
    }

    /** Starts a read of the server side on a virtual thread, as a session does. */
    private CompletableFuture<Integer> readInBackground(ReadDeadline in) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(in.read(new byte[100], 0, 100));
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    @Test
    void anOverdueReadEndsAsATimeoutAndTheReplyCanStillBeSent() throws Exception {
        ReadDeadline in = new ReadDeadline(server, server.getInputStream(), Duration.ofSeconds(300));
        CompletableFuture<Integer> read = readInBackground(in);
        // Nothing happens before the timeout has passed...
        in.expireIfOverdue(System.nanoTime());
        assertThat(read).isNotDone();
        // ...and the read ends once it has (the timeout thread's clock, 301 s on).
        Await.await(() -> {
            in.expireIfOverdue(System.nanoTime() + Duration.ofSeconds(301).toNanos());
            return read.isDone();
        }, "the overdue read ends");
        assertThatThrownBy(read::join).hasCauseInstanceOf(SocketTimeoutException.class);
        assertThatThrownBy(() -> in.read(new byte[1], 0, 1)).isInstanceOf(SocketTimeoutException.class);

        server.getOutputStream().write("421 timeout\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream fromServer = client.getInputStream();
        assertThat(new String(fromServer.readNBytes(13), StandardCharsets.US_ASCII)).isEqualTo("421 timeout\r\n");
    }

    @Test
    void aReadThatGetsDataInTimeIsNotDisturbed() throws Exception {
        ReadDeadline in = new ReadDeadline(server, server.getInputStream(), Duration.ofSeconds(300));
        CompletableFuture<Integer> read = readInBackground(in);
        client.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(6);
        // Idle between reads: no deadline runs, however late the timeout thread looks.
        in.expireIfOverdue(System.nanoTime() + Duration.ofDays(1).toNanos());
        client.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] b = new byte[10];
        assertThat(in.read(b, 0, 10)).isEqualTo(6);
    }

    @Test
    void theClientClosingIsAnEndOfStreamNotATimeout() throws Exception {
        ReadDeadline in = new ReadDeadline(server, server.getInputStream(), Duration.ofSeconds(300));
        client.shutdownOutput();
        assertThat(in.read(new byte[10], 0, 10)).isEqualTo(-1);
    }
}
