package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimResult;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.MessageReader;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.store.DkimKey;
import org.postern.store.DkimKeyStore;

/**
 * Postern signs the mail its users send: alice submits with swaks (STARTTLS, AUTH) and the
 * copy in bob's Maildir carries an RSA and an Ed25519 DKIM-Signature that verify in dkimpy and
 * in Postern's own verifier; mail from the Internet and mail whose From domain has no keys
 * stay unsigned.
 */
class DkimSigningEndToEndTest {

    @TempDir
    static Path dir;
    static TestPostern postern;
    static Path helper;
    static final Map<String, String> RECORDS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir);
        DkimKeyStore store = postern.dkimKeys();
        for (String[] k : List.of(new String[] {"rsa2026", "rsa-sha256"}, new String[] {"ed2026", "ed25519-sha256"})) {
            DkimAlgorithm alg = DkimAlgorithm.fromTag(k[1]);
            KeyPair kp = DkimKeys.generate(alg, alg == DkimAlgorithm.ED25519_SHA256 ? 0 : DkimKeys.DEFAULT_RSA_BITS);
            String publicKey = DkimKeys.publicKeyValue(kp.getPublic());
            store.add("example.test", k[0], k[1], DkimKeys.privateKeyPem(kp.getPrivate()), publicKey);
            store.setState("example.test", k[0], DkimKey.ACTIVE);
            RECORDS.put(k[0] + "._domainkey.example.test", DkimKeys.txtRecord(alg, publicKey));
        }
        helper = dir.resolve("dkimpy_helper.py");
        try (InputStream in = DkimSigningEndToEndTest.class.getResourceAsStream("/org/postern/dkim/dkimpy_helper.py")) {
            Files.copy(in, helper);
        }
    }

    @AfterAll
    static void stop() {
        postern.close();
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    static void swaks(int port, boolean authenticated, Path message) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--hide-informational", "--timeout", "60",
                "--server", "127.0.0.1:" + port, "--from", "alice@example.test", "--to", "bob@example.test",
                "--data", "@" + message));
        if (authenticated) {
            command.addAll(List.of("-tls", "--auth", "PLAIN", "--auth-user", "alice@example.test",
                    "--auth-password", TestPostern.PASSWORD));
        }
        run(command);
    }

    static Path message(String name, String from, String subject, String body) throws Exception {
        return Files.writeString(dir.resolve(name), "From: " + from + "\r\nTo: bob@example.test\r\nSubject: "
                + subject + "\r\nMessage-ID: <" + name + "@example.test>\r\n\r\n" + body);
    }

    /** The delivered message as it travels: Maildir keeps LF line ends, DKIM is computed on CRLF. */
    static byte[] asSent(Path delivered) throws Exception {
        try (InputStream in = MessageReader.crlf(Files.newInputStream(delivered))) {
            return in.readAllBytes();
        }
    }

    static DkimVerification posternVerify(byte[] message) throws Exception {
        DkimVerifier verifier = new DkimVerifier(name -> RECORDS.containsKey(name)
                ? DnsResult.found(List.of(RECORDS.get(name)))
                : DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN"), InstantSource.system());
        return verifier.verify(new java.io.ByteArrayInputStream(message));
    }

    static String dkimpyVerify(String name, byte[] message) throws Exception {
        Path f = Files.write(dir.resolve(name + ".crlf"), message);
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", helper.toString(), "verify", f.toString()));
        RECORDS.forEach((n, r) -> command.addAll(List.of(n, r)));
        return run(command);
    }

    @Test
    void submittedMailIsSignedWithEveryActiveKeyAndVerifiesInDkimpyAndPostern() throws Exception {
        String body = "Hello Bob,\r\n\r\nsigned at submission.  \r\n\r\n";
        swaks(postern.submissionPort(), true, message("signed", "Alice <alice@example.test>", "signed", body));
        byte[] sent = asSent(postern.awaitMessage("bob@example.test", "Subject: signed"));
        String text = new String(sent, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("s=rsa2026;").contains("s=ed2026;").contains("a=ed25519-sha256;");
        DkimVerification v = posternVerify(sent);
        assertThat(v.signatures()).hasSize(2).allSatisfy(s -> assertThat(s.result()).isEqualTo(DkimResult.PASS));
        assertThat(dkimpyVerify("signed", sent)).contains("sig 0: pass").contains("sig 1: pass");
        postern.awaitLog("DKIM-Signature field added (s=rsa2026, d=example.test)");
        postern.awaitLog("DKIM-Signature field added (s=ed2026, d=example.test)");
    }

    @Test
    void aFiveMegabyteMessageIsSignedWhileItStreams() throws Exception {
        StringBuilder body = new StringBuilder();
        String line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
        while (body.length() < 5 * 1024 * 1024) {
            body.append(line);
        }
        swaks(postern.submissionPort(), true, message("large", "alice@example.test", "large", body.toString()));
        byte[] sent = asSent(postern.awaitMessage("bob@example.test", "Subject: large"));
        assertThat(sent.length).isGreaterThan(5 * 1024 * 1024);
        assertThat(posternVerify(sent).result()).isEqualTo(DkimResult.PASS);
        assertThat(dkimpyVerify("large", sent)).contains("sig 0: pass").contains("sig 1: pass");
    }

    @Test
    void mailFromTheInternetAndFromDomainsWithoutKeysIsNotSigned() throws Exception {
        swaks(postern.smtpPort(), false, message("inbound", "alice@example.test", "inbound", "not ours to sign\r\n"));
        swaks(postern.submissionPort(), true, message("nokeys", "Alice <alice@nokeys.example>", "nokeys", "no keys\r\n"));
        for (String subject : List.of("Subject: inbound", "Subject: nokeys")) {
            String text = Files.readString(postern.awaitMessage("bob@example.test", subject), StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContainIgnoringCase("DKIM-Signature");
        }
    }

    @Test
    void mailFromMynetworksIsSigned() throws Exception {
        // TestPostern's mynetworks is 192.0.2.0/24; XCLIENT makes this session come from there.
        try (org.postern.testing.RawSmtpClient c = org.postern.testing.RawSmtpClient.connect(postern.smtpPort())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("XCLIENT ADDR=192.0.2.5 NAME=[UNAVAILABLE]")).startsWith("220 ");
            assertThat(c.command("EHLO office.example.test")).startsWith("250");
            assertThat(c.command("MAIL FROM:<alice@example.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: from-office\r\n\r\nhi\r\n."))
                    .startsWith("250 2.0.0 Ok: queued as ");
        }
        byte[] sent = asSent(postern.awaitMessage("bob@example.test", "Subject: from-office"));
        assertThat(posternVerify(sent).result()).isEqualTo(DkimResult.PASS);
    }
}
