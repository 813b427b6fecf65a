package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimSigner;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Spool;
import org.postern.queue.SpoolMessage;
import org.postern.queue.SpoolWriter;

class OutgoingSignerTest {

    @TempDir
    Path dir;

    private final Map<String, String> records = new HashMap<>();
    private final Map<String, List<DkimSigner.SigningKey>> keys = new HashMap<>();

    private void addKey(String domain, String selector, DkimAlgorithm alg) {
        KeyPair kp = DkimKeys.generate(alg, alg == DkimAlgorithm.ED25519_SHA256 ? 0 : DkimKeys.DEFAULT_RSA_BITS);
        keys.computeIfAbsent(domain, d -> new java.util.ArrayList<>())
                .add(new DkimSigner.SigningKey(domain, selector, kp.getPrivate()));
        records.put(selector + "._domainkey." + domain, DkimKeys.txtRecord(alg, DkimKeys.publicKeyValue(kp.getPublic())));
    }

    /** Writes the content in pieces of {@code step} bytes, as a reader would, and returns what is stored. */
    private byte[] store(byte[] content, int step) throws IOException {
        try (Spool spool = Spool.open(dir.resolve("queue")); SpoolWriter w = spool.newMessage()) {
            OutgoingSigner signer = new OutgoingSigner(w, d -> keys.getOrDefault(d, List.of()), Instant.now());
            for (int off = 0; off < content.length; off += step) {
                signer.write(content, off, Math.min(step, content.length - off));
            }
            signer.finish();
            w.commit(Envelope.of(w.queueId(), "alice@example.org", List.of(Recipient.of("bob@example.net")),
                    Instant.now(), new Envelope.ClientInfo("c", "192.0.2.1", "c", "ESMTPSA", "alice@example.org")));
            try (SpoolMessage m = spool.open(w.queueId())) {
                return m.content().readAllBytes();
            }
        }
    }

    private DkimVerification verify(byte[] message) throws IOException {
        DkimVerifier verifier = new DkimVerifier(name -> records.containsKey(name)
                ? DnsResult.found(List.of(records.get(name)))
                : DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN"), InstantSource.system());
        return verifier.verify(new ByteArrayInputStream(message));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void signsWithEveryKeyOnTopAndVerifiesWhateverTheWriteSizes() throws IOException {
        addKey("example.org", "rsa1", DkimAlgorithm.RSA_SHA256);
        addKey("example.org", "ed1", DkimAlgorithm.ED25519_SHA256);
        byte[] content = bytes("Received: from x by y; Sat, 28 Nov 2026 02:00:00 +0000\r\n"
                + "From: \"Alice <A>\" <alice@Example.ORG>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\n"
                + "hello\r\n\r\n\r\n");
        for (int step : new int[] {1, 2, 7, content.length}) {
            byte[] stored = store(content, step);
            String text = new String(stored, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("DKIM-Signature:").endsWith(new String(content, StandardCharsets.ISO_8859_1));
            assertThat(text).contains("s=rsa1;").contains("s=ed1;").contains("d=example.org;");
            DkimVerification v = verify(stored);
            assertThat(v.signatures()).hasSize(2).allSatisfy(s -> assertThat(s.result()).isEqualTo(DkimResult.PASS));
        }
    }

    @Test
    void largeBodyStreamsAndVerifies() throws IOException {
        addKey("example.org", "s1", DkimAlgorithm.ED25519_SHA256);
        byte[] head = bytes("From: alice@example.org\r\nSubject: big\r\n\r\n");
        byte[] line = bytes("0123456789012345678901234567890123456789012345678901234567890123456789012345\r\n");
        byte[] content = new byte[head.length + 5 * 1024 * 1024 / line.length * line.length];
        System.arraycopy(head, 0, content, 0, head.length);
        for (int off = head.length; off < content.length; off += line.length) {
            System.arraycopy(line, 0, content, off, line.length);
        }
        byte[] stored = store(content, 65536);
        assertThat(Arrays.copyOfRange(stored, stored.length - content.length, stored.length)).isEqualTo(content);
        assertThat(verify(stored).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void notSignedWithoutKeysOrAuthorOrWithAHugeHeaderSection() throws IOException {
        addKey("example.org", "s1", DkimAlgorithm.ED25519_SHA256);
        for (String message : List.of(
                "From: someone@other.example\r\n\r\nbody\r\n",          // no keys for the domain
                "Subject: no author\r\n\r\nbody\r\n",
                "From: a@example.org\r\nFrom: b@example.org\r\n\r\nbody\r\n")) {
            assertThat(store(bytes(message), 3)).isEqualTo(bytes(message));
        }
        StringBuilder big = new StringBuilder("From: a@example.org\r\n");
        while (big.length() <= 1 << 20) {
            big.append("X-Filler: ").append("x".repeat(990)).append("\r\n");
        }
        byte[] huge = bytes(big.append("\r\nbody\r\n").toString());
        assertThat(store(huge, 8192)).isEqualTo(huge);
        byte[] oneLongLine = bytes("From: a@example.org\r\nX-Long: " + "y".repeat(2 << 20) + "\r\n\r\nbody\r\n");
        assertThat(store(oneLongLine, 8192)).isEqualTo(oneLongLine);
    }

    @Test
    void messageWithoutBodyIsSigned() throws IOException {
        addKey("example.org", "s1", DkimAlgorithm.RSA_SHA256);
        byte[] stored = store(bytes("From: alice@example.org\r\nSubject: header only\r\n"), 5);
        assertThat(verify(stored).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void authorDomain() {
        assertThat(domain("From: Alice <alice@Example.ORG>\r\n")).isEqualTo("example.org");
        assertThat(domain("From: alice@example.org (Alice)\r\n")).isEqualTo("example.org");
        assertThat(domain("From:\r\n alice@example.org.\r\n")).isEqualTo("example.org");
        assertThat(domain("From: \"a@evil.example\" <alice@example.org>\r\n")).isEqualTo("example.org");
        assertThat(domain("From: undisclosed\r\n")).isNull();
        assertThat(domain("From: <alice@bad domain>\r\n")).isNull();
        assertThat(domain("From: a@x.example, b@y.example\r\n")).isNull();
    }

    private static String domain(String field) {
        return OutgoingSigner.authorDomain(List.of(HeaderField.of(field)));
    }
}
