package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.testing.TestDnsServer;

/** {@code postern spf check}: the output contract the conformance scorer reads. */
class SpfCommandTest {

    TestDnsServer dns;

    @BeforeEach
    void start() throws Exception {
        dns = new TestDnsServer();
        dns.add("example.test", "TXT", "\"v=spf1 include:_spf.example.test -all exp=why.example.test\"")
                .add("_spf.example.test", "TXT", "\"v=spf1 ip4:192.0.2.0/24 -all\"")
                .add("why.example.test", "TXT", "\"%{i} may not send for %{d}\"")
                .add("mail.example.test", "TXT", "\"v=spf1 a -all\"")
                .add("mail.example.test", "A", "198.51.100.1");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    String[] run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(expectedExit);
        return (out + err.toString()).split("\n");
    }

    @Test
    void passPrintsTheWordFirstThenTheTrace() {
        String[] lines = run(0, "spf", "check", "--dns-server", dns.address(), "--ip", "192.0.2.7",
                "--helo", "mail.example.test", "--sender", "alice@example.test");
        assertThat(lines[0]).isEqualTo("pass");
        assertThat(String.join("\n", lines)).contains("include:_spf.example.test").contains("ip4:192.0.2.0/24 -> match: pass");
    }

    @Test
    void failPrintsTheExplanationOnLineTwo() {
        String[] lines = run(0, "spf", "check", "--dns-server", dns.address(), "--ip", "203.0.113.9",
                "--helo", "mail.example.test", "--sender", "alice@example.test");
        assertThat(lines[0]).isEqualTo("fail");
        assertThat(lines[1]).isEqualTo("exp=203.0.113.9 may not send for example.test");
    }

    @Test
    void nullSenderChecksPostmasterAtHelo() {
        String[] lines = run(0, "spf", "check", "--dns-server", dns.address(), "--ip", "198.51.100.1",
                "--helo", "mail.example.test", "--sender", "");
        assertThat(lines[0]).isEqualTo("pass");
    }

    @Test
    void badIpIsAnError() {
        String[] lines = run(1, "spf", "check", "--dns-server", dns.address(), "--ip", "mail.example.test",
                "--helo", "x.test", "--sender", "a@x.test");
        assertThat(String.join("\n", lines)).contains("not an IPv4 or IPv6 address");
    }
}
