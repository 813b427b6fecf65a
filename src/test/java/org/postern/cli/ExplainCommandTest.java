package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestDnsServer;
import org.postern.testing.Section9;

/**
 * {@code postern explain} on the roaming laptop of postfix-restrictions.md section 9: port 25
 * with the section 9 main.cf, and the built-in master.cf's submission listener.
 */
class ExplainCommandTest {

    /** The section 9 main.cf (after the data_directory line, line 4 is smtpd_client_restrictions), plus login maps for the submission side. */
    static final String SECTION_9 = """
            myhostname = mx.example.test
            """ + Section9.RESTRICTIONS + """
            virtual_mailbox_domains = example.test
            virtual_mailbox_maps = inline:{alice@example.test=x, bob@example.test=x}
            virtual_alias_maps =
            smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test}
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            inet_interfaces = all
            """;

    static TestDnsServer dns;

    @TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        dns = new TestDnsServer();
        dns.add("example.net", "MX", "10 mx.example.net.");
        config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), "data_directory = " + dir.resolve("data") + "\n" + SECTION_9);
    }

    @AfterAll
    static void tearDown() {
        dns.close();
    }

    static CliTest.Result explain(String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "-c";
        all[1] = config.toString();
        all[2] = "explain";
        all[3] = "--dns-server";
        all[4] = dns.address();
        all[5] = "--client-ip=198.51.100.7";
        System.arraycopy(args, 0, all, 6, args.length);
        return CliTest.run(all);
    }

    @Test
    void laptopWithoutReverseDnsOnPort25() {
        CliTest.Result r = explain("--helo", "laptop.example.net", "--sender", "alice@example.test",
                "--recipient", "bob@example.net");
        String mainCf = config.resolve("main.cf").toString();
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out())
                .contains("Client 198.51.100.7 on listener smtp (port 25): client name unknown, reverse name unknown")
                .contains("DNS PTR 198.51.100.7 -> NXDOMAIN")
                .contains("MAIL FROM:<alice@example.test> -> 250 2.1.0 Ok")
                .contains("RCPT TO:<bob@example.net> -> 450 4.7.1 Client host rejected: cannot find your reverse "
                        + "hostname, [198.51.100.7]\n")
                .contains("    smtpd_client_restrictions (" + mainCf + ":4) for <unknown[198.51.100.7]>\n"
                        + "      permit_mynetworks -> DUNNO\n"
                        + "      permit_sasl_authenticated -> DUNNO\n"
                        + "      reject_unknown_reverse_client_hostname -> REJECT 450 4.7.1 Client host rejected: "
                        + "cannot find your reverse hostname, [198.51.100.7]\n"
                        + "    smtpd_client_restrictions -> REJECT\n")
                .contains("DATA -> 554 5.5.1 Error: no valid recipients")
                .contains("Why: RCPT TO:<bob@example.net> was refused with 450 4.7.1 Client host rejected: cannot "
                        + "find your reverse hostname, [198.51.100.7]: reject_unknown_reverse_client_hostname in "
                        + "smtpd_client_restrictions (set at " + mainCf + ":4, listener smtp) decided.")
                .contains("Fix: if this client is one of your users (a laptop on a hotel, mobile or home network), "
                        + "it should not send on port 25: it submits on submission (port 587) with AUTH")
                .contains("The same client on listener submission (--listener submission --login alice@example.test "
                        + "--tls):\n")
                .contains("  RCPT TO:<bob@example.net> -> 250 2.1.5 Ok\n");
    }

    @Test
    void laptopOnSubmissionWithLogin() {
        CliTest.Result r = explain("--listener", "submission", "--login", "alice@example.test", "--tls",
                "--helo", "laptop.example.net", "--sender", "alice@example.test", "--recipient", "bob@example.net");
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("AUTH PLAIN (login alice@example.test) -> 235 2.7.0 Authentication successful")
                .contains("RCPT TO:<bob@example.net> -> 250 2.1.5 Ok")
                .contains("      permit_sasl_authenticated -> OK")
                .contains("DATA -> 354 End data with <CR><LF>.<CR><LF>")
                .contains("Every command is accepted.");
        // without TLS the submission listener wants STARTTLS first
        CliTest.Result plain = explain("--listener", "submission", "--login", "alice@example.test",
                "--helo", "laptop.example.net", "--sender", "alice@example.test", "--recipient", "bob@example.net");
        assertThat(plain.out()).contains("MAIL FROM:<alice@example.test> -> 530 5.7.0 Must issue a STARTTLS command first");
    }

    @Test
    void jsonOutput() {
        CliTest.Result r = explain("--json", "--helo", "laptop.example.net", "--sender", "alice@example.test",
                "--recipient", "bob@example.net");
        String mainCf = config.resolve("main.cf").toString();
        assertThat(r.out().strip()).startsWith("{\"listener\":\"smtp\",\"client_name\":\"unknown\"").endsWith("}");
        assertThat(r.out())
                .contains("{\"command\":\"RCPT TO:<bob@example.net>\",\"reply\":\"450 4.7.1 Client host rejected: "
                        + "cannot find your reverse hostname, [198.51.100.7]\",\"accepted\":false,\"steps\":[")
                .contains("\"refusal\":{\"command\":\"RCPT TO:<bob@example.net>\",\"reply\":\"450 4.7.1 Client host "
                        + "rejected: cannot find your reverse hostname, [198.51.100.7]\",\"list\":\"smtpd_client_restrictions\","
                        + "\"restriction\":\"reject_unknown_reverse_client_hostname\",\"argument\":null,\"origin\":\""
                        + mainCf + ":4\"")
                .contains("\"submission_listener\":\"submission\"")
                .contains("\"alternative\":{\"listener\":\"submission\"")
                .contains("{\"command\":\"RCPT TO:<bob@example.net>\",\"reply\":\"250 2.1.5 Ok\",\"accepted\":true");
    }

    @Test
    void givenNamesSkipDnsAndFcrdnsFailureIsShown() {
        dns.add("laptop.isp.example", "A", "203.0.113.9");
        dns.add("7.100.51.198.in-addr.arpa", "PTR", "laptop.isp.example.");
        CliTest.Result r = explain("--helo", "laptop.example.net", "--sender", "alice@example.test",
                "--recipient", "bob@example.net");
        assertThat(r.out()).contains("DNS PTR 198.51.100.7 -> FOUND laptop.isp.example")
                .contains("DNS A laptop.isp.example -> FOUND 203.0.113.9")
                .contains("RCPT TO:<bob@example.net> -> 450 4.7.25 Client host rejected: cannot find your hostname, "
                        + "[198.51.100.7]");
        CliTest.Result named = explain("--client-name", "laptop.isp.example", "--helo", "laptop.example.net",
                "--sender", "alice@example.test", "--recipient", "bob@example.net");
        assertThat(named.out()).doesNotContain("DNS PTR")
                .contains("RCPT TO:<bob@example.net> -> 554 5.7.1 <bob@example.net>: Relay access denied");
        CliTest.Result unknown = explain("--client-name", "unknown", "--helo", "laptop.example.net",
                "--sender", "alice@example.test", "--recipient", "bob@example.test");
        assertThat(unknown.out()).contains("RCPT TO:<bob@example.test> -> 450 4.7.1 Client host rejected: cannot "
                + "find your reverse hostname, [198.51.100.7]");
    }

    @Test
    void unknownListenerIsAnErrorListingTheNames() {
        CliTest.Result r = explain("--listener", "smpt");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("postern: no listener named 'smpt'; listeners: smtp, submission, submissions\n");
    }
}
