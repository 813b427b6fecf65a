package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestDnsServer;

/** {@code postern explain --client-cert-fingerprint}: relaying by a TLS client certificate. */
class ExplainClientCertTest {

    static final String FP = "A2:55:33:52:20:91:0B:52:37:F1:DD:FE:7E:43:E6:41:F7:A2:33:C6:78:3B:C8:EB:9C:DD:C3:4E:E4:72:89:18";

    static TestDnsServer dns;

    @TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        dns = new TestDnsServer();
        config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), """
                data_directory = %s
                myhostname = mx.example.test
                virtual_mailbox_domains = example.test
                virtual_mailbox_maps = inline:{alice@example.test=x}
                smtpd_tls_ask_ccert = yes
                relay_clientcerts = inline:{%s=device}
                smtpd_relay_restrictions = permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination
                """.formatted(dir.resolve("data"), FP));
    }

    @AfterAll
    static void tearDown() {
        dns.close();
    }

    static CliTest.Result explain(String... args) {
        String[] all = new String[args.length + 12];
        String[] head = {"-c", config.toString(), "explain", "--dns-server", dns.address(), "--client-ip=198.51.100.7",
                "--client-name=device.example.net", "--helo", "device.example.net", "--sender", "d@example.net",
                "--recipient=x@remote.example"};
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(args, 0, all, head.length, args.length);
        return CliTest.run(all);
    }

    @Test
    void aListedFingerprintRelays() {
        CliTest.Result r = explain("--client-cert-fingerprint", FP.toLowerCase());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(0);
        assertThat(r.out()).contains("RCPT TO:<x@remote.example> -> 250 2.1.5 Ok")
                .contains("permit_tls_clientcerts -> OK");
    }

    @Test
    void withoutACertificateRelayIsDenied() {
        CliTest.Result r = explain("--tls");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).contains("RCPT TO:<x@remote.example> -> 554 5.7.1 <x@remote.example>: Relay access denied")
                .contains("permit_tls_clientcerts -> DUNNO");
    }
}
