package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.postern.smtp.Sasl.Challenge;
import org.postern.smtp.Sasl.Credentials;
import org.postern.smtp.Sasl.Done;
import org.postern.smtp.Sasl.Failed;
import org.postern.smtp.Sasl.Step;

class SaslTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String reply(Step s) {
        return switch (s) {
            case Challenge c -> c.reply().toString();
            case Failed f -> f.reply().toString();
            case Done d -> throw new AssertionError("done: " + d);
        };
    }

    @Test
    void plainWithInitialResponse() {
        Step s = Sasl.start("PLAIN").start(b64("\u0000alice\u0000s3cret"));
        assertThat(s).isEqualTo(new Done(new Credentials("", "alice", "s3cret")));
        Step z = Sasl.start("plain").start(b64("admin\u0000j\u00f6rg@example.com\u0000p\u00e4ss"));
        assertThat(z).isEqualTo(new Done(new Credentials("admin", "j\u00f6rg@example.com", "p\u00e4ss")));
        assertThat(z.toString()).doesNotContain("p\u00e4ss");
    }

    @Test
    void plainWithoutInitialResponse() {
        Sasl.Exchange x = Sasl.start("PLAIN");
        Step s = x.start(null);
        assertThat(TestStreams.text(((Challenge) s).reply().wireBytes())).isEqualTo("334 \r\n");
        assertThat(x.next(b64("\u0000bob\u0000pw"))).isEqualTo(new Done(new Credentials("", "bob", "pw")));
    }

    @Test
    void plainFailures() {
        assertThat(reply(Sasl.start("PLAIN").start("*"))).isEqualTo("501 5.7.0 Authentication aborted");
        assertThat(reply(Sasl.start("PLAIN").start("!!!notbase64")))
                .isEqualTo("535 5.7.8 Error: authentication failed: Invalid base64 data in initial response");
        Sasl.Exchange x = Sasl.start("PLAIN");
        x.start(null);
        assertThat(reply(x.next("%%%"))).isEqualTo("535 5.7.8 Error: authentication failed: Invalid base64 data in continued response");
        // "AUTH PLAIN =" (lab)
        assertThat(reply(Sasl.start("PLAIN").start(""))).isEqualTo("535 5.7.8 Error: authentication failed: (reason unavailable)");
        assertThat(reply(Sasl.start("PLAIN").start(b64("alice")))).startsWith("535 5.7.8");
        assertThat(reply(Sasl.start("PLAIN").start(b64("\u0000alice")))).startsWith("535 5.7.8");
        assertThat(reply(Sasl.start("PLAIN").start(b64("\u0000\u0000pw")))).startsWith("535 5.7.8");
        assertThat(reply(Sasl.start("PLAIN").start(b64("\u0000alice\u0000")))).startsWith("535 5.7.8");
        assertThat(reply(Sasl.start("PLAIN").start(b64("\u0000a\u0000b\u0000c")))).startsWith("535 5.7.8");
        byte[] badUtf8 = {0, 'a', 0, (byte) 0xff};
        assertThat(reply(Sasl.start("PLAIN").start(Base64.getEncoder().encodeToString(badUtf8)))).startsWith("535 5.7.8");
        Sasl.Exchange y = Sasl.start("PLAIN");
        y.start(null);
        assertThat(reply(y.next("*"))).isEqualTo("501 5.7.0 Authentication aborted");
    }

    @Test
    void login() {
        Sasl.Exchange x = Sasl.start("LOGIN");
        assertThat(reply(x.start(null))).isEqualTo("334 VXNlcm5hbWU6");
        assertThat(reply(x.next(b64("alice")))).isEqualTo("334 UGFzc3dvcmQ6");
        assertThat(x.next(b64("s3cret"))).isEqualTo(new Done(new Credentials("", "alice", "s3cret")));

        Sasl.Exchange ir = Sasl.start("login");
        assertThat(reply(ir.start(b64("bob")))).isEqualTo("334 UGFzc3dvcmQ6");
        assertThat(reply(ir.next("*"))).isEqualTo("501 5.7.0 Authentication aborted");

        Sasl.Exchange bad = Sasl.start("LOGIN");
        bad.start(null);
        assertThat(reply(bad.next("@@"))).startsWith("535 5.7.8");
    }

    @Test
    void unsupportedMechanism() {
        assertThat(Sasl.start("CRAM-MD5")).isNull();
        assertThat(Replies.INVALID_MECHANISM.toString()).isEqualTo("535 5.7.8 Error: authentication failed: Invalid authentication mechanism");
        assertThat(Sasl.MECHANISMS).containsExactly("PLAIN", "LOGIN");
    }
}
