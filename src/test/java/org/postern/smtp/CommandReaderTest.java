package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.postern.smtp.TestStreams.bytes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandReaderTest {

    record L(String text, boolean tooLong, boolean bareLf) {
    }

    static List<L> lines(InputStream in, int bufferSize, int limit, BareNewline mode) throws IOException {
        CommandReader r = new CommandReader(in, bufferSize);
        List<L> out = new ArrayList<>();
        CommandReader.Line l;
        while ((l = r.readLine(limit, mode)) != null) {
            out.add(new L(TestStreams.text(l.copy()), l.tooLong(), l.bareLf()));
        }
        return out;
    }

    /** Same lines whole, one byte at a time, and split at every position. */
    static List<L> linesEveryWay(String wire, int limit, BareNewline mode) throws IOException {
        byte[] d = bytes(wire);
        List<L> whole = lines(TestStreams.whole(d), 8192, limit, mode);
        assertThat(lines(TestStreams.oneByte(d), 16, limit, mode)).isEqualTo(whole);
        for (int k = 0; k <= d.length; k++) {
            assertThat(lines(TestStreams.splitAt(d, k), 16, limit, mode)).isEqualTo(whole);
        }
        return whole;
    }

    @Test
    void crlfLines() throws IOException {
        assertThat(linesEveryWay("EHLO a\r\nMAIL FROM:<a@b>\r\n\r\nQUIT\r\n", 2048, BareNewline.NORMALIZE)).containsExactly(
                new L("EHLO a", false, false), new L("MAIL FROM:<a@b>", false, false), new L("", false, false),
                new L("QUIT", false, false));
    }

    @Test
    void bareLfIsReportedAndCrElsewhereIsData() throws IOException {
        assertThat(linesEveryWay("NOOP\nRSET\r\na\rb\r\nc\r\r\n", 2048, BareNewline.NORMALIZE)).containsExactly(
                new L("NOOP", false, true), new L("RSET", false, false), new L("a\rb", false, false), new L("c\r", false, false));
        // smtpd_forbid_bare_newline = no: every CR before LF goes.
        assertThat(linesEveryWay("c\r\r\n", 2048, BareNewline.NO)).containsExactly(new L("c", false, false));
    }

    @Test
    void overlongLineIsConsumedToItsEnd() throws IOException {
        String wire = "0123456789ABCDEF\r\nNOOP\r\n" + "x".repeat(40) + "\nQUIT\r\n";
        assertThat(linesEveryWay(wire, 10, BareNewline.NORMALIZE)).containsExactly(
                new L("0123456789", true, false), new L("NOOP", false, false), new L("x".repeat(10), true, true),
                new L("QUIT", false, false));
    }

    @Test
    void limitCountsTheCrAsPostfixDoes() throws IOException {
        assertThat(linesEveryWay("123456789\r\n", 10, BareNewline.NORMALIZE)).containsExactly(new L("123456789", false, false));
        assertThat(linesEveryWay("1234567890\r\n", 10, BareNewline.NORMALIZE)).containsExactly(new L("1234567890", true, false));
        assertThat(linesEveryWay("1234567890\n", 10, BareNewline.NORMALIZE)).containsExactly(new L("1234567890", false, true));
    }

    @Test
    void eofMidLineIsEof() throws IOException {
        assertThat(linesEveryWay("NOOP\r\nQUI", 2048, BareNewline.NORMALIZE)).containsExactly(new L("NOOP", false, false));
        assertThat(linesEveryWay("", 2048, BareNewline.NORMALIZE)).isEmpty();
    }

    @Test
    void bufferedInputForPipeliningChecks() throws IOException {
        CommandReader r = new CommandReader(new ByteArrayInputStream(bytes("EHLO a\r\nMAIL FROM:<a@b>\r\n")));
        assertThat(r.hasBufferedInput()).isFalse();
        r.readLine();
        assertThat(r.hasBufferedInput()).isTrue();
        assertThat(r.buffered()).isEqualTo(17);
        assertThat(TestStreams.text(r.peekBuffered(4))).isEqualTo("MAIL");
        assertThat(r.hasPendingInput()).isTrue();
        r.readLine();
        assertThat(r.hasBufferedInput()).isFalse();
        assertThat(r.hasPendingInput()).isFalse();
    }

    @Test
    void peekPendingReadsWhatIsAvailableWithoutConsumingIt() throws IOException {
        // Pregreet: the early bytes are still in the stream, nothing is buffered yet.
        CommandReader r = new CommandReader(new ByteArrayInputStream(bytes("EHLO early\r\n")));
        assertThat(r.peekBuffered(100)).isEmpty();
        assertThat(TestStreams.text(r.peekPending(4))).isEqualTo("EHLO");
        assertThat(r.readLine().toString()).isEqualTo("EHLO early");
        assertThat(r.peekPending(100)).isEmpty();
    }

    @Test
    void starttlsInjectionIsDiscarded() throws IOException {
        // CVE-2011-0411: "STARTTLS\r\nRSET\r\n" in one packet; RSET must not run inside TLS.
        CommandReader r = new CommandReader(new ByteArrayInputStream(bytes("STARTTLS\r\nRSET\r\n")));
        assertThat(r.readLine().toString()).isEqualTo("STARTTLS");
        assertThatThrownBy(() -> r.switchTo(new ByteArrayInputStream(new byte[0]))).isInstanceOf(IllegalStateException.class);
        assertThat(r.discardBuffered()).isEqualTo(6);
        r.switchTo(new ByteArrayInputStream(bytes("EHLO tls\r\n")));
        assertThat(r.readLine().toString()).isEqualTo("EHLO tls");
        assertThat(r.readLine()).isNull();
    }

    @Test
    void bufferedBytesCanBeHandedOver() throws IOException {
        CommandReader r = new CommandReader(new ByteArrayInputStream(bytes("A\r\nBC")));
        r.readLine();
        assertThat(TestStreams.text(r.takeBuffered())).isEqualTo("BC");
        assertThat(r.hasBufferedInput()).isFalse();
    }

    @Test
    void nulAndEightBitBytesAreKept() throws IOException {
        byte[] d = {'A', 0, (byte) 0xff, (byte) 0x80, '\r', '\n'};
        CommandReader r = new CommandReader(new ByteArrayInputStream(d));
        assertThat(r.readLine().copy()).containsExactly('A', 0, (byte) 0xff, (byte) 0x80);
    }
}
