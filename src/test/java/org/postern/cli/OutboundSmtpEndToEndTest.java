package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.queue.Spool;
import org.postern.queue.SpoolEntry;
import org.postern.queue.SpoolMessage;
import org.postern.store.password.PasswordSchemes;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.TestCertificates;

/**
 * Two Posterns: A sends, B (on 127.0.0.2) receives. A finds B through the MX record of
 * remote.test in its test DNS, or goes through B's submission port as its relayhost with
 * SMTP AUTH; both times over STARTTLS with B's self-signed certificate. And the product's story
 * end to end: alice logs in to A on 587 from anywhere and writes to carol at B; B receives it
 * DKIM-signed with SPF, DKIM and DMARC pass in its Authentication-Results, while a stranger
 * forging alice's domain at B is refused.
 */
class OutboundSmtpEndToEndTest {

    private static TestPostern receiver(Path dir) throws Exception {
        return receiver(dir, "");
    }

    private static TestPostern receiver(Path dir, String extraMainCf) throws Exception {
        TestPostern b = TestPostern.start(dir, "inet_interfaces = 127.0.0.2\n" + extraMainCf);
        b.accounts().addDomain("remote.test");
        b.accounts().addMailbox("carol@remote.test",
                PasswordSchemes.hash("SHA512-CRYPT", TestPostern.PASSWORD.toCharArray()), 0);
        return b;
    }

    /** Queues a message in A from a trusted network (XCLIENT into A's mynetworks). */
    private static void submit(TestPostern a, String recipient, String subject) throws Exception {
        try (RawSmtpClient c = RawSmtpClient.connect(a.smtpPort())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("XCLIENT ADDR=192.0.2.5 NAME=[UNAVAILABLE]")).startsWith("220 ");
            assertThat(c.command("EHLO office.example.test")).startsWith("250");
            assertThat(c.command("MAIL FROM:<alice@example.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<" + recipient + ">")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("From: alice@example.test\r\nTo: " + recipient + "\r\nSubject: " + subject
                    + "\r\n\r\nhello over there\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        }
    }

    @Test
    void deliversToTheMxOfTheRecipientDomain(@TempDir Path dir) throws Exception {
        try (TestPostern b = receiver(dir.resolve("b"));
             TestPostern a = TestPostern.start(dir.resolve("a"), """
                     smtp_helo_name = a.example.test
                     smtp_tcp_port = %d
                     """.formatted(b.smtpPort()))) {
            a.dns().add("remote.test", "MX", "10 mx.remote.test.");
            a.dns().add("mx.remote.test", "A", "127.0.0.2");

            submit(a, "carol@remote.test", "via-mx");

            Path delivered = b.awaitMessage("carol@remote.test", "Subject: via-mx");
            assertThat(Files.readString(delivered)).contains("hello over there");
            String relay = "mx.remote.test[127.0.0.2]:" + b.smtpPort();
            // Both instances log into the file of the one configured last (A).
            a.awaitLog("to=<carol@remote.test>, relay=" + relay);
            assertThat(a.logText())
                    .containsPattern("postern/smtp\\[\\d+\\]: Untrusted TLS connection established to "
                            + java.util.regex.Pattern.quote(relay) + ": TLSv1\\.[23] with cipher \\S+ \\(\\d+/\\d+ bits\\)")
                    .containsPattern("to=<carol@remote.test>, relay=" + java.util.regex.Pattern.quote(relay)
                            + ", delay=[\\d.]+, delays=[\\d./]+, dsn=2\\.0\\.0, status=sent \\(250 2\\.0\\.0 Ok: queued as \\w+\\)");
        }
    }

    @Test
    void relayhostWithSmtpAuthOverStarttls(@TempDir Path dir) throws Exception {
        try (TestPostern b = receiver(dir.resolve("b"));
             TestPostern a = TestPostern.start(dir.resolve("a"), """
                     smtp_helo_name = a.example.test
                     relayhost = [127.0.0.2]:%d
                     smtp_sasl_auth_enable = yes
                     smtp_sasl_password_maps = inline:{ [127.0.0.2]:%d=alice@example.test:%s }
                     """.formatted(b.submissionPort(), b.submissionPort(), TestPostern.PASSWORD))) {
            submit(a, "carol@remote.test", "via-relayhost");

            b.awaitMessage("carol@remote.test", "Subject: via-relayhost");
            a.awaitLog("to=<carol@remote.test>, relay=127.0.0.2[127.0.0.2]:" + b.submissionPort());
            assertThat(a.logText()).contains("sasl_method=PLAIN, sasl_username=alice@example.test")
                    .contains("status=sent (250 2.0.0 Ok: queued as ");
            assertThat(a.dns().queries()).noneMatch(q -> q.startsWith("remote.test MX"));
        }
    }

    @Test
    void relayhostAtLevelSecureWithACaFile(@TempDir Path dir) throws Exception {
        // The self-hoster's smarthost setup: the relay's certificate must chain to smtp_tls_CAfile
        // and name the relay host, before the password goes out.
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        TestCertificates.Issued relayCert = certs.issueServer("relay", "smtp.remote.test", "smtp.remote.test");
        try (TestPostern b = receiver(dir.resolve("b"), """
                     smtpd_tls_cert_file = %s
                     smtpd_tls_key_file = %s
                     """.formatted(relayCert.certFile(), relayCert.keyFile()));
             TestPostern a = secureRelayClient(dir.resolve("a"), b, certs)) {

            submit(a, "carol@remote.test", "via-secure-relayhost");

            b.awaitMessage("carol@remote.test", "Subject: via-secure-relayhost");
            String relay = "smtp.remote.test[127.0.0.2]:" + b.submissionPort();
            a.awaitLog("to=<carol@remote.test>, relay=" + relay);
            assertThat(a.logText()).contains("Verified TLS connection established to " + relay + ": TLSv1.")
                    .contains("status=sent (250 2.0.0 Ok: queued as ");
        }
    }

    /**
     * A Postern that relays everything to B's submission port as smtp.remote.test (127.0.0.2) at
     * level secure, trusting only the test CA, with alice's password for the relay.
     */
    private static TestPostern secureRelayClient(Path dir, TestPostern b, TestCertificates certs) throws Exception {
        TestPostern a = TestPostern.start(dir, """
                smtp_helo_name = a.example.test
                relayhost = [smtp.remote.test]:%d
                smtp_tls_security_level = secure
                smtp_tls_CAfile = %s
                smtp_sasl_auth_enable = yes
                smtp_sasl_password_maps = inline:{ [smtp.remote.test]:%d=alice@example.test:%s }
                """.formatted(b.submissionPort(), certs.ca.certFile(), b.submissionPort(), TestPostern.PASSWORD));
        a.dns().add("smtp.remote.test", "A", "127.0.0.2");
        return a;
    }

    @Test
    void relayhostAtLevelSecureWithAnUntrustedCertificateGetsNoPassword(@TempDir Path dir) throws Exception {
        // B presents its self-signed certificate; A trusts only the test CA.
        TestCertificates certs = TestCertificates.create(dir.resolve("certs"));
        try (TestPostern b = receiver(dir.resolve("b"));
             TestPostern a = secureRelayClient(dir.resolve("a"), b, certs)) {

            submit(a, "carol@remote.test", "untrusted-relayhost");

            String relay = "smtp.remote.test[127.0.0.2]:" + b.submissionPort();
            a.awaitLog("to=<carol@remote.test>, relay=" + relay);
            assertThat(a.logText()).contains("certificate verification failed for " + relay + ": self-signed certificate")
                    .contains("Untrusted TLS connection established to " + relay)
                    .contains("dsn=4.7.5, status=deferred (Server certificate not verified)")
                    .doesNotContain("sasl_username=alice@example.test");
            assertThat(b.messages("carol@remote.test")).isEmpty();
        }
    }

    @Test
    void withoutTlsNoPasswordIsSentAndTheMailWaits(@TempDir Path dir) throws Exception {
        // B offers AUTH on port 25 without TLS (smtpd_tls_auth_only = no), which A must not use.
        try (TestPostern b = receiver(dir.resolve("b"), "smtpd_sasl_auth_enable = yes");
             TestPostern a = TestPostern.start(dir.resolve("a"), """
                     smtp_helo_name = a.example.test
                     smtp_tls_security_level = none
                     relayhost = [127.0.0.2]:%d
                     smtp_sasl_auth_enable = yes
                     smtp_sasl_password_maps = inline:{ [127.0.0.2]:%d=alice@example.test:%s }
                     """.formatted(b.smtpPort(), b.smtpPort(), TestPostern.PASSWORD))) {
            submit(a, "carol@remote.test", "no-tls");

            a.awaitLog("to=<carol@remote.test>, relay=127.0.0.2[127.0.0.2]:" + b.smtpPort());
            assertThat(a.logText()).contains("dsn=4.7.0, status=deferred (SASL authentication failed; cannot "
                    + "authenticate to server 127.0.0.2[127.0.0.2]: no mechanism available)");
            assertThat(b.messages("carol@remote.test")).isEmpty();
        }
    }

    @Test
    void sendsInBdatChunksToAPosternThatOffersChunkingAndTheMessageArrivesOctetForOctet(@TempDir Path dir)
            throws Exception {
        // B holds carol's mail in its queue, so what arrived can be read there as stored.
        try (TestPostern b = receiver(dir.resolve("b"),
                "smtpd_recipient_restrictions = check_recipient_access inline:{ carol@remote.test=HOLD }\n");
             TestPostern a = TestPostern.start(dir.resolve("a"), """
                     smtp_helo_name = a.example.test
                     smtp_tcp_port = %d
                     """.formatted(b.smtpPort()))) {
            a.dns().add("remote.test", "MX", "10 mx.remote.test.");
            a.dns().add("mx.remote.test", "A", "127.0.0.2");
            StringBuilder text = new StringBuilder("From: alice@example.test\r\nTo: carol@remote.test\r\n"
                    + "Subject: chunked\r\n\r\n");
            for (int line = 0; text.length() < 150_000; line++) {
                text.append(line % 5 == 0 ? ".starts with a dot " : "line ").append(line).append("\r\n");
            }
            text.append(".\r\n..\r\nend\r\n");
            byte[] original = text.toString().getBytes(StandardCharsets.US_ASCII);

            try (RawSmtpClient c = RawSmtpClient.connect(a.smtpPort())) {
                assertThat(c.reply()).startsWith("220 ");
                assertThat(c.command("XCLIENT ADDR=192.0.2.5 NAME=[UNAVAILABLE]")).startsWith("220 ");
                assertThat(c.command("EHLO office.example.test")).startsWith("250");
                assertThat(c.command("MAIL FROM:<alice@example.test>")).startsWith("250");
                assertThat(c.command("RCPT TO:<carol@remote.test>")).startsWith("250");
                c.send(("BDAT " + original.length + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(original);
                assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as ");
            }

            Spool spool = b.server().spool();
            TestPostern.await(() -> !spool.list().isEmpty(), Duration.ofSeconds(20), "the message held in B's queue");
            SpoolEntry held = spool.list().getFirst();
            assertThat(held.held()).isTrue();
            byte[] stored;
            try (SpoolMessage m = spool.open(held.queueId())) {
                stored = m.content().readAllBytes();
            }
            // B's headers, then A's content as A stored it: A's Received, then the message exactly as alice sent it.
            String storedText = new String(stored, StandardCharsets.US_ASCII);
            int sentByA = stored.length - storedText.indexOf("Received: from office.example.test");
            assertThat(storedText).contains("Received: from a.example.test");
            assertThat(Arrays.copyOfRange(stored, stored.length - original.length, stored.length)).isEqualTo(original);
            // B counts the BDAT commands of A's session: one per started 64 KiB, and no DATA.
            int chunks = (sentByA + 65535) / 65536;
            a.awaitLog("to=<carol@remote.test>, relay=mx.remote.test[127.0.0.2]:" + b.smtpPort());
            a.awaitLog("disconnect from unknown[127.0.0.1]");   // A quits its cached session after 2s
            assertThat(a.logText()).containsPattern("disconnect from \\S+\\[127\\.0\\.0\\.1\\] ehlo=2 starttls=1 "
                    + "mail=1 rcpt=1 bdat=" + chunks + " quit=1");
        }
    }

    @Test
    void theStoryOfTheProduct(@TempDir Path dir) throws Exception {
        // B checks everyone, even loopback clients (A sends from 127.0.0.3).
        try (TestPostern b = receiver(dir.resolve("b"), "spf_dmarc_skip_addresses =\n");
             TestPostern a = TestPostern.start(dir.resolve("a"), """
                     smtp_helo_name = a.example.test
                     smtp_bind_address = 127.0.0.3
                     smtp_tcp_port = %d
                     """.formatted(b.smtpPort()))) {
            a.dns().add("remote.test", "MX", "10 mx.remote.test.");
            a.dns().add("mx.remote.test", "A", "127.0.0.2");
            // alice's domain publishes what `postern dns records example.test --server-ip 127.0.0.3`
            // recommends, with the key `postern dkim keygen` made; B sees it in its DNS.
            java.security.KeyPair kp = org.postern.dkim.DkimKeys.generate(org.postern.dkim.DkimAlgorithm.ED25519_SHA256, 0);
            String publicKey = org.postern.dkim.DkimKeys.publicKeyValue(kp.getPublic());
            a.dkimKeys().add("example.test", "s1", "ed25519-sha256",
                    org.postern.dkim.DkimKeys.privateKeyPem(kp.getPrivate()), publicKey);
            a.dkimKeys().setState("example.test", "s1", org.postern.store.DkimKey.ACTIVE);
            b.dns().add("s1._domainkey.example.test", "TXT",
                    "\"" + org.postern.dkim.DkimKeys.txtRecord(org.postern.dkim.DkimAlgorithm.ED25519_SHA256, publicKey) + "\"");
            b.dns().add("example.test", "TXT", "\"v=spf1 ip4:127.0.0.3 -all\"");
            b.dns().add("_dmarc.example.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:postmaster@example.test\"");

            // alice on a hotel network: logs in on 587 and writes to carol.
            try (RawSmtpClient c = RawSmtpClient.connect(a.submissionPort())) {
                assertThat(c.reply()).startsWith("220 ");
                assertThat(c.command("EHLO laptop")).startsWith("250");
                assertThat(c.command("STARTTLS")).startsWith("220");
                c.startTls();
                assertThat(c.command("EHLO laptop")).startsWith("250");
                assertThat(c.command("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString(
                        ("\0alice@example.test\0" + TestPostern.PASSWORD).getBytes()))).startsWith("235");
                assertThat(c.command("MAIL FROM:<alice@example.test>")).startsWith("250");
                assertThat(c.command("RCPT TO:<carol@remote.test>")).startsWith("250");
                assertThat(c.command("DATA")).startsWith("354");
                assertThat(c.command("From: Alice <alice@example.test>\r\nTo: carol@remote.test\r\nSubject: story"
                        + "\r\n\r\nwritten in a hotel\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
            }
            String delivered = Files.readString(b.awaitMessage("carol@remote.test", "Subject: story"));
            String headers = delivered.substring(0, delivered.indexOf("\n\n"));
            assertThat(headers).contains("DKIM-Signature: ").contains("d=example.test").contains("s=s1")
                    .contains("Authentication-Results: " + TestPostern.HOSTNAME + ";")
                    .contains("spf=pass smtp.mailfrom=alice@example.test")
                    .contains("dkim=pass header.d=example.test header.s=s1")
                    .contains("dmarc=pass policy.dmarc=none header.from=example.test");

            // A stranger forging alice's domain at B is refused.
            try (RawSmtpClient c = RawSmtpClient.connect(java.net.InetAddress.getByName("127.0.0.2"), b.smtpPort())) {
                c.reply();
                c.command("EHLO test");
                c.command("XCLIENT ADDR=203.0.113.5 NAME=mail.stranger.example");
                c.command("EHLO mail.stranger.example");
                c.command("MAIL FROM:<alice@example.test>");
                c.command("RCPT TO:<carol@remote.test>");
                c.command("DATA");
                assertThat(c.command("From: alice@example.test\r\nSubject: pay\r\n\r\nnow\r\n."))
                        .startsWith("550 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: DMARC policy of example.test rejects");
            }
        }
    }
}
