package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.postern.dkim.TestSigning.MESSAGE;
import static org.postern.dkim.TestSigning.NOW;
import static org.postern.dkim.TestSigning.record;
import static org.postern.dkim.TestSigning.sign;
import static org.postern.dkim.TestSigning.signWithTags;
import static org.postern.dkim.TestSigning.verify;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.dns.DnsStatus;

class DkimVerifierTest {

    static final KeyPair RSA = DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 2048);
    static final KeyPair ED = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);
    static final String RSA_NAME = "rsa._domainkey.example.test";
    static final String ED_NAME = "ed._domainkey.example.test";

    final TestSigning.Dns dns = new TestSigning.Dns().put(RSA_NAME, record(RSA)).put(ED_NAME, record(ED));

    static SignatureResult only(DkimVerification v) {
        assertThat(v.signatures()).hasSize(1);
        return v.signatures().getFirst();
    }

    @Test
    void rsaAndEd25519SignaturesPass() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        signed = sign(signed, "example.test", "ed", ED.getPrivate());
        DkimVerification v = verify(dns, signed);
        assertThat(v.result()).isEqualTo(DkimResult.PASS);
        assertThat(v.signatures()).extracting(SignatureResult::result).containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(v.signatures()).extracting(SignatureResult::algorithm).containsExactly("ed25519-sha256", "rsa-sha256");
        assertThat(v.signatures().get(1).keyBits()).isEqualTo(2048);
    }

    @Test
    void unsignedMessageIsNone() throws Exception {
        assertThat(verify(dns, MESSAGE).result()).isEqualTo(DkimResult.NONE);
    }

    @Test
    void changedBodyOrHeaderFails() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        SignatureResult body = only(verify(dns, signed.replace("this is the body", "this is the b0dy")));
        assertThat(body.result()).isEqualTo(DkimResult.FAIL);
        assertThat(body.reason()).contains("body hash");
        SignatureResult header = only(verify(dns, signed.replace("Subject: Hello", "Subject: Hullo")));
        assertThat(header.result()).isEqualTo(DkimResult.FAIL);
        assertThat(header.reason()).contains("signature did not verify");
    }

    @Test
    void relaxedSurvivesWhitespaceChangesAndTrailingLines() throws Exception {
        String signed = sign(MESSAGE, "example.test", "ed", ED.getPrivate());
        String changed = signed.replace("Subject: Hello", "Subject:    Hello  ").replace("this is the body.", "this  is the body.")
                + "\r\n\r\n";
        assertThat(verify(dns, changed).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void oversignedFromCannotBeAdded() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        assertThat(signed).contains("h=from:from:to");
        // A second From below the first: a classic trick to show a different author.
        String extra = signed.replace("To: Bob", "From: Mallory <m@evil.test>\r\nTo: Bob");
        assertThat(verify(dns, extra).result()).isEqualTo(DkimResult.FAIL);
        // A field not in h= may be added.
        String received = "Received: from somewhere\r\n" + signed.replace("To: Bob", "X-Spam: no\r\nTo: Bob");
        assertThat(verify(dns, received).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void signedAbsentFieldCannotBeAdded() throws Exception {
        // h= names Reply-To, which the message lacks: adding one later breaks the signature.
        String signed = signWithTags(MESSAGE, RSA.getPrivate(),
                "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from:subject:reply-to", "SHA256withRSA");
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.PASS);
        String added = signed.replace("Subject: Hello", "Subject: Hello\r\nReply-To: m@evil.test");
        assertThat(verify(dns, added).result()).isEqualTo(DkimResult.FAIL);
    }

    @Test
    void bodyLengthIsVerifiedAndReportedAsRisk() throws Exception {
        String signed = signWithTags(MESSAGE, RSA.getPrivate(),
                "v=1; a=rsa-sha256; c=simple/simple; d=example.test; s=rsa; h=from:to:subject; l=9", "SHA256withRSA");
        SignatureResult r = only(verify(dns, signed));
        assertThat(r.result()).isEqualTo(DkimResult.PASS);
        assertThat(r.bodyLength()).isEqualTo(9);
        assertThat(r.bodyLengthRisk()).isTrue();
        assertThat(r.describe()).contains("risk");
        // Appending text is invisible to an l= signature: exactly the risk.
        SignatureResult appended = only(verify(dns, signed + "Click here: http://evil.test/\r\n"));
        assertThat(appended.result()).isEqualTo(DkimResult.PASS);
        assertThat(appended.unsignedBodyBytes()).isGreaterThan(r.unsignedBodyBytes());
        // Changing a signed byte is not.
        assertThat(only(verify(dns, signed.replace("Hi Bob", "Hi Rob"))).result()).isEqualTo(DkimResult.FAIL);
        // l= beyond the body.
        String tooLong = signWithTags(MESSAGE, RSA.getPrivate(),
                "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; l=99999", "SHA256withRSA");
        SignatureResult r2 = only(verify(dns, tooLong));
        assertThat(r2.result()).isEqualTo(DkimResult.FAIL);
        assertThat(r2.reason()).contains("longer than the body");
    }

    @Test
    void expirationAndTimestamp() throws Exception {
        long now = NOW.getEpochSecond();
        String signed = signWithTags(MESSAGE, RSA.getPrivate(), "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; t="
                + (now - 100) + "; x=" + (now + 100), "SHA256withRSA");
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.PASS);
        SignatureResult expired = only(verify(dns, signed, NOW.plusSeconds(101)));
        assertThat(expired.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(expired.reason()).contains("expired");
        SignatureResult future = only(verify(dns, signed, NOW.minusSeconds(7200)));
        assertThat(future.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(future.reason()).contains("future");
        String xBeforeT = signWithTags(MESSAGE, RSA.getPrivate(), "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; t="
                + now + "; x=" + (now - 1), "SHA256withRSA");
        assertThat(only(verify(dns, xBeforeT)).reason()).contains("before t=");
    }

    @Test
    void revokedKey() throws Exception {
        dns.put(RSA_NAME, "v=DKIM1; k=rsa; p=");
        SignatureResult r = only(verify(dns, sign(MESSAGE, "example.test", "rsa", RSA.getPrivate())));
        assertThat(r.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(r.reason()).contains("revoked");
    }

    @Test
    void rsaSha1NeverPasses() throws Exception {
        String signed = signWithTags(MESSAGE, RSA.getPrivate(), "v=1; a=rsa-sha1; d=example.test; s=rsa; h=from:to",
                "SHA1withRSA");
        SignatureResult r = only(verify(dns, signed));
        assertThat(r.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(r.reason()).contains("RFC 8301");
        // The key is still fetched, so a DNS failure stays temporary.
        dns.fail(RSA_NAME, DnsStatus.TEMPFAIL);
        assertThat(only(verify(dns, signed)).result()).isEqualTo(DkimResult.TEMPERROR);
    }

    @Test
    void shortRsaKeysNeverPass() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        KeyPair small = g.generateKeyPair();
        dns.put("small._domainkey.example.test", record(small));
        SignatureResult r = only(verify(dns, sign(MESSAGE, "example.test", "small", small.getPrivate())));
        assertThat(r.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(r.reason()).contains("512 bits").contains("RFC 8301");
    }

    @Test
    void dnsFailures() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        dns.fail(RSA_NAME, DnsStatus.TEMPFAIL);
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.TEMPERROR);
        dns.fail(RSA_NAME, DnsStatus.NXDOMAIN);
        assertThat(only(verify(dns, signed)).reason()).contains("no key record");
        dns.fail(RSA_NAME, DnsStatus.NODATA);
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.PERMERROR);
    }

    @Test
    void keyRecordRules() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        String p = DkimKeys.publicKeyValue(RSA.getPublic());
        record Case(String txt, DkimResult result, String reason) {
        }
        for (Case c : List.of(
                new Case("v=DKIM1; k=rsa; h=sha1; p=" + p, DkimResult.PERMERROR, "h="),
                new Case("v=DKIM1; k=rsa; h=sha1:sha256; p=" + p, DkimResult.PASS, ""),
                new Case("v=DKIM1; k=rsa; s=http; p=" + p, DkimResult.PERMERROR, "s="),
                new Case("v=DKIM1; s=email; p=" + p, DkimResult.PASS, ""),
                new Case("v=DKIM1; k=ed25519; p=" + p, DkimResult.PERMERROR, "k=ed25519"),
                new Case("v=DKIM2; k=rsa; p=" + p, DkimResult.PERMERROR, "version"),
                new Case("k=rsa; v=DKIM1; p=" + p, DkimResult.PERMERROR, "first"),
                new Case("v=DKIM1; k=rsa", DkimResult.PERMERROR, "no p="),
                new Case("v=DKIM1; k=rsa; p=" + p + "; p=" + p, DkimResult.PERMERROR, "more than once"),
                new Case("v=DKIM1; k=rsa; p=AAAA" + p.substring(8), DkimResult.PERMERROR, "RSA public key"),
                new Case("v=DKIM1; k=rsa; t=y; p=" + p, DkimResult.PASS, ""))) {
            dns.put(RSA_NAME, c.txt());
            SignatureResult r = only(verify(dns, signed));
            assertThat(r.result()).as(c.txt()).isEqualTo(c.result());
            assertThat(r.reason()).as(c.txt()).contains(c.reason());
        }
        assertThat(only(verify(dns, signed)).testing()).isTrue();
    }

    @Test
    void identityRules() throws Exception {
        String base = "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; ";
        String sub = signWithTags(MESSAGE, RSA.getPrivate(), base + "i=alice@mail.example.test", "SHA256withRSA");
        assertThat(verify(dns, sub).result()).isEqualTo(DkimResult.PASS);
        // t=s: i= must be d= exactly.
        dns.put(RSA_NAME, "v=DKIM1; t=s; p=" + DkimKeys.publicKeyValue(RSA.getPublic()));
        assertThat(only(verify(dns, sub)).reason()).contains("t=s");
        String exact = signWithTags(MESSAGE, RSA.getPrivate(), base + "i=alice=40x@example.test", "SHA256withRSA");
        SignatureResult r = only(verify(dns, exact));
        assertThat(r.result()).isEqualTo(DkimResult.PASS);
        assertThat(r.identity()).isEqualTo("alice@x@example.test");
        String other = signWithTags(MESSAGE, RSA.getPrivate(), base + "i=alice@example.net", "SHA256withRSA");
        assertThat(only(verify(dns, other)).reason()).contains("not d=example.test");
        String lookalike = signWithTags(MESSAGE, RSA.getPrivate(), base + "i=@badexample.test", "SHA256withRSA");
        assertThat(only(verify(dns, lookalike)).result()).isEqualTo(DkimResult.PERMERROR);
    }

    @Test
    void signatureTagErrorsArePermerrors() throws Exception {
        String good = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        String field = good.substring(0, good.indexOf("From:"));
        record Case(String from, String to, String reason) {
        }
        for (Case c : List.of(
                new Case("v=1;", "v=2;", "version"),
                new Case("v=1;", "", "required tag v="),
                new Case("d=example.test;", "", "required tag d="),
                new Case("s=rsa;", "", "required tag s="),
                new Case("a=rsa-sha256;", "a=rsa-md5;", "unsupported signing algorithm"),
                new Case("c=relaxed/relaxed;", "c=relaxed/fancy;", "canonicalization"),
                new Case("h=from:from:", "h=to:", "From"),
                new Case("v=1;", "v=1; q=http;", "query method"),
                new Case("v=1;", "v=1; l=12x;", "digits"),
                new Case("v=1;", "v=1; v=1;", "more than once"),
                new Case("v=1;", "v=1; junk;", "without '='"),
                new Case("v=1;", "v=1; 9x=1;", "tag name"),
                new Case("bh=", "bh=QUJD", "body hash"))) {
            assertThat(field).as(c.from()).contains(c.from());
            String bad = field.replace(c.from(), c.to()) + MESSAGE;
            SignatureResult r = only(verify(dns, bad));
            assertThat(r.result()).as(c.to()).isEqualTo(DkimResult.PERMERROR);
            assertThat(r.reason()).as(c.to()).contains(c.reason());
        }
    }

    @Test
    void overallResultPrefersPassThenTemperror() throws Exception {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        signed = sign(signed, "other.test", "ed", ED.getPrivate()); // no key at other.test: permerror
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.PASS);
        dns.fail(RSA_NAME, DnsStatus.TEMPFAIL);
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.TEMPERROR);
        dns.put(RSA_NAME, record(ED));
        assertThat(verify(dns, signed).result()).isEqualTo(DkimResult.PERMERROR);
    }

    @Test
    void tooManySignaturesAreNeutral() throws Exception {
        String signed = MESSAGE;
        for (int i = 0; i < 3; i++) {
            signed = sign(signed, "example.test", "ed", ED.getPrivate());
        }
        DkimVerification v = new DkimVerifier(dns, InstantSource.fixed(NOW), java.time.Duration.ZERO, 2)
                .verify(TestSigning.stream(signed));
        assertThat(v.signatures()).extracting(SignatureResult::result)
                .containsExactly(DkimResult.PASS, DkimResult.PASS, DkimResult.NEUTRAL);
        assertThat(dns.queries).containsExactly(ED_NAME); // one lookup per key name
    }

    @Test
    void hugeBodyStreamsInBoundedMemory() throws Exception {
        long lines = 400_000; // ~ 30 MB, generated on the fly, never held in memory
        String headers = "From: a@example.test\r\nSubject: big\r\n\r\n";
        DkimSigner signer = new DkimSigner(List.of(new DkimSigner.SigningKey("example.test", "ed", ED.getPrivate())));
        String field = signer.sign(new SequenceInputStream(TestSigning.stream(headers), body(lines)), NOW).getFirst();
        DkimVerification v = new DkimVerifier(dns, InstantSource.fixed(NOW))
                .verify(new SequenceInputStream(TestSigning.stream(field + headers), body(lines)));
        assertThat(v.result()).isEqualTo(DkimResult.PASS);
    }

    private static InputStream body(long lines) {
        return new InputStream() {
            private final byte[] line = "The quick brown fox jumps over the lazy dog, again.  \t \r\n".getBytes();
            private long n;
            private int pos;

            @Override
            public int read() {
                if (n >= lines) {
                    return -1;
                }
                int b = line[pos++];
                if (pos == line.length) {
                    pos = 0;
                    n++;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (n >= lines) {
                    return -1;
                }
                int k = 0;
                while (k < len && n < lines) {
                    buf[off + k++] = (byte) read();
                }
                return k;
            }
        };
    }

    @Test
    void streamingSessionMatchesWholeMessage() throws IOException {
        String signed = sign(MESSAGE, "example.test", "rsa", RSA.getPrivate());
        int split = signed.indexOf("\r\n\r\n") + 4;
        List<HeaderField> headers = MessageReader.readHeaders(new java.io.BufferedInputStream(
                TestSigning.stream(signed.substring(0, split))));
        DkimVerifier.Session s = new DkimVerifier(dns, InstantSource.fixed(NOW)).begin(headers);
        byte[] body = signed.substring(split).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 0; i < body.length; i += 3) {
            s.body(body, i, Math.min(3, body.length - i));
        }
        assertThat(s.finish().result()).isEqualTo(DkimResult.PASS);
    }
}
