package org.postern.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.delivery.DeliveryResult;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.delivery.LmtpClient;
import org.postern.delivery.LmtpClient.Envelope;
import org.postern.delivery.MaildirDelivery;

/** The Dovecot test harness itself, and that Dovecot reads what Postern's Maildir delivery writes. */
class TestDovecotTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static List<DeliveryResult> lmtp(TestDovecot dovecot, String rcpt, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try (LmtpClient client = new LmtpClient(dovecot.lmtpUnixDestination(), "mx.test", TIMEOUT, TIMEOUT)) {
            return client.deliver(Envelope.of("s@example.net", List.of(rcpt)), new byte[0],
                    new ByteArrayInputStream(bytes), bytes.length);
        }
    }

    @Test
    void acceptsAnyUserAndStopsCleanly() {
        TestDovecot dovecot = TestDovecot.start();
        try (dovecot) {
            assertThat(lmtp(dovecot, "anyone@anywhere.example", "Subject: a\r\n\r\none\r\n").getFirst().status())
                    .isEqualTo(Status.SENT);
            assertThat(lmtp(dovecot, "anyone@anywhere.example", "Subject: b\r\n\r\ntwo\r\n").getFirst().status())
                    .isEqualTo(Status.SENT);
            List<byte[]> msgs = dovecot.messages("anyone", "anywhere.example");
            assertThat(msgs).hasSize(2);
            assertThat(new String(msgs.get(0), StandardCharsets.UTF_8)).endsWith("Subject: a\n\none\n");
            assertThat(new String(msgs.get(1), StandardCharsets.UTF_8)).endsWith("Subject: b\n\ntwo\n");
        }
        assertThat(Files.exists(dovecot.directory())).isFalse();
        assertThat(Files.exists(dovecot.lmtpUnixSocket())).isFalse();
    }

    @Test
    void knownUsersOnlyAndAddUser() {
        try (TestDovecot dovecot = TestDovecot.startWithUsers("known@example.com")) {
            assertThat(lmtp(dovecot, "known@example.com", "x\r\n").getFirst().status()).isEqualTo(Status.SENT);
            DeliveryResult unknown = lmtp(dovecot, "later@example.com", "x\r\n").getFirst();
            assertThat(unknown.status()).isEqualTo(Status.BOUNCED);
            assertThat(unknown.dsn()).isEqualTo("5.1.1");

            dovecot.addUser("later@example.com");
            assertThat(lmtp(dovecot, "later@example.com", "x\r\n").getFirst().status()).isEqualTo(Status.SENT);
        }
    }

    @Test
    void dovecotReadsPosternMaildirFiles() {
        try (TestDovecot dovecot = TestDovecot.start()) {
            var box = dovecot.maildir("gina", "example.com");
            byte[] content = "Subject: from postern\r\n\r\nline 1\r\nline 2\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] headers = "Delivered-To: gina@example.com\r\n".getBytes(StandardCharsets.US_ASCII);
            DeliveryResult r = new MaildirDelivery("mx.test", 0)
                    .deliver("gina@example.com", box, headers, new ByteArrayInputStream(content), content.length);
            assertThat(r.sent()).isTrue();
            dovecot.giveToMailUser(dovecot.directory().resolve("mail/example.com"));

            String name = TestDovecot.listMessages(box).getFirst().getFileName().toString();
            String fetched = dovecot.doveadm("fetch", "-u", "gina@example.com",
                    "size.physical size.virtual hdr.subject", "mailbox", "INBOX", "all");
            // physical size is Maildir's S= (LF file size), virtual size W= (CRLF counted)
            String s = name.replaceAll(".*,S=(\\d+),W=(\\d+)$", "$1");
            String w = name.replaceAll(".*,S=(\\d+),W=(\\d+)$", "$2");
            assertThat(fetched).contains("size.physical: " + s).contains("size.virtual: " + w)
                    .contains("from postern");
            assertThat(Long.parseLong(w)).isEqualTo(headers.length + content.length);
        }
    }
}
