package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Tag;
import org.postern.smtp.Sasl;

/**
 * SMTP AUTH exchanges (RFC 4954 section 4, PLAIN RFC 4616, LOGIN): any client lines lead to a
 * challenge, credentials or a failure reply, never an exception, and well-formed PLAIN
 * credentials come back exactly as they were encoded.
 */
@Tag("fuzz")
class SaslFuzzTest {

    @FuzzTest
    void exchange(FuzzedDataProvider data) {
        String mechanism = data.pickValue(new String[] {"PLAIN", "LOGIN", "plain", "login", "CRAM-MD5"});
        boolean encode = data.consumeBoolean();
        String initial = data.consumeBoolean() ? null : line(data, encode);
        Sasl.Exchange x = Sasl.start(mechanism);
        if (x == null) {
            assertThat(mechanism).isEqualTo("CRAM-MD5");
            return;
        }
        Sasl.Step step = x.start(initial);
        for (int i = 0; i < 4 && step instanceof Sasl.Challenge c; i++) {
            assertThat(c.reply().code()).isEqualTo(334);
            step = x.next(line(data, encode));
        }
        switch (step) {
            case Sasl.Challenge c -> assertThat(c.reply().code()).isEqualTo(334);
            case Sasl.Failed f -> assertThat(f.reply().code()).isBetween(500, 599);
            case Sasl.Done d -> {
                assertThat(d.credentials().authcid()).isNotNull();
                assertThat(d.credentials().password()).isNotNull();
            }
        }
    }

    /** A client line: base64 of fuzzer bytes (to reach the decoders' logic) or raw text. */
    private static String line(FuzzedDataProvider data, boolean encode) {
        if (encode) {
            return Base64.getEncoder().encodeToString(data.consumeBytes(data.consumeInt(0, 600)));
        }
        return data.consumeString(600);
    }

    @FuzzTest
    void plainRoundTrip(FuzzedDataProvider data) {
        String authzid = data.consumeString(40);
        String authcid = data.consumeString(40);
        String password = data.consumeRemainingAsString();
        if (hasSurrogateOddity(authzid + authcid + password)) {
            return;
        }
        byte[] message = (authzid + "\0" + authcid + "\0" + password).getBytes(StandardCharsets.UTF_8);
        Sasl.Step step = Sasl.start("PLAIN").start(Base64.getEncoder().encodeToString(message));
        boolean wellFormed = !authcid.isEmpty() && !password.isEmpty() && (authzid + authcid + password).indexOf('\0') < 0
                && utf8Length(authzid) <= 255 && utf8Length(authcid) <= 255 && utf8Length(password) <= 255;
        if (wellFormed) {
            assertThat(step).isInstanceOf(Sasl.Done.class);
            Sasl.Credentials c = ((Sasl.Done) step).credentials();
            assertThat(c.authzid()).isEqualTo(authzid);
            assertThat(c.authcid()).isEqualTo(authcid);
            assertThat(c.password()).isEqualTo(password);
        } else {
            assertThat(step).isInstanceOf(Sasl.Failed.class);
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A lone surrogate encodes as "?", which is still valid UTF-8: those strings do not round-trip. */
    private static boolean hasSurrogateOddity(String s) {
        return !new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
    }
}
