package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {

    static Envelope full() {
        Recipient a = Recipient.of("andré@exämple.org", "rfc822;andre@example.org",
                EnumSet.of(Recipient.Notify.SUCCESS, Recipient.Notify.FAILURE));
        Recipient b = Recipient.of("b@example.net").withStatus(Recipient.Status.DEFERRED,
                "451 4.7.1 try later\nsecond line", Instant.ofEpochSecond(1_800_000_000L, 123_456_789));
        return new Envelope("19ABCDEF01234", "", List.of(a, b), Instant.ofEpochSecond(1_790_000_000L, 5),
                new Envelope.ClientInfo("mail.example.com", "192.0.2.1", "helo.example", "ESMTPSA", null),
                2048, Envelope.DsnRet.HDRS, "env+id", Envelope.BodyType.EIGHT_BIT_MIME, true,
                Map.of("message-id", "<x@y>", "dkim", "pass"));
    }

    @Test
    void roundTripKeepsEveryField() throws IOException {
        Envelope e = full();
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e))).isEqualTo(e);
    }

    @Test
    void roundTripWithNullsAndDefaults() throws IOException {
        Envelope e = Envelope.of("0000000000001", "s@x", List.of(Recipient.of("r@x")), Instant.EPOCH,
                Envelope.ClientInfo.UNKNOWN);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e))).isEqualTo(e);
    }

    @Test
    void everyTruncationIsRejected() {
        byte[] bytes = EnvelopeCodec.encode(full());
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThatThrownBy(() -> EnvelopeCodec.decode(cut)).as("length %d", n).isInstanceOf(IOException.class);
        }
    }

    @Test
    void unknownVersionIsRejectedNotGuessed() {
        byte[] bytes = EnvelopeCodec.encode(full());
        bytes[0] = 9;
        assertThatThrownBy(() -> EnvelopeCodec.decode(bytes)).hasMessageContaining("version 9");
    }

    @Test
    void notifySetIsKept() throws IOException {
        Envelope e = full();
        Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
        assertThat(back.recipients().get(0).dsnNotify())
                .isEqualTo(Set.of(Recipient.Notify.SUCCESS, Recipient.Notify.FAILURE));
        assertThat(back.recipients().get(1).dsnNotify()).isEmpty();
    }
}
