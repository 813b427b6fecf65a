package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.log.MailLog;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestDnsServer;

/**
 * DNS that never answers, end to end through the SMTP server: the test DNS server drops the
 * queries for one name, and every check that needs that name ends in a 4xx (the client tries
 * again later), never a 5xx and never a wrong accept. dns_timeout = 1s keeps each lost query
 * short. Covers reject_unknown_client_hostname (PTR and forward lookups),
 * reject_unknown_helo_hostname, reject_unknown_sender_domain, check_spf and check_dmarc.
 * The restriction-level semantics (defer_if_permit, the *_tempfail_action parameters) are in
 * the policy tests (DnsChecksTest, CheckSpfTest, CheckDmarcTest).
 */
class DnsTimeoutEndToEndTest {

    private static final Duration DNS_TIMEOUT = Duration.ofSeconds(1);
    private static final String HELO = "client.example.test";
    /** SPF and DMARC skip loopback clients: those tests speak for this address with XCLIENT. */
    private static final String STRANGER = "198.51.100.7";

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        postern = TestPostern.start(dir, """
                dns_timeout = 1s
                smtpd_recipient_restrictions = reject_unknown_client_hostname, reject_unknown_helo_hostname,
                    reject_unknown_sender_domain, check_spf
                """);
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
    }

    /** Healthy DNS for everything: the client has a verified name, the sender passes SPF and DMARC. */
    @BeforeEach
    void healthyDns() {
        MailLog.configure(TestPostern.HOSTNAME, "postern", postern.log(), false);
        TestDnsServer dns = postern.dns();
        dns.clear();
        dns.add("1.0.0.127.in-addr.arpa", "PTR", HELO + ".")
                .add(HELO, "A", "127.0.0.1")
                .add("remote.example", "MX", "10 mx.remote.example.")
                .add("mx.remote.example", "A", "192.0.2.10")
                .add("remote.example", "TXT", "\"v=spf1 include:_spf.remote.example -all\"")
                .add("_spf.remote.example", "TXT", "\"v=spf1 ip4:" + STRANGER + " -all\"")
                .add("_dmarc.remote.example", "TXT", "\"v=DMARC1; p=reject\"");
    }

    @Test
    void healthyDnsAccepts() throws Exception {
        try (RawSmtpClient c = openAsStranger()) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            c.send(message("dns-healthy"));
            assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(Files.readString(postern.awaitMessage("alice@example.test", "dns-healthy")))
                .contains("spf=pass").contains("dmarc=pass");
    }

    @Test
    void clientPtrLookupTimesOut() throws Exception {
        postern.dns().drop("1.0.0.127.in-addr.arpa");
        assertRcptDeferred("carol@remote.example",
                "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]");
    }

    @Test
    void clientForwardLookupTimesOut() throws Exception {
        postern.dns().drop(HELO);
        assertRcptDeferred("carol@remote.example",
                "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]");
    }

    /**
     * The forward confirmation of the PTR name asks the client's own address family only, as
     * Postfix's smtpd does: A for this IPv4 client, never AAAA; the name is still verified
     * (reject_unknown_client_hostname lets the recipient pass).
     */
    @Test
    void forwardConfirmationAsksOnlyTheClientsAddressFamily() throws Exception {
        postern.dns().add(HELO, "AAAA", "2001:db8::1");
        try (RawSmtpClient c = open()) {
            // The name is looked up before the greeting; EHLO would look the HELO name up as well.
            assertThat(postern.dns().queries()).contains(HELO + " A").doesNotContain(HELO + " AAAA");
        }
        try (RawSmtpClient c = openEhlo()) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
        }
    }

    @Test
    void heloLookupTimesOut() throws Exception {
        postern.dns().add("slow-helo.example.test", "A", "192.0.2.1").drop("slow-helo.example.test");
        try (RawSmtpClient c = open()) {
            assertThat(c.command("EHLO slow-helo.example.test")).startsWith("250-");
            assertDeferredAndNothingQueued(c, "carol@remote.example",
                    "450 4.7.1 <slow-helo.example.test>: Helo command rejected: Host not found");
        }
    }

    @Test
    void senderDomainLookupTimesOut() throws Exception {
        postern.dns().drop("slow.example");
        assertRcptDeferred("carol@slow.example",
                "450 4.1.8 <carol@slow.example>: Sender address rejected: Domain not found");
    }

    @Test
    void spfLookupTimesOut() throws Exception {
        postern.dns().drop("_spf.remote.example");
        try (RawSmtpClient c = openAsStranger()) {
            String reply = rcptReply(c, "carol@remote.example");
            assertThat(reply).startsWith("450 4.7.24 <alice@example.test>: Recipient address rejected: SPF temperror: ");
        }
    }

    @Test
    void dmarcLookupTimesOutAtEndOfData() throws Exception {
        postern.dns().drop("_dmarc.remote.example");
        int mark = postern.logText().length();
        try (RawSmtpClient c = openAsStranger()) {
            assertThat(c.command("MAIL FROM:<carol@remote.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<alice@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            c.send(message("dns-dmarc-timeout"));
            assertThat(c.reply()).isEqualTo("450 4.7.1 <END-OF-MESSAGE>: End-of-data rejected: "
                    + "DMARC temporary error for remote.example: try again later");
        }
        assertNothingQueuedSince(mark);
        assertThat(postern.messages("alice@example.test")).noneMatch(p -> p.toString().contains("dns-dmarc-timeout"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** MAIL and RCPT from a fresh session: RCPT gets the expected 4xx and nothing is queued. */
    private static void assertRcptDeferred(String sender, String expected) throws Exception {
        try (RawSmtpClient c = openEhlo()) {
            assertDeferredAndNothingQueued(c, sender, expected);
        }
    }

    private static void assertDeferredAndNothingQueued(RawSmtpClient c, String sender, String expected) throws Exception {
        int mark = postern.logText().length();
        assertThat(rcptReply(c, sender)).isEqualTo(expected);
        assertThat(c.command("DATA")).startsWith("554 5.5.1 ");
        assertNothingQueuedSince(mark);
    }

    /**
     * MAIL (always accepted: smtpd_delay_reject) and RCPT; returns the RCPT reply, which must
     * be a 4xx that came within a few DNS timeouts.
     */
    private static String rcptReply(RawSmtpClient c, String sender) throws IOException {
        assertThat(c.command("MAIL FROM:<" + sender + ">")).isEqualTo("250 2.1.0 Ok");
        Instant start = Instant.now();
        String reply = c.command("RCPT TO:<alice@example.test>");
        assertThat(reply).as("a temporary failure, never 2xx or 5xx").startsWith("4");
        assertThat(Duration.between(start, Instant.now())).as("bounded by dns_timeout")
                .isLessThan(DNS_TIMEOUT.multipliedBy(8));
        return reply;
    }

    private static void assertNothingQueuedSince(int mark) throws IOException {
        assertThat(postern.logText().substring(mark)).doesNotContain("(queue active)");
        assertThat(postern.server().spool().list()).isEmpty();
    }

    private static RawSmtpClient open() throws IOException {
        RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort()).timeout(Duration.ofSeconds(20));
        assertThat(c.reply()).startsWith("220 ");
        return c;
    }

    private static RawSmtpClient openEhlo() throws IOException {
        RawSmtpClient c = open();
        assertThat(c.command("EHLO " + HELO)).startsWith("250-");
        return c;
    }

    /** A session that speaks for {@link #STRANGER} (XCLIENT), so SPF and DMARC are checked. */
    private static RawSmtpClient openAsStranger() throws IOException {
        RawSmtpClient c = openEhlo();
        assertThat(c.command("XCLIENT ADDR=" + STRANGER + " NAME=" + HELO)).startsWith("220 ");
        assertThat(c.command("EHLO " + HELO)).startsWith("250-");
        return c;
    }

    private static String message(String subject) {
        return "From: Carol <carol@remote.example>\r\nTo: alice@example.test\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject + "@remote.example>\r\n\r\nhello\r\n.\r\n";
    }
}
