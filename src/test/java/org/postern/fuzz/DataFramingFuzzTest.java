package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Tag;
import org.postern.smtp.BareNewline;
import org.postern.smtp.BdatReader;
import org.postern.smtp.CommandReader;
import org.postern.smtp.ContentResult;
import org.postern.smtp.DataReader;

/**
 * Message framing (RFC 5321 section 4.5.2 DATA, RFC 3030 BDAT) and command lines: however the
 * client's bytes are split into TCP reads, {@link DataReader}, {@link BdatReader} and
 * {@link CommandReader} give the same content and leave the same bytes for the next command.
 */
@Tag("fuzz")
class DataFramingFuzzTest {

    private static final BareNewline[] MODES = BareNewline.values();

    /** What one reading produced: content, status and what was left unread. */
    private record Outcome(String content, ContentResult.Status status, long size, int hops, String rest) {
    }

    @FuzzTest
    void dataContent(FuzzedDataProvider data) throws IOException {
        BareNewline mode = data.pickValue(MODES);
        long limit = data.consumeLong(0, 300);
        int buffer = data.consumeInt(16, 64);
        int[] chunks = data.consumeInts(8);
        byte[] input = data.consumeRemainingAsBytes();

        Outcome whole = readData(mode, limit, 8192, input, new int[0]);
        Outcome split = readData(mode, limit, buffer, input, chunks);
        if (limit > 0 && whole.size() > limit) {
            // Over message_size_limit the sink stops at a flush boundary, which depends on the
            // reads; that content is never used (the message is refused), the rest must agree.
            assertThat(split.status()).isEqualTo(whole.status());
            assertThat(split.size()).isEqualTo(whole.size());
            assertThat(split.hops()).isEqualTo(whole.hops());
            assertThat(split.rest()).isEqualTo(whole.rest());
            return;
        }
        assertThat(split).isEqualTo(whole);
        // Every line the sink gets ends in CRLF (RFC 5321 section 2.3.8): no bare LF gets through.
        String content = whole.content();
        for (int i = content.indexOf('\n'); i >= 0; i = content.indexOf('\n', i + 1)) {
            assertThat(i).isPositive();
            assertThat(content.charAt(i - 1)).isEqualTo('\r');
        }
        if (whole.status() == ContentResult.Status.COMPLETE) {
            assertThat(whole.size()).isEqualTo(content.length());
        }
    }

    private static Outcome readData(BareNewline mode, long limit, int buffer, byte[] input, int[] chunks)
            throws IOException {
        CommandReader in = new CommandReader(new ChunkedInputStream(input, chunks), buffer);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ContentResult r = new DataReader(mode, limit).read(in, sink);
        return new Outcome(sink.toString(java.nio.charset.StandardCharsets.ISO_8859_1), r.status(), r.size(),
                r.receivedHeaders(), rest(in));
    }

    @FuzzTest
    void bdatChunks(FuzzedDataProvider data) throws IOException {
        long limit = data.consumeLong(0, 300);
        int buffer = data.consumeInt(16, 64);
        int[] chunks = data.consumeInts(8);
        long[] sizes = data.consumeLongs(4);
        byte[] input = data.consumeRemainingAsBytes();

        CommandReader in = new CommandReader(new ChunkedInputStream(input, chunks), buffer);
        BdatReader reader = new BdatReader(limit);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        long expectedTotal = 0;
        for (long s : sizes) {
            long size = Math.floorMod(s, input.length + 2L);
            long before = reader.total();
            ContentResult r = reader.readChunk(in, size, sink);
            if (r.status() == ContentResult.Status.DISCONNECTED) {
                assertThat(reader.total()).isEqualTo(input.length);
                break;
            }
            expectedTotal += size;
            assertThat(reader.total() - before).isEqualTo(size);
            assertThat(reader.total()).isEqualTo(expectedTotal);
            if (r.status() == ContentResult.Status.COMPLETE) {
                // RFC 3030 section 2: exactly the announced octets, unchanged.
                assertThat(sink.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(input, 0, (int) expectedTotal));
            } else {
                assertThat(r.status()).isEqualTo(ContentResult.Status.TOO_BIG);
                assertThat(limit).isPositive();
                assertThat(expectedTotal).isGreaterThan(limit);
            }
        }
    }

    @FuzzTest
    void commandLines(FuzzedDataProvider data) throws IOException {
        BareNewline mode = data.pickValue(MODES);
        int max = data.consumeInt(1, 80);
        int buffer = data.consumeInt(16, 64);
        int[] chunks = data.consumeInts(8);
        byte[] input = data.consumeRemainingAsBytes();

        CommandReader whole = new CommandReader(new ChunkedInputStream(input, new int[0]), 8192);
        CommandReader split = new CommandReader(new ChunkedInputStream(input, chunks), buffer);
        while (true) {
            CommandReader.Line a = whole.readLine(max, mode);
            String aText = a == null ? null : a.toString() + a.tooLong() + a.bareLf();
            CommandReader.Line b = split.readLine(max, mode);
            String bText = b == null ? null : b.toString() + b.tooLong() + b.bareLf();
            assertThat(bText).isEqualTo(aText);
            if (a == null) {
                break;
            }
            assertThat(a.length()).isLessThanOrEqualTo(max);
        }
    }

    /** Whatever the reader still holds or can read: the next pipelined commands. */
    private static String rest(CommandReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        CommandReader.Line l;
        while ((l = in.readLine(100_000, BareNewline.NORMALIZE)) != null) {
            sb.append(l).append('|');
        }
        return sb.toString();
    }
}
