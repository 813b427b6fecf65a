package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimSigner;
import org.postern.testing.TestDnsServer;

/**
 * {@code postern dmarc check} end to end: SPF, DKIM and DMARC records served by a loopback DNS
 * server, messages signed by Postern's own DkimSigner.
 */
class DmarcCommandTest {

    @TempDir
    Path dir;

    TestDnsServer dns;
    KeyPair key;

    @BeforeEach
    void start() throws Exception {
        key = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);
        dns = new TestDnsServer();
        dns.add("example.org", "TXT", "\"v=spf1 ip4:192.0.2.0/24 -all\"")
                .add("s1._domainkey.example.org", "TXT", "\"" + DkimKeys.txtRecord(DkimAlgorithm.ED25519_SHA256,
                        DkimKeys.publicKeyValue(key.getPublic())) + "\"")
                .add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\"")
                .add("_dmarc.bank.example", "TXT", "\"v=DMARC1; p=reject\"")
                .add("_dmarc.testing.example", "TXT", "\"v=DMARC1; p=quarantine; t=y\"")
                .servfail("_dmarc.broken.example");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    /** A message From {@code from}, signed by example.org, written to a file. */
    private Path signedMessage(String from) throws Exception {
        String message = "From: " + from + "\nTo: bob@example.net\nSubject: hi\nDate: Sun, 1 Mar 2026 12:00:00 +0000\n\nHello.\n";
        List<String> fields = new DkimSigner(List.of(new DkimSigner.SigningKey("example.org", "s1", key.getPrivate())))
                .sign(new ByteArrayInputStream(message.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1)),
                        Instant.now());
        Path file = Files.createTempFile(dir, "msg", ".eml");
        Files.writeString(file, String.join("", fields).replace("\r\n", "\n") + message, StandardCharsets.ISO_8859_1);
        return file;
    }

    /** Runs the command and returns its key=value lines (the trace lines are indented and skipped). */
    private Map<String, String> check(String ip, String sender, Path file) {
        CliTest.Result r = CliTest.run("dmarc", "check", "--dns-server", dns.address(), "--ip", ip,
                "--helo", "mail.example.org", "--sender", sender, file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            if (!line.startsWith(" ") && line.contains("=")) {
                values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertThat(values.keySet()).containsExactly("spf", "dkim", "dmarc", "policy", "org_domain", "spf_aligned",
                "dkim_aligned");
        assertThat(r.out()).contains("  dmarc: result: ");
        return values;
    }

    @Test
    void alignedSpfAndDkimPass() throws Exception {
        Map<String, String> v = check("192.0.2.7", "alice@example.org", signedMessage("Alice <alice@example.org>"));
        assertThat(v).containsEntry("spf", "pass").containsEntry("dkim", "pass").containsEntry("dmarc", "pass")
                .containsEntry("policy", "none").containsEntry("org_domain", "example.org")
                .containsEntry("spf_aligned", "yes").containsEntry("dkim_aligned", "yes");
    }

    @Test
    void dkimAloneIsEnoughWhenSpfFails() throws Exception {
        Map<String, String> v = check("203.0.113.5", "alice@example.org", signedMessage("alice@example.org"));
        assertThat(v).containsEntry("spf", "fail").containsEntry("dmarc", "pass")
                .containsEntry("spf_aligned", "no").containsEntry("dkim_aligned", "yes");
    }

    @Test
    void forgedFromFailsWithTheAuthorDomainsPolicy() throws Exception {
        Map<String, String> v = check("192.0.2.7", "alice@example.org", signedMessage("CEO <ceo@bank.example>"));
        assertThat(v).containsEntry("spf", "pass").containsEntry("dkim", "pass").containsEntry("dmarc", "fail")
                .containsEntry("policy", "reject").containsEntry("org_domain", "bank.example")
                .containsEntry("spf_aligned", "no").containsEntry("dkim_aligned", "no");
    }

    @Test
    void noPolicyRecordIsNone() throws Exception {
        Map<String, String> v = check("192.0.2.7", "alice@example.org", signedMessage("x@nodmarc.example"));
        assertThat(v).containsEntry("dmarc", "none").containsEntry("policy", "none")
                .containsEntry("org_domain", "nodmarc.example");
    }

    @Test
    void testingModeLowersQuarantineToNone() throws Exception {
        Map<String, String> v = check("192.0.2.7", "alice@example.org", signedMessage("x@testing.example"));
        assertThat(v).containsEntry("dmarc", "fail").containsEntry("policy", "none");
    }

    @Test
    void dnsFailureIsTemperror() throws Exception {
        Map<String, String> v = check("192.0.2.7", "alice@example.org", signedMessage("x@broken.example"));
        assertThat(v).containsEntry("dmarc", "temperror").containsEntry("policy", "none");
    }

    @Test
    void missingFromIsPermerrorAndBadArgumentsAreErrors() throws Exception {
        Path file = dir.resolve("nofrom.eml");
        Files.writeString(file, "Subject: hi\n\nbody\n");
        Map<String, String> v = check("192.0.2.7", "", file);
        assertThat(v).containsEntry("spf", "none").containsEntry("dkim", "none").containsEntry("dmarc", "permerror");

        CliTest.Result badIp = CliTest.run("dmarc", "check", "--dns-server", dns.address(), "--ip", "nope",
                "--helo", "h", file.toString());
        assertThat(badIp.exit()).isEqualTo(1);
        assertThat(badIp.err()).contains("--ip: 'nope' is not an IPv4 or IPv6 address");
        CliTest.Result missing = CliTest.run("dmarc", "check", "--dns-server", dns.address(), "--ip", "192.0.2.1",
                "--helo", "h", dir.resolve("absent.eml").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read").contains("absent.eml");
    }
}
