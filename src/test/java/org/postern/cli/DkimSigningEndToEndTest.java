package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import org.postern.dmarc.AuthorDomain;
import org.postern.dmarc.DkimCheck;
import org.postern.dmarc.Dmarc;
import org.postern.dmarc.DmarcResult;
import org.postern.dmarc.DmarcVerdict;
import org.postern.dmarc.SpfCheck;
import org.postern.dns.DnsResolver;
import org.postern.spf.SpfResult;
import org.postern.store.DmarcEvaluation;
import org.postern.store.DmarcEvaluationStore;
import org.postern.testing.RawSmtpClient;
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
 *
 * <p>And the product's promise against spoofing, with the default restrictions and the records
 * `postern dns records` recommends (SPF for our server only, DMARC p=reject): a stranger on port
 * 25 who forges mail from our domain is refused; the same user's mail through submission passes
 * dkimpy and Postern's own DMARC evaluation; every accepted message carries one
 * Authentication-Results field of ours, and a forged one from the client is gone.
 */
class DkimSigningEndToEndTest {

    @TempDir
    static Path dir;
    static TestPostern postern;
    static Path helper;
    static final Map<String, String> RECORDS = new HashMap<>();
    static DnsResolver dns;

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
            postern.dns().add(k[0] + "._domainkey.example.test", "TXT", quoted(DkimKeys.txtRecord(alg, publicKey)));
        }
        postern.dns().add("example.test", "TXT", "\"v=spf1 ip4:192.0.2.25 -all\"");
        postern.dns().add("_dmarc.example.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:postmaster@example.test\"");
        dns = DnsResolver.create(List.of(postern.dns().address()), Duration.ofSeconds(5));
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
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
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

    // ---- Anti-spoofing: DMARC and Authentication-Results -------------------------------------------

    /** A TXT record's text as zone-file strings of at most 255 bytes each. */
    private static String quoted(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i += 255) {
            out.append(out.isEmpty() ? "" : " ").append('"').append(text, i, Math.min(text.length(), i + 255)).append('"');
        }
        return out.toString();
    }

    /** One message from a stranger's server on the Internet (XCLIENT gives it a remote address). */
    private static String fromStranger(String mailFrom, String content) throws Exception {
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            c.reply();
            c.command("EHLO test");
            assertThat(c.command("XCLIENT ADDR=203.0.113.5 NAME=mail.stranger.example")).startsWith("220");
            c.command("EHLO mail.stranger.example");
            assertThat(c.command("MAIL FROM:<" + mailFrom + ">")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            return c.command(content.replace("\n", "\r\n") + "\r\n.");
        }
    }

    @Test
    void aStrangerForgingOurDomainIsRefused() throws Exception {
        String reply = fromStranger("alice@example.test", """
                From: Alice <alice@example.test>
                To: bob@example.test
                Subject: please pay this invoice

                Trust me.""");
        assertThat(reply).isEqualTo("550 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: DMARC policy of example.test "
                + "rejects this message: neither SPF nor DKIM passed for a domain aligned with example.test");
        postern.awaitLog(": reject: END-OF-MESSAGE from mail.stranger.example[203.0.113.5]: 550 5.7.1");
        // The evaluation is kept for the aggregate reports (written in the background).
        DmarcEvaluationStore evaluations = new DmarcEvaluationStore(postern.context().database());
        TestPostern.await(() -> recorded(evaluations).stream().anyMatch(e -> e.sourceIp().equals("203.0.113.5")
                && e.dmarcResult().equals("fail") && e.disposition().equals("reject")),
                Duration.ofSeconds(20), "the DMARC evaluation of the forged message is stored");
    }

    private static List<DmarcEvaluation> recorded(DmarcEvaluationStore evaluations) {
        try {
            return evaluations.list("example.test", Instant.EPOCH, Instant.now().plusSeconds(60));
        } catch (org.postern.store.StoreException e) {
            return List.of();
        }
    }

    @Test
    void strangersMailGetsOurAuthenticationResultsAndLosesAForgedOne() throws Exception {
        String reply = fromStranger("news@stranger.example", """
                Authentication-Results: mx.example.test; dmarc=pass header.from=stranger.example
                From: News <news@stranger.example>
                To: bob@example.test
                Subject: stranger news

                Hello.""");
        assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
        String delivered = Files.readString(postern.awaitMessage("bob@example.test", "Subject: stranger news"),
                StandardCharsets.ISO_8859_1);
        String headers = delivered.substring(0, delivered.indexOf("\n\n"));
        assertThat(headers.split("\nAuthentication-Results: ", -1)).hasSize(2);   // exactly one, ours
        assertThat(headers).contains("Authentication-Results: mx.example.test;")
                .contains("spf=none smtp.mailfrom=news@stranger.example")
                .contains("dkim=none")
                .contains("dmarc=none header.from=stranger.example")
                .contains("iprev=pass policy.iprev=203.0.113.5 (mail.stranger.example)")
                .doesNotContain("dmarc=pass");
        postern.awaitLog("removed Authentication-Results header from the client");
    }

    @Test
    void ourUsersMailIsSignedAndPassesDkimpyAndOurOwnDmarc() throws Exception {
        Path message = message("spoofsafe", "Alice <alice@example.test>", "from alice",
                "Hi Bob,\r\n\r\nthis one is really from me.\r\n");
        swaks(postern.submissionPort(), true, message);
        byte[] sent = asSent(postern.awaitMessage("bob@example.test", "Subject: from alice"));
        String text = new String(sent, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("auth=pass smtp.auth=alice@example.test");
        assertThat(dkimpyVerify("spoofsafe", sent)).contains("sig 0: pass");
        // Postern's own DMARC, as a receiver would run it: a hotel network's address fails SPF,
        // the aligned DKIM signature passes DMARC.
        DkimVerification dkim = new DkimVerifier(dns::txt, InstantSource.system())
                .verify(new ByteArrayInputStream(sent));
        DmarcVerdict v = new Dmarc(dns::txt).evaluate(
                AuthorDomain.extract(MessageReader.readHeaders(new ByteArrayInputStream(sent))),
                new SpfCheck(SpfResult.FAIL, "example.test"), DkimCheck.of(dkim));
        assertThat(v.result()).as(String.join("\n", v.trace())).isEqualTo(DmarcResult.PASS);
        assertThat(v.dkimAligned()).isTrue();
    }
}
