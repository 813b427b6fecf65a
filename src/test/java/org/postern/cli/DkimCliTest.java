package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestDnsServer;

/** {@code postern dkim ...} in-process: keygen, list, activate, retire, sign, verify. */
class DkimCliTest {

    @TempDir
    Path dir;

    private static final String MESSAGE = "From: alice@example.org\nTo: bob@example.net\nSubject: hi\n\nHello.\n";

    private Path config() throws Exception {
        Path config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), "data_directory = " + dir.resolve("data") + "\n");
        return config;
    }

    /** The TXT rdata (quoted strings) out of keygen's zone-file record. */
    private static String rdata(String keygenOutput) {
        Matcher m = Pattern.compile("IN TXT \\((.*?)\\)", Pattern.DOTALL).matcher(keygenOutput);
        assertThat(m.find()).as(keygenOutput).isTrue();
        return m.group(1).strip().replaceAll("\\s+\"", " \"");
    }

    @Test
    void keygenActivateSignVerify() throws Exception {
        String c = config().toString();
        assertThat(CliTest.run("-c", c, "domain", "add", "example.org").exit()).isZero();
        CliTest.Result gen = CliTest.run("-c", c, "dkim", "keygen", "example.org", "--selector", "s1");
        assertThat(gen.exit()).as(gen.err()).isZero();
        assertThat(gen.out()).contains("generated 2048-bit rsa-sha256 key s1 for example.org (state pending)")
                .contains("s1._domainkey.example.org. IN TXT (").contains("\"v=DKIM1; k=rsa; p=MIIB")
                .contains("postern dkim activate example.org s1");
        CliTest.Result ed = CliTest.run("-c", c, "dkim", "keygen", "example.org", "--algorithm", "ed25519",
                "--selector", "e1", "--activate");
        assertThat(ed.out()).contains("e1._domainkey.example.org. IN TXT ( \"v=DKIM1; k=ed25519; p=");

        CliTest.Result list = CliTest.run("-c", c, "dkim", "list");
        assertThat(list.out()).containsPattern("example.org\\s+e1\\s+ed25519-sha256\\s+active")
                .containsPattern("example.org\\s+s1\\s+rsa-sha256\\s+pending");
        assertThat(CliTest.run("-c", c, "dkim", "activate", "example.org", "S1").out()).contains("activated DKIM key s1 of example.org");
        CliTest.Result json = CliTest.run("-c", c, "dkim", "list", "--json");
        assertThat(json.out()).contains("\"selector\":\"s1\"").contains("\"state\":\"active\"").contains("\"dns_txt\":\"v=DKIM1; k=rsa; p=");

        Path msg = dir.resolve("msg.eml");
        Files.writeString(msg, MESSAGE);
        Path signed = dir.resolve("signed.eml");
        CliTest.Result sign = CliTest.run("-c", c, "dkim", "sign", "--domain", "example.org", "-o", signed.toString(), msg.toString());
        assertThat(sign.exit()).as(sign.err()).isZero();
        String text = Files.readString(signed, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("a=ed25519-sha256").contains("a=rsa-sha256").endsWith(MESSAGE).doesNotContain("\r");

        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("s1._domainkey.example.org", "TXT", rdata(gen.out()));
            dns.add("e1._domainkey.example.org", "TXT", rdata(ed.out()));
            CliTest.Result v = CliTest.run("dkim", "verify", "--dns-server", dns.address(), signed.toString());
            assertThat(v.exit()).as(v.out() + v.err()).isZero();
            String[] lines = v.out().strip().split("\n");
            assertThat(lines).hasSize(3);
            assertThat(lines[0]).startsWith("signature 1: pass d=example.org s=");
            assertThat(lines[2]).isEqualTo("pass");

            // Retired keys are not used; with none active, sign says what to do.
            CliTest.run("-c", c, "dkim", "retire", "example.org", "s1");
            CliTest.run("-c", c, "dkim", "retire", "example.org", "e1");
            CliTest.Result none = CliTest.run("-c", c, "dkim", "sign", "--domain", "example.org", msg.toString());
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.err()).contains("no active DKIM key").contains("postern dkim keygen example.org");

            // An explicitly named (retired) key and a key file still sign.
            Path signed2 = dir.resolve("signed2.eml");
            assertThat(CliTest.run("-c", c, "dkim", "sign", "--domain", "example.org", "--selector", "s1",
                    "-o", signed2.toString(), msg.toString()).exit()).isZero();
            CliTest.Result v2 = CliTest.run("dkim", "verify", "--dns-server", dns.address(), signed2.toString());
            assertThat(v2.out().strip()).endsWith("\npass");

            CliTest.Result tampered = CliTest.run("dkim", "verify", "--dns-server", dns.address(), "--now", String.valueOf(java.time.Instant.now().getEpochSecond()),
                    writeTampered(signed2).toString());
            assertThat(tampered.exit()).isEqualTo(1);
            assertThat(tampered.out().strip()).endsWith("\nfail");
        }
    }

    private Path writeTampered(Path signed) throws Exception {
        Path t = dir.resolve("tampered.eml");
        Files.writeString(t, Files.readString(signed).replace("Hello.", "Hello!"));
        return t;
    }

    @Test
    void keygenNeedsAHostedDomainAndSaneOptions() throws Exception {
        String c = config().toString();
        CliTest.Result r = CliTest.run("-c", c, "dkim", "keygen", "nowhere.test");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("postern domain add nowhere.test");
        CliTest.run("-c", c, "domain", "add", "example.org");
        assertThat(CliTest.run("-c", c, "dkim", "keygen", "example.org", "--algorithm", "dsa").err()).contains("rsa or ed25519");
        assertThat(CliTest.run("-c", c, "dkim", "keygen", "example.org", "--bits", "512").err()).contains("1024");
        CliTest.Result big = CliTest.run("-c", c, "dkim", "keygen", "example.org", "--bits", "3072", "--json");
        assertThat(big.out()).contains("\"action\":\"generated\"").contains("\"dns_strings\":[");
    }

    @Test
    void verifyUnsignedIsNoneAndSignWithKeyFile() throws Exception {
        Path msg = dir.resolve("msg.eml");
        Files.writeString(msg, MESSAGE);
        try (TestDnsServer dns = new TestDnsServer()) {
            CliTest.Result v = CliTest.run("dkim", "verify", "--dns-server", dns.address(), msg.toString());
            assertThat(v.out().strip()).isEqualTo("none");
            assertThat(v.exit()).isEqualTo(1);
            var pair = org.postern.dkim.DkimKeys.generate(org.postern.dkim.DkimAlgorithm.ED25519_SHA256, 0);
            Path key = dir.resolve("k.pem");
            Files.writeString(key, org.postern.dkim.DkimKeys.privateKeyPem(pair.getPrivate()));
            Path out = dir.resolve("out.eml");
            CliTest.Result noSel = CliTest.run("dkim", "sign", "--domain", "example.org", "--key", key.toString(), msg.toString());
            assertThat(noSel.err()).contains("--key needs --selector");
            assertThat(CliTest.run("dkim", "sign", "--domain", "example.org", "--selector", "k", "--key", key.toString(),
                    "-o", out.toString(), msg.toString()).exit()).isZero();
            dns.add("k._domainkey.example.org", "TXT", "\"v=DKIM1; k=ed25519; p="
                    + org.postern.dkim.DkimKeys.publicKeyValue(pair.getPublic()) + "\"");
            assertThat(CliTest.run("dkim", "verify", "--dns-server", dns.address(), out.toString()).out().strip()).endsWith("pass");
        }
    }
}
