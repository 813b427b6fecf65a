package org.postern.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire format both delivery clients (smtp and lmtp) share: replies in, DATA out. */
class SmtpWireTest {

    private static Reply read(String wire) throws IOException {
        return SmtpWire.readReply(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    private static String data(String prepended, String content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpWire.writeData(out, prepended.getBytes(StandardCharsets.UTF_8),
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void readsAMultiLineReplyAndLeavesTheNextOneUnread() throws IOException {
        InputStream in = new ByteArrayInputStream(
                "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n354 go ahead\r\n".getBytes(StandardCharsets.UTF_8));

        Reply ehlo = SmtpWire.readReply(in);
        Reply data = SmtpWire.readReply(in);

        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).containsExactly("mx.example", "PIPELINING", "SIZE 1000");
        assertThat(data).isEqualTo(new Reply(354, List.of("go ahead")));
    }

    @Test
    void acceptsBareLfAndACodeWithoutText() throws IOException {
        assertThat(read("250\n")).isEqualTo(new Reply(250, List.of("")));
        assertThat(read("451 4.3.0 later\n").text()).isEqualTo("451 4.3.0 later");
    }

    @Test
    void refusesMalformedReplies() {
        assertThatThrownBy(() -> read("25 short\r\n")).hasMessage("malformed reply: 25 short");
        assertThatThrownBy(() -> read("250x no separator\r\n")).hasMessage("malformed reply: 250x no separator");
        assertThatThrownBy(() -> read("250-first\r\n550 second\r\n"))
                .hasMessage("malformed multi-line reply: 550 second");
        assertThatThrownBy(() -> read("250-first\r\n")).hasMessage("connection closed by server");
    }

    @Test
    void cutsAnOversizedReplyInsteadOfFailingOnIt() throws IOException {
        String longLine = "x".repeat(SmtpWire.MAX_LINE + 100);
        assertThat(read("250 " + longLine + "\r\n").lines().getFirst()).hasSize(SmtpWire.MAX_LINE - 4);

        StringBuilder many = new StringBuilder();
        for (int i = 0; i < SmtpWire.MAX_REPLY_LINES + 5; i++) {
            many.append("250-line ").append(i).append("\r\n");
        }
        Reply cut = read(many.append("250 last\r\n").toString());
        assertThat(cut.lines()).hasSize(SmtpWire.MAX_REPLY_LINES).startsWith("line 0");
    }

    @Test
    void dotStuffsNormalisesLineEndsAndEndsWithTheFinalDot() throws IOException {
        // RFC 5321 section 4.5.2: a leading "." is doubled; section 2.3.8: bare LF becomes CRLF.
        assertThat(data("", ".hidden\r\nplain\n..two\r\n")).isEqualTo("..hidden\r\nplain\r\n...two\r\n.\r\n");
        assertThat(data("", "no final line end")).isEqualTo("no final line end\r\n.\r\n");
        assertThat(data("", "ends in CR\r")).isEqualTo("ends in CR\r\n.\r\n");
        assertThat(data("", "")).isEqualTo(".\r\n");
    }

    @Test
    void prependedHeadersAreOneStreamWithTheContent() throws IOException {
        // The line state carries over: a content starting with "." after the headers is stuffed.
        assertThat(data("X-Added: yes\r\n", ".body\r\n")).isEqualTo("X-Added: yes\r\n..body\r\n.\r\n");
        assertThat(data("X-Unended: yes", "\nbody\n")).isEqualTo("X-Unended: yes\r\nbody\r\n.\r\n");
    }

    @Test
    void aFailedContentReadIsTellableFromAFailedWrite() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk gone");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk gone");
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> SmtpWire.writeData(out, new byte[0], broken))
                .isInstanceOf(SmtpWire.ContentReadException.class)
                .hasMessage("disk gone");
        assertThat(out.toString(StandardCharsets.US_ASCII)).doesNotContain(".\r\n");
    }
}
