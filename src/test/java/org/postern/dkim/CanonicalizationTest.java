package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 6376 section 3.4: canonicalization, with the examples of section 3.4.5. */
class CanonicalizationTest {

    private static final HeaderField A = HeaderField.of("A: X\r\n");
    private static final HeaderField B = HeaderField.of("B : Y\t\r\n\tZ  \r\n");
    private static final String BODY = " C \r\nD \t E\r\n\r\n\r\n";

    @Test
    void rfc6376Section345Relaxed() throws Exception {
        assertThat(Canonicalization.RELAXED.header(A) + Canonicalization.RELAXED.header(B))
                .isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(bodyHash(Canonicalization.RELAXED, BODY, -1)).isEqualTo(sha256(" C\r\nD E\r\n"));
    }

    @Test
    void rfc6376Section345Simple() throws Exception {
        assertThat(Canonicalization.SIMPLE.header(A) + Canonicalization.SIMPLE.header(B))
                .isEqualTo("A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assertThat(bodyHash(Canonicalization.SIMPLE, BODY, -1)).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @Test
    void emptyBodies() throws Exception {
        // Section 3.4.3: an empty body is one CRLF; section 3.4.4 (errata 3081): it stays empty.
        assertThat(b64(bodyHash(Canonicalization.SIMPLE, "", -1))).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(b64(bodyHash(Canonicalization.RELAXED, "", -1))).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(bodyHash(Canonicalization.SIMPLE, "\r\n\r\n", -1)).isEqualTo(sha256("\r\n"));
        assertThat(bodyHash(Canonicalization.RELAXED, " \r\n\t\r\n", -1)).isEqualTo(sha256(""));
    }

    @Test
    void missingFinalCrlfIsAdded() throws Exception {
        assertThat(bodyHash(Canonicalization.SIMPLE, "abc", -1)).isEqualTo(sha256("abc\r\n"));
        assertThat(bodyHash(Canonicalization.RELAXED, "abc  ", -1)).isEqualTo(sha256("abc\r\n"));
        // A bare CR is content, not a line ending.
        assertThat(bodyHash(Canonicalization.SIMPLE, "a\rb\r\n\r", -1)).isEqualTo(sha256("a\rb\r\n\r\r\n"));
    }

    @Test
    void emptyLinesInsideTheBodyStay() throws Exception {
        assertThat(bodyHash(Canonicalization.RELAXED, "a\r\n\r\n \r\nb\r\n\r\n", -1))
                .isEqualTo(sha256("a\r\n\r\n\r\nb\r\n"));
        assertThat(bodyHash(Canonicalization.SIMPLE, "a\r\n\r\n \r\nb\r\n\r\n", -1))
                .isEqualTo(sha256("a\r\n\r\n \r\nb\r\n"));
    }

    @Test
    void bodyLengthLimitCountsCanonicalBytes() throws Exception {
        BodyHasher h = new BodyHasher(Canonicalization.RELAXED, "SHA-256", 5);
        h.update(bytes("ab  c\r\nmore text\r\n"));
        assertThat(h.finish()).isEqualTo(sha256("ab c\r"));
        assertThat(h.canonicalLength()).isEqualTo("ab c\r\nmore text\r\n".length());
    }

    @Test
    void anyChunkingGivesTheSameHash() throws Exception {
        String body = "line one  \r\n\tindented\t\r\n\r\n\r\nlast \r\n\r\n";
        for (Canonicalization c : Canonicalization.values()) {
            byte[] whole = bodyHash(c, body, -1);
            BodyHasher h = new BodyHasher(c, "SHA-256", -1);
            for (byte b : bytes(body)) {
                h.update(new byte[] {b});
            }
            assertThat(h.finish()).as(c.name()).isEqualTo(whole);
        }
    }

    @Test
    void relaxedHeaderKeepsEightBitBytes() {
        HeaderField f = HeaderField.of("Subject:  caf\u00c3\u00a9  ok \r\n");
        assertThat(Canonicalization.RELAXED.header(f)).isEqualTo("subject:caf\u00c3\u00a9 ok\r\n");
    }

    @Test
    void removingTheSignatureValue() {
        String raw = "DKIM-Signature: v=1; a=rsa-sha256; bh=abc=;\r\n b=Zm9v\r\n YmFy;  d=x.test\r\n";
        assertThat(HeaderHash.withoutB(raw)).isEqualTo("DKIM-Signature: v=1; a=rsa-sha256; bh=abc=;\r\n b=;  d=x.test\r\n");
    }

    static byte[] bodyHash(Canonicalization c, String body, long limit) {
        BodyHasher h = new BodyHasher(c, "SHA-256", limit);
        h.update(bytes(body));
        return h.finish();
    }

    static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes(s));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    @Test
    void crlfStreamFixesBareLf() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageReader.crlf(new java.io.ByteArrayInputStream(bytes("a\nb\r\nc\n\n"))).transferTo(out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("a\r\nb\r\nc\r\n\r\n");
    }
}
