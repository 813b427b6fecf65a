package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimSigner;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

class InboundFilterTest {

    private static final String OURS = "mx.example.org";

    private final KeyPair key = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);
    private final Map<String, String> records = Map.of("sel._domainkey.sender.example",
            DkimKeys.txtRecord(DkimAlgorithm.ED25519_SHA256, DkimKeys.publicKeyValue(key.getPublic())));
    private final DkimVerifier verifier = new DkimVerifier(name -> records.containsKey(name)
            ? DnsResult.found(List.of(records.get(name)))
            : DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN"), InstantSource.system());

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private byte[] signed(String message) throws IOException {
        List<HeaderField> headers = MessageReader.readHeaders(new ByteArrayInputStream(bytes(message)));
        DkimSigner.Session s = new DkimSigner(List.of(new DkimSigner.SigningKey("sender.example", "sel", key.getPrivate())))
                .begin(headers, Instant.now());
        byte[] body = bytes(message.substring(message.indexOf("\r\n\r\n") + 4));
        s.body(body, 0, body.length);
        return bytes(String.join("", s.finish()) + message);
    }

    private record Filtered(byte[] stored, InboundFilter.Result result) {
    }

    private Filtered filter(byte[] content, int step, DkimVerifier v) throws IOException {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        InboundFilter f = new InboundFilter(stored, "QID", v, h -> h.is("Authentication-Results")
                && h.value().trim().startsWith(OURS));
        for (int off = 0; off < content.length; off += step) {
            f.write(content, off, Math.min(step, content.length - off));
        }
        InboundFilter.Result result = f.finish();   // writes a header section that had no end yet
        return new Filtered(stored.toByteArray(), result);
    }

    @Test
    void verifiesTheBytesAsReceivedWhateverTheWriteSizes() throws IOException {
        byte[] message = signed("From: a@sender.example\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n.. two\r\n");
        for (int step : new int[] {1, 7, 4096}) {
            Filtered f = filter(message, step, verifier);
            assertThat(f.stored()).isEqualTo(message);
            assertThat(f.result().dkim().result()).isEqualTo(DkimResult.PASS);
            assertThat(f.result().headers()).extracting(HeaderField::name)
                    .containsExactly("DKIM-Signature", "From", "To", "Subject");
        }
    }

    @Test
    void aChangedBodyFails() throws IOException {
        byte[] message = signed("From: a@sender.example\r\nSubject: hi\r\n\r\nbody\r\n");
        String tampered = new String(message, StandardCharsets.ISO_8859_1).replace("body", "b0dy");
        assertThat(filter(bytes(tampered), 5, verifier).result().dkim().result()).isEqualTo(DkimResult.FAIL);
    }

    /** RFC 8601 section 5: a field claiming our authserv-id is removed; anyone else's stays. */
    @Test
    void removesAuthenticationResultsWithOurIdAndKeepsTheRest() throws IOException {
        String content = "Authentication-Results: mx.example.org;\r\n  dkim=pass header.d=example.org\r\n"
                + "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n"
                + "From: a@sender.example\r\n\r\nbody\r\n";
        Filtered f = filter(bytes(content), 3, null);
        assertThat(new String(f.stored(), StandardCharsets.ISO_8859_1)).isEqualTo(
                "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n"
                        + "From: a@sender.example\r\n\r\nbody\r\n");
        assertThat(f.result().dkim()).isNull();   // not verified when no verifier is given
        assertThat(f.result().headers()).hasSize(3);   // the facts keep what the client sent
    }

    @Test
    void aMessageWithoutBodyAndWithoutSignatures() throws IOException {
        Filtered f = filter(bytes("Subject: only headers\r\n"), 100, verifier);
        assertThat(f.stored()).isEqualTo(bytes("Subject: only headers\r\n"));
        assertThat(f.result().dkim().signatures()).isEmpty();
        assertThat(f.result().dkim().result()).isEqualTo(DkimResult.NONE);
    }
}
