package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.smtp.TestStreams.bytes;
import static org.postern.smtp.TestStreams.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.smtp.ContentResult.Status;

class DataReaderTest {

    /** What one DATA read produced. */
    record Outcome(Status status, String content, String rest, int received, boolean bareLf) {
    }

    static Outcome read(BareNewline mode, long limit, InputStream in, int bufferSize) throws IOException {
        CommandReader r = new CommandReader(in, bufferSize);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentResult res = new DataReader(mode, limit).read(r, sink);
        // The sink's content is only defined for a complete message.
        String content = res.status() == Status.COMPLETE ? text(sink.toByteArray()) : "";
        return new Outcome(res.status(), content, TestStreams.rest(r), res.receivedHeaders(), res.bareLfSeen());
    }

    /**
     * Reads {@code wire} whole, one byte per read, and split in two at every position (with a
     * 16-byte buffer, so refills also happen mid-sequence); all must give the same outcome.
     */
    static Outcome readEveryWay(BareNewline mode, long limit, String wire) throws IOException {
        byte[] data = bytes(wire);
        Outcome whole = read(mode, limit, TestStreams.whole(data), 8192);
        List<Function<byte[], InputStream>> ways = new ArrayList<>();
        ways.add(TestStreams::oneByte);
        for (int k = 0; k <= data.length; k++) {
            int split = k;
            ways.add(d -> TestStreams.splitAt(d, split));
        }
        for (Function<byte[], InputStream> way : ways) {
            assertThat(read(mode, limit, way.apply(data), 16)).isEqualTo(whole);
        }
        return whole;
    }

    static Outcome normalize(String wire) throws IOException {
        return readEveryWay(BareNewline.NORMALIZE, 0, wire);
    }

    @Test
    void simpleMessageThenPipelinedCommands() throws IOException {
        Outcome o = normalize("Subject: hi\r\n\r\nHello\r\n.\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\n");
        assertThat(o.status()).isEqualTo(Status.COMPLETE);
        assertThat(o.content()).isEqualTo("Subject: hi\r\n\r\nHello\r\n");
        assertThat(o.rest()).isEqualTo("MAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\n");
        assertThat(o.bareLf()).isFalse();
    }

    @Test
    void pipelinedBytesStayInTheReaderForTheNextCommand() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("DATA\r\nx\r\n.\r\nQUIT\r\n")));
        assertThat(r.readLine().toString()).isEqualTo("DATA");
        ContentResult res = new DataReader(BareNewline.NORMALIZE, 0).read(r, new ByteArrayOutputStream());
        assertThat(res.complete()).isTrue();
        assertThat(r.hasBufferedInput()).isTrue();
        assertThat(r.readLine().toString()).isEqualTo("QUIT");
        assertThat(r.readLine()).isNull();
    }

    @Test
    void emptyMessage() throws IOException {
        Outcome o = normalize(".\r\n");
        assertThat(o.status()).isEqualTo(Status.COMPLETE);
        assertThat(o.content()).isEmpty();
    }

    @Test
    void dotUnstuffing() throws IOException {
        // RFC 5321 section 4.5.2
        Outcome o = normalize("..\r\n...\r\n..x\r\n.y\r\na.b\r\n.\r\n");
        assertThat(o.content()).isEqualTo(".\r\n..\r\n.x\r\ny\r\na.b\r\n");
    }

    @Test
    void dotsInTheMiddleOfLinesAreData() throws IOException {
        Outcome o = normalize("a.\r\n.b.\r\nx . y\r\n\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a.\r\nb.\r\nx . y\r\n\r\n");
    }

    /** The SMTP smuggling sequences (and near misses); none may end the message in normalize mode. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r", "\r.\r\n", "\r\n.\r\r\n", "\r\n\r.\r\n",
            "\n..\n", "\r\n .\r\n", "\r\n.\u0000\r\n"})
    void smugglingSequencesDoNotEndData(String seq) throws IOException {
        String wire = "Subject: x\r\n\r\nbody" + seq + "MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>\r\n"
                + "DATA\r\n\r\n.\r\nQUIT\r\n";
        for (BareNewline mode : List.of(BareNewline.NORMALIZE, BareNewline.NOTE, BareNewline.REJECT)) {
            Outcome o = readEveryWay(mode, 0, wire);
            assertThat(o.status()).isEqualTo(Status.COMPLETE);
            assertThat(o.content()).contains("MAIL FROM:<evil@example.com>\r\n");
            assertThat(o.rest()).isEqualTo("QUIT\r\n");
            assertThat(o.content()).doesNotContain("\n\n").doesNotContain("\r\r\n\n");
        }
    }

    @Test
    void bareLfLinesAreStoredWithCrlf() throws IOException {
        Outcome o = normalize("a\nb\r\nc\n\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a\r\nb\r\nc\r\n\r\n");
        assertThat(o.bareLf()).isTrue();
    }

    @Test
    void dotLineNextToBareLfIsDropped() throws IOException {
        // "." ended by bare LF, and "." after a line ended by bare LF: neither ends nor is stored.
        Outcome o = normalize("a\r\n.\nb\n.\r\nc\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a\r\nb\r\nc\r\n");
        assertThat(o.bareLf()).isTrue();
    }

    @Test
    void firstLineCountsAsFollowingCrlfEvenAfterDataLf() throws IOException {
        // Postfix 3.7.11 with normalize (lab): "DATA<LF>" then ".<CR><LF>" ends an empty message.
        CommandReader r = new CommandReader(TestStreams.whole(bytes("DATA\n.\r\nfoo\r\n.\r\nQUIT\r\n")));
        assertThat(r.readLine().bareLf()).isTrue();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentResult res = new DataReader(BareNewline.NORMALIZE, 0).read(r, sink);
        assertThat(res.complete()).isTrue();
        assertThat(sink.size()).isZero();
        assertThat(r.readLine().toString()).isEqualTo("foo");
    }

    @Test
    void bareCrIsData() throws IOException {
        Outcome o = normalize("a\rb\r\n\r\r\n\rx\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a\rb\r\n\r\r\n\rx\r\n");
        assertThat(o.bareLf()).isFalse();
    }

    @Test
    void crBeforeCrlfInDotLineIsNotTheEnd() throws IOException {
        Outcome o = normalize("a\r\n.\r\r\nb\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a\r\n\r\r\nb\r\n");
    }

    @Test
    void rejectModeFramesLikeNormalizeAndReportsBareLf() throws IOException {
        Outcome o = readEveryWay(BareNewline.REJECT, 0, "a\nb\r\n.\r\nNOOP\r\n");
        assertThat(o.status()).isEqualTo(Status.COMPLETE);
        assertThat(o.content()).isEqualTo("a\r\nb\r\n");
        assertThat(o.bareLf()).isTrue();
        assertThat(o.rest()).isEqualTo("NOOP\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r\n.\r\r\n"})
    void legacyModeEndsAtBareLfDotSequences(String seq) throws IOException {
        // smtpd_forbid_bare_newline = no: the unsafe behaviour, for compatibility only.
        Outcome o = readEveryWay(BareNewline.NO, 0, "body" + seq + "MAIL FROM:<evil@example.com>\r\n");
        assertThat(o.status()).isEqualTo(Status.COMPLETE);
        assertThat(o.content()).isEqualTo("body\r\n");
        assertThat(o.rest()).isEqualTo("MAIL FROM:<evil@example.com>\r\n");
    }

    @Test
    void legacyModeStripsAllCrsBeforeLfButKeepsOtherCrs() throws IOException {
        Outcome o = readEveryWay(BareNewline.NO, 0, "a\r\r\nb\rc\n\r.\r\n.\r\n");
        assertThat(o.content()).isEqualTo("a\r\nb\rc\r\n\r.\r\n");
    }

    @Test
    void eofBeforeTheEndIsADisconnect() throws IOException {
        for (String wire : List.of("", "hello", "hello\r\n", "hello\r\n.", "hello\r\n.\r", "hello\n.\n", "a\r\n..\r\n")) {
            assertThat(normalize(wire).status()).as(wire).isEqualTo(Status.DISCONNECTED);
        }
    }

    @Test
    void sizeLimitCountsStoredBytesAndReadsToTheEnd() throws IOException {
        String wire = "0123456789\r\n.\r\nQUIT\r\n"; // 12 bytes stored
        Outcome exact = readEveryWay(BareNewline.NORMALIZE, 12, wire);
        assertThat(exact.status()).isEqualTo(Status.COMPLETE);
        Outcome over = readEveryWay(BareNewline.NORMALIZE, 11, wire);
        assertThat(over.status()).isEqualTo(Status.TOO_BIG);
        assertThat(over.rest()).isEqualTo("QUIT\r\n");
        // dot-stuffing and bare LF normalization count as stored: "..\nb\r\n" stores ".\r\nb\r\n" (6 bytes)
        assertThat(readEveryWay(BareNewline.NORMALIZE, 5, "..\nb\r\n.\r\n").status()).isEqualTo(Status.TOO_BIG);
        assertThat(readEveryWay(BareNewline.NORMALIZE, 6, "..\nb\r\n.\r\n").status()).isEqualTo(Status.COMPLETE);
    }

    @Test
    void largeMessageIsStreamedAndSized() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("line ").append(i).append(" ").append("x".repeat(i % 300)).append("\r\n");
        }
        String body = sb.toString();
        CommandReader r = new CommandReader(TestStreams.whole(bytes(body + ".\r\nQUIT\r\n")), 1024);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentResult res = new DataReader(BareNewline.NORMALIZE, 0).read(r, sink);
        assertThat(res.status()).isEqualTo(Status.COMPLETE);
        assertThat(res.size()).isEqualTo(body.length());
        assertThat(text(sink.toByteArray())).isEqualTo(body);
        assertThat(r.readLine().toString()).isEqualTo("QUIT");
    }

    @Test
    void veryLongLinesPassThrough() throws IOException {
        String line = "y".repeat(100_000);
        Outcome o = read(BareNewline.NORMALIZE, 0, TestStreams.whole(bytes(line + "\r\n.\r\n")), 8192);
        assertThat(o.content()).isEqualTo(line + "\r\n");
    }

    @Test
    void countsReceivedHeadersOnlyInTheHeaderSection() throws IOException {
        Outcome o = normalize("Received: from a\r\n\tby b\r\nreceived : x\r\nRECEIVED:y\r\nX-Received: no\r\n"
                + "Received-SPF: pass\r\nSubject: Received: no\r\n\r\nReceived: body\r\n.\r\n");
        assertThat(o.received()).isEqualTo(3);
    }

    @Test
    void sinkFailureStillReadsToTheEnd() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("a\r\nb\r\n.\r\nQUIT\r\n")));
        ContentResult res = new DataReader(BareNewline.NORMALIZE, 0).read(r, TestStreams.failingSink());
        assertThat(res.status()).isEqualTo(Status.SINK_ERROR);
        assertThat(res.sinkError()).hasMessage("disk full");
        assertThat(r.readLine().toString()).isEqualTo("QUIT");
    }

    @Test
    void binaryAndNulBytesPassThrough() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < 256; c++) {
            if (c != '\r' && c != '\n') {
                sb.append((char) c);
            }
        }
        String all = sb.toString();
        Outcome o = normalize("x" + all + "\r\n.\r\n");
        assertThat(o.content()).isEqualTo("x" + all + "\r\n");
    }

    @Test
    void readerIsReusableForTheNextMessage() throws IOException {
        CommandReader r = new CommandReader(TestStreams.whole(bytes("a\r\n.\r\nb\r\n.\r\n")));
        DataReader d = new DataReader(BareNewline.NORMALIZE, 0);
        ByteArrayOutputStream s1 = new ByteArrayOutputStream();
        ByteArrayOutputStream s2 = new ByteArrayOutputStream();
        assertThat(d.read(r, s1).complete()).isTrue();
        assertThat(d.read(r, s2).complete()).isTrue();
        assertThat(text(s1.toByteArray())).isEqualTo("a\r\n");
        assertThat(text(s2.toByteArray())).isEqualTo("b\r\n");
    }
}
