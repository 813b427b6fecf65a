package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.EdECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import org.postern.testing.TestDnsServer;

/**
 * Interop with dkimpy (Debian python3-dkim), an independent implementation: everything Postern
 * signs must verify there, and what dkimpy signs must verify here (keys served by
 * {@link TestDnsServer}). The python side gets its key records as arguments, so it needs no DNS.
 */
class DkimpyInteropTest {

    static final KeyPair RSA = DkimKeys.generate(DkimAlgorithm.RSA_SHA256, 2048);
    static final KeyPair ED = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);

    /** Messages with the awkward parts canonicalization must get right. */
    static final List<String> MESSAGES = List.of(
            TestSigning.MESSAGE,
            """
            Received: from a.example.test by b.example.test; Sun, 1 Mar 2026 12:00:00 +0000\r
            From: "Folded, Name" <alice@example.test>\r
            To: bob@example.net,\r
            \tcarol@example.net,   dave@example.net\r
            Cc: eve@example.net\r
            Subject:   Spaces\t and tabs  \r
            Date: Sun, 1 Mar 2026 12:00:00 +0000\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Caf\u00c3\u00a9 \u00e2\u0080\u0094 8-bit UTF-8 text.   \r
            \t  \r
            Trailing spaces, tabs\t\t, and empty lines at the end.\r
            \r
            \r
            \r
            """,
            "From: alice@example.test\r\nSubject: empty body\r\n\r\n",
            "From: alice@example.test\r\nTo: bob@example.net\r\nSubject: no final CRLF\r\n\r\nlast line without CRLF");

    @TempDir
    static Path dir;

    static Path helper;

    @BeforeAll
    static void needDkimpy() throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import dkim, nacl").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        assertThat(ok).as("dkimpy is needed for the DKIM interop tests: apt-get install python3-dkim python3-nacl"
                + " python3-dnslib (python said: " + out.strip() + ")").isTrue();
        helper = dir.resolve("dkimpy_helper.py");
        try (InputStream in = DkimpyInteropTest.class.getResourceAsStream("dkimpy_helper.py")) {
            Files.copy(in, helper);
        }
    }

    record Run(int exit, String out) {
    }

    static Run python(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", helper.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    static Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.ISO_8859_1);
        return f;
    }

    @Test
    void everyPosternSignatureVerifiesInDkimpy() throws Exception {
        DkimSigner signer = new DkimSigner(List.of(
                new DkimSigner.SigningKey("example.test", "rsa", RSA.getPrivate()),
                new DkimSigner.SigningKey("example.test", "ed", ED.getPrivate())));
        int i = 0;
        for (String message : MESSAGES) {
            String signed = String.join("", signer.sign(TestSigning.stream(message), Instant.now())) + message;
            Path f = write("postern-signed-" + i++ + ".eml", signed);
            Run r = python("verify", f.toString(),
                    "rsa._domainkey.example.test", TestSigning.record(RSA),
                    "ed._domainkey.example.test", TestSigning.record(ED));
            assertThat(r.out()).as(signed).contains("sig 0: pass").contains("sig 1: pass");
            assertThat(r.exit()).as(r.out()).isZero();
        }
    }

    @Test
    void dkimpyDetectsTampering() throws Exception {
        String signed = TestSigning.sign(TestSigning.MESSAGE, "example.test", "rsa", RSA.getPrivate());
        Path f = write("tampered.eml", signed.replace("Hi Bob", "Hi Rob"));
        Run r = python("verify", f.toString(), "rsa._domainkey.example.test", TestSigning.record(RSA));
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
    }

    @Test
    void dkimpySignaturesVerifyInPostern() throws Exception {
        Path rsaKey = write("rsa.pem", DkimKeys.privateKeyPem(RSA.getPrivate()));
        byte[] seed = ((EdECPrivateKey) ED.getPrivate()).getBytes().orElseThrow();
        Path edKey = write("ed.key", Base64.getEncoder().encodeToString(seed));
        try (TestDnsServer server = new TestDnsServer()) {
            server.add("rsa._domainkey.example.test", "TXT", quoted(TestSigning.record(RSA)));
            server.add("ed._domainkey.example.test", "TXT", quoted(TestSigning.record(ED)));
            DnsResolver dns = DnsResolver.create(List.of(server.address()), Duration.ofSeconds(5));
            DkimVerifier verifier = new DkimVerifier(dns::txt, InstantSource.system());
            int i = 0;
            for (String message : MESSAGES) {
                Path f = write("to-sign-" + i++ + ".eml", message);
                for (String[] how : List.of(
                        new String[] {"rsa", "rsa-sha256", rsaKey.toString(), "relaxed/relaxed"},
                        new String[] {"rsa", "rsa-sha256", rsaKey.toString(), "simple/simple"},
                        new String[] {"ed", "ed25519-sha256", edKey.toString(), "relaxed/relaxed"},
                        new String[] {"ed", "ed25519-sha256", edKey.toString(), "simple/relaxed"})) {
                    Run r = python("sign", f.toString(), "example.test", how[0], how[1], how[2], how[3]);
                    assertThat(r.exit()).as(r.out()).isZero();
                    String signed = r.out() + message;
                    DkimVerification v = verifier.verify(TestSigning.stream(signed));
                    assertThat(v.signatures()).as(signed).singleElement()
                            .satisfies(s -> assertThat(s.result()).as(s.describe()).isEqualTo(DkimResult.PASS));
                    DkimVerification tampered = verifier.verify(TestSigning.stream(signed.replace("Subject:", "Subject: x")));
                    assertThat(tampered.result()).isEqualTo(DkimResult.FAIL);
                }
            }
        }
    }

    static String quoted(String record) {
        StringBuilder sb = new StringBuilder();
        for (String part : DkimKeys.txtStrings(record)) {
            sb.append(sb.isEmpty() ? "" : " ").append('"').append(part).append('"');
        }
        return sb.toString();
    }
}
