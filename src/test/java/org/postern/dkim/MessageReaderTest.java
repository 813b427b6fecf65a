package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageReaderTest {

    @Test
    void fieldsAndBody() throws IOException {
        InputStream in = new BufferedInputStream(new ByteArrayInputStream(
                "From: a@example.com\r\nSubject: x\r\n y\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
        List<HeaderField> fields = MessageReader.readHeaders(in);
        assertThat(fields).extracting(HeaderField::raw).containsExactly("From: a@example.com\r\n", "Subject: x\r\n y\r\n");
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("body\r\n");
    }

    @Test
    void oneEndlessLineStopsAtTheLimit() {
        // A header line with no line end must not be held in memory past MAX_HEADER_BYTES.
        InputStream endless = new InputStream() {
            private long served;

            @Override
            public int read() {
                if (served++ > 4L * MessageReader.MAX_HEADER_BYTES) {
                    throw new AssertionError("read far past the header limit");
                }
                return 'x';
            }
        };
        assertThatThrownBy(() -> MessageReader.readHeaders(endless)).isInstanceOf(IOException.class)
                .hasMessageContaining("header section longer than");
    }
}
