package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.smtp.HopCounter;

/**
 * Message header sections (RFC 5322 sections 2.1, 2.2): {@link MessageReader#readHeaders} splits
 * any bytes into fields that, put back together, are exactly the bytes it read, and leaves the
 * stream at the body; {@link HopCounter} counts the same Received fields however it is fed.
 */
@Tag("fuzz")
class MessageHeaderFuzzTest {

    @FuzzTest
    void readHeaders(FuzzedDataProvider data) throws IOException {
        int[] chunks = data.consumeInts(6);
        byte[] message = data.consumeRemainingAsBytes();
        InputStream in = new BufferedInputStream(new ChunkedInputStream(message, chunks));
        List<HeaderField> fields = MessageReader.readHeaders(in);
        StringBuilder joined = new StringBuilder();
        for (HeaderField f : fields) {
            assertThat(f.raw()).isNotEmpty();
            f.value();
            f.lowerName();
            joined.append(f.raw());
        }
        String all = new String(message, StandardCharsets.ISO_8859_1);
        assertThat(all).startsWith(joined.toString());
        // What is left is the empty line that ended the header section (if any), then the body.
        String rest = all.substring(joined.length());
        byte[] body = in.readAllBytes();
        String after = new String(body, StandardCharsets.ISO_8859_1);
        assertThat(rest).endsWith(after);
        assertThat(rest.substring(0, rest.length() - after.length())).isIn("", "\n", "\r\n");
    }

    @FuzzTest
    void hopCount(FuzzedDataProvider data) {
        int[] cuts = data.consumeInts(6);
        byte[] message = data.consumeRemainingAsBytes();
        HopCounter whole = new HopCounter();
        whole.feed(message, 0, message.length);
        HopCounter split = new HopCounter();
        int pos = 0;
        for (int cut : cuts) {
            int n = Math.min(Math.floorMod(cut, 13), message.length - pos);
            split.feed(message, pos, n);
            pos += n;
        }
        split.feed(message, pos, message.length - pos);
        assertThat(split.count()).isEqualTo(whole.count());
        assertThat(split.inHeaders()).isEqualTo(whole.inHeaders());
    }
}
