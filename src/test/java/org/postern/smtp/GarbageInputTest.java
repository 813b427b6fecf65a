package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.postern.mail.AddressException;
import org.postern.mail.Domains;
import org.postern.mail.MailAddress;

/**
 * Random and hostile bytes (NUL, 8-bit, CR/LF soup, very long lines) through every parser: the
 * only exceptions allowed are the documented ones, and the framing invariants always hold.
 * Seeded, so every run is the same.
 */
class GarbageInputTest {
    private static final byte[] ALPHABET = TestStreams.bytes("\r\n\r\n..<>:@\"\\ \t=+,;[]AaZz09-_MAIL FROM:RCPT TO:");

    private static byte[] garbage(Random rnd, int max) {
        byte[] b = new byte[rnd.nextInt(max)];
        for (int i = 0; i < b.length; i++) {
            int k = rnd.nextInt(10);
            b[i] = k < 6 ? ALPHABET[rnd.nextInt(ALPHABET.length)] : (byte) rnd.nextInt(256);
        }
        return b;
    }

    @Test
    void commandParsersOnlyThrowSyntaxExceptions() throws IOException {
        Random rnd = new Random(5321);
        EnvelopeOptions[] opts = {EnvelopeOptions.POSTFIX_DEFAULT, new EnvelopeOptions(true, false, false, true)};
        for (int round = 0; round < 1500; round++) {
            byte[] data = garbage(rnd, 400);
            CommandReader r = new CommandReader(TestStreams.whole(data), 64);
            CommandReader.Line line;
            while ((line = r.readLine(100, BareNewline.NORMALIZE)) != null) {
                assertThat(line.length()).isLessThanOrEqualTo(100);
                assertThat(line.copy()).doesNotContain((byte) '\n');
                // Try the line as each command, with the verb replaced.
                for (String verb : new String[] {"MAIL ", "RCPT ", "BDAT ", "AUTH ", "XCLIENT ", "EHLO ", "VRFY ", ""}) {
                    byte[] v = TestStreams.bytes(verb);
                    byte[] l = new byte[v.length + line.length()];
                    System.arraycopy(v, 0, l, 0, v.length);
                    System.arraycopy(line.bytes(), 0, l, v.length, line.length());
                    SmtpCommand c = SmtpCommand.parse(l, 0, l.length);
                    c.verbText();
                    c.arguments();
                    c.isNonSmtp(SmtpCommand.DEFAULT_FORBIDDEN);
                    for (EnvelopeOptions o : opts) {
                        tryParse(() -> c.mailFrom(o));
                        tryParse(() -> c.rcptTo(o));
                    }
                    tryParse(c::bdat);
                    tryParse(c::auth);
                    tryParse(c::xclient);
                    tryParse(c::helloName);
                    tryParse(c::vrfyArgument);
                    tryParse(() -> {
                        c.requireNoArgument();
                        return null;
                    });
                }
                byte[] raw = line.copy();
                try {
                    MailAddress.parse(raw, 0, raw.length, MailAddress.Syntax.POSTFIX_DEFAULT.withUtf8(rnd.nextBoolean()));
                } catch (AddressException expected) {
                    // documented
                }
                String s = line.toString();
                Domains.isValidHostname(s, true);
                Domains.isFqdn(s, false);
                Domains.isValidHostAddress(s);
                Domains.isAddressLiteral(s);
            }
        }
    }

    interface Parse {
        Object run() throws SmtpSyntaxException;
    }

    private static void tryParse(Parse p) {
        try {
            p.run();
        } catch (SmtpSyntaxException e) {
            assertThat(e.reply().code()).isBetween(500, 599);
        }
    }

    @Test
    void dataFramingInvariantsOnGarbage() throws IOException {
        Random rnd = new Random(3030);
        for (int round = 0; round < 800; round++) {
            byte[] data = garbage(rnd, 600);
            for (BareNewline mode : BareNewline.values()) {
                CommandReader whole = new CommandReader(TestStreams.whole(data), 32);
                ByteArrayOutputStream sink = new ByteArrayOutputStream();
                ContentResult res = new DataReader(mode, 0).read(whole, sink);
                String rest = TestStreams.rest(whole);

                CommandReader bytewise = new CommandReader(TestStreams.oneByte(data), 16);
                ByteArrayOutputStream sink2 = new ByteArrayOutputStream();
                ContentResult res2 = new DataReader(mode, 0).read(bytewise, sink2);
                assertThat(res2.status()).isEqualTo(res.status());
                assertThat(TestStreams.rest(bytewise)).isEqualTo(rest);

                if (res.complete()) {
                    byte[] out = sink.toByteArray();
                    assertThat(sink2.toByteArray()).isEqualTo(out);
                    assertThat(res.size()).isEqualTo(out.length);
                    // every stored line ends in CRLF, and no stored LF stands alone
                    assertThat(out.length == 0 || (out[out.length - 2] == '\r' && out[out.length - 1] == '\n')).isTrue();
                    for (int i = 0; i < out.length; i++) {
                        if (out[i] == '\n') {
                            assertThat(i > 0 && out[i - 1] == '\r').isTrue();
                        }
                    }
                    // the content consumed ends with the terminator
                    int consumed = data.length - rest.length();
                    String end = TestStreams.text(data).substring(0, consumed);
                    if (mode.strictEndOfData()) {
                        assertThat(end).endsWith(".\r\n");
                        assertThat(consumed == 3 || end.endsWith("\r\n.\r\n")).isTrue();
                    } else {
                        assertThat(end).endsWith("\n");
                    }
                }
            }
        }
    }
}
