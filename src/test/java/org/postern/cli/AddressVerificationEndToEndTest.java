package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.ScriptedSmtpServer;

/**
 * reject_unverified_recipient for a relay domain (a backup MX or a gateway in front of an
 * internal server): Postern probes the recipient at the next hop (MAIL and RCPT, no message),
 * accepts what the next hop would accept and refuses what it refuses, with Postfix's replies,
 * and remembers the answers.
 */
class AddressVerificationEndToEndTest {

    @TempDir
    static Path dir;
    static ScriptedSmtpServer inside;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        inside = new ScriptedSmtpServer("127.0.0.1");
        inside.rcptReply = rcpt -> rcpt.contains("<nobody@relay.test>")
                ? "550 5.1.1 <nobody@relay.test>: Recipient address rejected: User unknown"
                : rcpt.contains("<busy@relay.test>") ? "451 4.3.0 try again later" : "250 2.1.5 Ok";
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/transport"), "relay.test smtp:[127.0.0.1]:" + inside.port() + "\n");
        postern = TestPostern.start(dir, """
                relay_domains = relay.test
                transport_maps = texthash:%s
                smtpd_recipient_restrictions = reject_unverified_recipient
                address_verify_poll_delay = 1s
                """.formatted(dir.resolve("etc/transport")));
    }

    @AfterAll
    static void stop() throws Exception {
        postern.close();
        inside.close();
    }

    private static String rcpt(String address) throws Exception {
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            c.reply();
            c.command("EHLO test");
            c.command("XCLIENT ADDR=203.0.113.8 NAME=mail.sender.example");
            c.command("EHLO mail.sender.example");
            c.command("MAIL FROM:<someone@sender.example>");
            return c.command("RCPT TO:<" + address + ">");
        }
    }

    @Test
    void aRecipientTheNextHopAcceptsIsAcceptedAndNoMessageIsSentByTheProbe() throws Exception {
        assertThat(rcpt("alice@relay.test")).isEqualTo("250 2.1.5 Ok");
        assertThat(inside.commands()).contains("RCPT TO:<alice@relay.test>").doesNotContain("DATA");
        assertThat(inside.messages()).isEmpty();
        postern.awaitLog("probe: to=<alice@relay.test>, relay=127.0.0.1[127.0.0.1]:" + inside.port()
                + ", dsn=2.1.5, status=deliverable (250 2.1.5 Ok)");
        // the answer is remembered: no second probe
        long probes = inside.commands().stream().filter(l -> l.equals("RCPT TO:<alice@relay.test>")).count();
        assertThat(rcpt("alice@relay.test")).isEqualTo("250 2.1.5 Ok");
        assertThat(inside.commands().stream().filter(l -> l.equals("RCPT TO:<alice@relay.test>")).count())
                .isEqualTo(probes);
    }

    @Test
    void aRecipientTheNextHopRefusesIsRefusedWithTheReason() throws Exception {
        // with the default 4xx reject code Postfix words it "unverified" (DifferentialVerifyTest)
        assertThat(rcpt("nobody@relay.test")).isEqualTo("450 4.1.1 <nobody@relay.test>: Recipient address rejected: "
                + "unverified address: host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <nobody@relay.test>: Recipient "
                + "address rejected: User unknown (in reply to RCPT TO command)");
    }

    @Test
    void aDeferredProbeIsAnUnverifiedAddress() throws Exception {
        assertThat(rcpt("busy@relay.test")).isEqualTo("450 4.1.1 <busy@relay.test>: Recipient address rejected: "
                + "unverified address: host 127.0.0.1[127.0.0.1] said: 451 4.3.0 try again later (in reply to RCPT TO "
                + "command)");
    }
}
