package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.smtp.TestStreams.bytes;
import static org.postern.smtp.TestStreams.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.postern.smtp.ContentResult.Status;

class BdatReaderTest {

    @Test
    void readsExactChunksAndLeavesTheNextCommand() throws Exception {
        byte[] wire = bytes("BDAT 5\r\n.\r\n\nxBDAT 3 LAST\r\nabcQUIT\r\n");
        for (int k = 0; k <= wire.length; k++) {
            CommandReader r = new CommandReader(TestStreams.splitAt(wire, k), 16);
            BdatReader b = new BdatReader(0);
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            assertThat(SmtpCommand.parse(r.readLine()).bdat()).isEqualTo(new BdatCommand(5, false));
            ContentResult c1 = b.readChunk(r, 5, sink);
            assertThat(c1.status()).isEqualTo(Status.COMPLETE);
            assertThat(c1.bareLfSeen()).isTrue();
            BdatCommand last = assertParse(r);
            assertThat(last).isEqualTo(new BdatCommand(3, true));
            assertThat(b.readChunk(r, last.size(), sink).status()).isEqualTo(Status.COMPLETE);
            assertThat(text(sink.toByteArray())).isEqualTo(".\r\n\nxabc"); // no dot handling
            assertThat(b.total()).isEqualTo(8);
            assertThat(r.readLine().toString()).isEqualTo("QUIT");
        }
    }

    private static BdatCommand assertParse(CommandReader r) throws IOException {
        try {
            return SmtpCommand.parse(r.readLine()).bdat();
        } catch (SmtpSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void zeroLastChunk() throws Exception {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("BDAT 0 LAST\r\nQUIT\r\n")));
        BdatCommand c = SmtpCommand.parse(r.readLine()).bdat();
        assertThat(c).isEqualTo(new BdatCommand(0, true));
        ContentResult res = new BdatReader(0).readChunk(r, 0, new ByteArrayOutputStream());
        assertThat(res.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.readLine().toString()).isEqualTo("QUIT");
    }

    @Test
    void sizeLimitOverAllChunksIsStickyAndKeepsStep() throws IOException {
        CommandReader r = new CommandReader(TestStreams.oneByte(bytes("0123456789abcdeXYZNOOP\r\n")), 16);
        BdatReader b = new BdatReader(12);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThat(b.readChunk(r, 10, sink).status()).isEqualTo(Status.COMPLETE);
        assertThat(b.readChunk(r, 5, sink).status()).isEqualTo(Status.TOO_BIG);
        assertThat(b.readChunk(r, 3, sink).status()).isEqualTo(Status.TOO_BIG);
        assertThat(r.readLine().toString()).isEqualTo("NOOP");
        assertThat(text(sink.toByteArray())).isEqualTo("0123456789");
        b.reset();
        assertThat(b.total()).isZero();
    }

    @Test
    void eofInsideAChunkIsADisconnect() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("abc")));
        assertThat(new BdatReader(0).readChunk(r, 10, new ByteArrayOutputStream()).status()).isEqualTo(Status.DISCONNECTED);
    }

    @Test
    void sinkFailureKeepsStep() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("abcdeQUIT\r\n")));
        ContentResult res = new BdatReader(0).readChunk(r, 5, TestStreams.failingSink());
        assertThat(res.status()).isEqualTo(Status.SINK_ERROR);
        assertThat(r.readLine().toString()).isEqualTo("QUIT");
    }

    @Test
    void countsReceivedHeadersAcrossChunks() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("Received: a\r\nRecei" + "ved: b\r\n\r\nReceived: c\r\n")));
        BdatReader b = new BdatReader(0);
        b.readChunk(r, 18, new ByteArrayOutputStream());
        ContentResult res = b.readChunk(r, 21, new ByteArrayOutputStream());
        assertThat(res.receivedHeaders()).isEqualTo(2);
    }
}
