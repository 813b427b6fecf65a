package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.postern.dkim.BodyHasher;
import org.postern.dkim.Canonicalization;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimSignature;
import org.postern.dkim.DkimSyntaxException;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dkim.KeyRecord;
import org.postern.dkim.TagList;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

/**
 * DKIM (RFC 6376, RFC 8463): tag lists (section 3.2), DKIM-Signature fields (3.5), key records
 * (3.6.1) and canonicalization (3.4) throw only {@link DkimSyntaxException}; verifying a message
 * whose signatures and keys a hostile sender chose always gives a result; the body hash does not
 * depend on how the body is split into writes.
 */
@Tag("fuzz")
class DkimFuzzTest {
    private static final String[] SIGNATURE_PIECES = {
        "v=1", "a=rsa-sha256", "a=ed25519-sha256", "a=rsa-sha1", "b=", "bh=", "d=example.com", "s=sel", "h=from",
        "h=From:To:Subject", "c=relaxed/relaxed", "c=simple", "c=relaxed/", "l=", "t=", "x=", "i=", "q=dns/txt",
        "z=", ";", "; ", "=", ":", "@", "=3D", "\r\n\t", " ", "0", "99999999999999999999", "AAAA", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    };
    private static final String[] KEY_PIECES = {
        "v=DKIM1", "k=rsa", "k=ed25519", "h=sha256", "h=sha1:sha256", "s=email", "s=*", "t=y", "t=s", "t=y:s",
        "p=", "p=MCowBQYDK2VwAyEA", "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", ";", " ", "=", ":",
    };

    private static String pieces(FuzzedDataProvider data, String[] pieces, int max) {
        StringBuilder sb = new StringBuilder();
        int n = data.consumeInt(0, max);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            sb.append(data.consumeBoolean() ? data.pickValue(pieces) : data.consumeString(8));
            sb.append(data.consumeBoolean() ? "; " : "");
        }
        return sb.toString();
    }

    @FuzzTest
    void signatureField(FuzzedDataProvider data) {
        String value = data.consumeBoolean() ? pieces(data, SIGNATURE_PIECES, 30) : data.consumeRemainingAsString();
        HeaderField field = HeaderField.of("DKIM-Signature: " + value + "\r\n");
        try {
            TagList.parse(value);
        } catch (DkimSyntaxException expected) {
            assertThat(expected.getMessage()).isNotNull();
        }
        try {
            DkimSignature s = DkimSignature.parse(field);
            assertThat(s.signedHeaders()).contains("from");
            assertThat(s.keyName()).endsWith("._domainkey." + s.domain());
            String idDomain = s.identityDomain();
            assertThat(idDomain.equals(s.domain()) || idDomain.endsWith("." + s.domain())).isTrue();
        } catch (DkimSyntaxException expected) {
            assertThat(expected.getMessage()).isNotNull();
        }
        for (Canonicalization c : Canonicalization.values()) {
            assertThat(c.header(field)).endsWith("\r\n");
        }
    }

    @FuzzTest
    void keyRecord(FuzzedDataProvider data) {
        String text = data.consumeBoolean() ? pieces(data, KEY_PIECES, 20) : data.consumeRemainingAsString();
        try {
            KeyRecord key = KeyRecord.parse(text);
            key.revoked();
            key.testing();
            key.strict();
            key.allowsEmail();
            key.allowsHash("sha256");
            for (DkimAlgorithm a : DkimAlgorithm.values()) {
                try {
                    key.decode(a);
                } catch (DkimSyntaxException expected) {
                    assertThat(expected.getMessage()).isNotNull();
                }
            }
        } catch (DkimSyntaxException expected) {
            assertThat(expected.getMessage()).isNotNull();
        }
    }

    @FuzzTest
    void bodyHashChunking(FuzzedDataProvider data) {
        Canonicalization c = data.pickValue(Canonicalization.values());
        long limit = data.consumeBoolean() ? -1 : data.consumeLong(0, 200);
        int[] cuts = data.consumeInts(6);
        byte[] body = data.consumeRemainingAsBytes();
        BodyHasher whole = new BodyHasher(c, "SHA-256", limit);
        whole.update(body);
        BodyHasher split = new BodyHasher(c, "SHA-256", limit);
        int pos = 0;
        for (int cut : cuts) {
            int n = Math.min(Math.floorMod(cut, 17), body.length - pos);
            split.update(body, pos, n);
            pos += n;
        }
        split.update(body, pos, body.length - pos);
        assertThat(split.finish()).isEqualTo(whole.finish());
        assertThat(split.canonicalLength()).isEqualTo(whole.canonicalLength());
    }

    @FuzzTest
    void verifyMessage(FuzzedDataProvider data) throws IOException {
        String signature = pieces(data, SIGNATURE_PIECES, 25);
        String key = pieces(data, KEY_PIECES, 10);
        DnsStatus status = data.pickValue(DnsStatus.values());
        String message = "DKIM-Signature: " + signature + "\r\n" + data.consumeRemainingAsString();
        DkimVerifier verifier = new DkimVerifier(
                name -> status == DnsStatus.FOUND ? DnsResult.found(List.of(key)) : DnsResult.of(status, "fuzz"),
                InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")), Duration.ofMinutes(5), 3);
        DkimVerification v = verifier.verify(new ByteArrayInputStream(message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        assertThat(v.result()).isNotNull();
        // Past maxSignatures, signatures are listed but not checked (no key lookups for them).
        v.signatures().stream().skip(3).forEach(r -> assertThat(r.result()).isEqualTo(DkimResult.NEUTRAL));
    }
}
