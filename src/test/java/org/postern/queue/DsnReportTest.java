package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DsnReportTest {

    static final Instant ARRIVAL = Instant.parse("2026-03-02T10:00:00Z");
    static final Instant NOW = Instant.parse("2026-03-02T10:05:00Z");
    static final String ORIGINAL = "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: lunch\r\n"
            + "Message-ID: <1@example.org>\r\n\r\nSee you at noon.\r\n";

    static Envelope envelope(Envelope.DsnRet ret, String envId, Recipient... rcpts) {
        return new Envelope("0123456789ABC", "alice@example.org", List.of(rcpts), ARRIVAL,
                Envelope.ClientInfo.UNKNOWN, ORIGINAL.length(), ret, envId, Envelope.BodyType.SEVEN_BIT, false, Map.of());
    }

    static DsnReport.Built build(Envelope env, List<DsnReport.RecipientStatus> statuses, DsnReport.Returned returned,
                                 long limit, String content) throws IOException {
        DsnReport.Notice notice = new DsnReport.Notice("mx.example.org", "MAILER-DAEMON@mx.example.org",
                env.sender(), env, statuses, null, NOW, ZoneOffset.UTC);
        return DsnReport.build(notice, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), returned, limit);
    }

    @Test
    void failureReportIsAValidRfc3464Report() throws IOException {
        Envelope env = envelope(null, "env-42", Recipient.of("bob@example.net", "rfc822;robert@example.net",
                Set.of(Recipient.Notify.FAILURE)));
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("bob@example.net",
                        "rfc822;robert@example.net", DsnReport.Action.FAILED, "5.1.1",
                        "host mx.example.net[192.0.2.1] said: 550 5.1.1 <bob@example.net>: User unknown (in reply to RCPT TO command)",
                        NOW)),
                DsnReport.Returned.FULL, 50000, ORIGINAL);

        MimeWalk report = MimeWalk.parse(built.content());
        assertThat(report.header("From")).isEqualTo("MAILER-DAEMON@mx.example.org (Mail Delivery System)");
        assertThat(report.header("To")).isEqualTo("alice@example.org");
        assertThat(report.header("Auto-Submitted")).isEqualTo("auto-replied");
        assertThat(report.header("MIME-Version")).isEqualTo("1.0");
        assertThat(report.header("Date")).startsWith("Mon, 2 Mar 2026 10:05:00 +0000");
        assertThat(report.header("Message-ID")).matches("<0123456789ABC\\.\\d+@mx.example.org>");
        assertThat(report.contentType()).isEqualTo("multipart/report");
        assertThat(report.header("Content-Type")).contains("report-type=delivery-status");

        List<MimeWalk> parts = report.parts();
        assertThat(parts).hasSize(3);
        assertThat(parts.get(0).contentType()).isEqualTo("text/plain");
        assertThat(parts.get(0).body()).contains("could not be delivered")
                .contains("<bob@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1");

        assertThat(parts.get(1).contentType()).isEqualTo("message/delivery-status");
        List<Map<String, String>> groups = parts.get(1).statusGroups();
        assertThat(groups).hasSize(2);
        Map<String, String> perMessage = groups.get(0);
        assertThat(perMessage).containsEntry("reporting-mta", "dns; mx.example.org")
                .containsEntry("x-postern-queue-id", "0123456789ABC")
                .containsEntry("x-postern-sender", "rfc822; alice@example.org")
                .containsEntry("original-envelope-id", "env-42");
        assertThat(perMessage.get("arrival-date")).startsWith("Mon, 2 Mar 2026 10:00:00 +0000");
        Map<String, String> rcpt = groups.get(1);
        assertThat(rcpt).containsEntry("final-recipient", "rfc822; bob@example.net")
                .containsEntry("original-recipient", "rfc822; robert@example.net")
                .containsEntry("action", "failed")
                .containsEntry("status", "5.1.1")
                .containsEntry("remote-mta", "dns; mx.example.net")
                .containsEntry("diagnostic-code", "smtp; 550 5.1.1 <bob@example.net>: User unknown");
        assertThat(rcpt).containsKey("last-attempt-date");

        assertThat(parts.get(2).contentType()).isEqualTo("message/rfc822");
        assertThat(parts.get(2).body()).contains("Subject: lunch").contains("See you at noon.");
        assertThat(built.eightBit()).isFalse();
        assertThat(built.international()).isFalse();
        // RFC 5322 section 2.1.1: no line beyond 998 characters; all lines end in CRLF.
        String text = new String(built.content(), StandardCharsets.UTF_8);
        assertThat(text.split("\r\n")).allMatch(l -> l.length() <= 998 && !l.contains("\n"));
    }

    @Test
    void diagnosticWithoutRemoteHostIsMarkedAsPosterns() throws IOException {
        Envelope env = envelope(null, null, Recipient.of("bob@example.net"));
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("bob@example.net", null,
                DsnReport.Action.FAILED, "5.2.2", "mailbox full", NOW)), DsnReport.Returned.FULL, 50000, ORIGINAL);
        Map<String, String> rcpt = MimeWalk.parse(built.content()).parts().get(1).statusGroups().get(1);
        assertThat(rcpt).containsEntry("diagnostic-code", "X-Postern; mailbox full").doesNotContainKey("remote-mta")
                .doesNotContainKey("original-recipient");
        assertThat(MimeWalk.parse(built.content()).parts().get(1).statusGroups().get(0))
                .doesNotContainKey("original-envelope-id");
    }

    @Test
    void retHdrsReturnsOnlyTheHeader() throws IOException {
        Envelope env = envelope(Envelope.DsnRet.HDRS, null, Recipient.of("bob@example.net"));
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("bob@example.net", null,
                DsnReport.Action.FAILED, "5.1.1", "no", NOW)), DsnReport.Returned.HEADERS, 50000, ORIGINAL);
        MimeWalk third = MimeWalk.parse(built.content()).parts().get(2);
        assertThat(third.contentType()).isEqualTo("text/rfc822-headers");
        assertThat(third.body()).contains("Subject: lunch").doesNotContain("See you at noon.");
    }

    @Test
    void messageOverBounceSizeLimitReturnsOnlyTheHeader() throws IOException {
        String big = ORIGINAL + "x".repeat(2000) + "\r\n";
        Envelope env = envelope(null, null, Recipient.of("bob@example.net")).withSize(big.length());
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("bob@example.net", null,
                DsnReport.Action.FAILED, "5.1.1", "no", NOW)), DsnReport.Returned.FULL, 1000, big);
        MimeWalk report = MimeWalk.parse(built.content());
        assertThat(report.parts().get(2).contentType()).isEqualTo("text/rfc822-headers");
        assertThat(report.parts().get(2).body()).contains("Message-ID: <1@example.org>").doesNotContain("xxx");
        assertThat(report.parts().get(0).body()).contains("header of your message is attached");
    }

    @Test
    void headerLongerThanTheLimitIsCutAtALineEnd() throws IOException {
        byte[] header = DsnReport.header(new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)), 60);
        assertThat(new String(header, StandardCharsets.US_ASCII))
                .isEqualTo("From: alice@example.org\r\nTo: bob@example.net\r\n");
        byte[] lf = DsnReport.header(new ByteArrayInputStream("A: 1\nB: 2\n\nbody\n".getBytes(StandardCharsets.US_ASCII)), 100);
        assertThat(new String(lf, StandardCharsets.US_ASCII)).isEqualTo("A: 1\nB: 2\n");
    }

    @Test
    void delayWarningHasWillRetryUntil() throws IOException {
        Envelope env = envelope(null, null, Recipient.of("bob@example.net"));
        DsnReport.Notice notice = new DsnReport.Notice("mx.example.org", "MAILER-DAEMON@mx.example.org",
                env.sender(), env, List.of(new DsnReport.RecipientStatus("bob@example.net", null,
                DsnReport.Action.DELAYED, "4.4.1", "connect to mx.example.net[192.0.2.1]:25: Connection refused", null)),
                Instant.parse("2026-03-07T10:00:00Z"), NOW, ZoneOffset.UTC);
        MimeWalk report = MimeWalk.parse(DsnReport.build(notice,
                new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)), DsnReport.Returned.HEADERS, 50000).content());
        assertThat(report.header("Subject")).containsIgnoringCase("delayed");
        assertThat(report.parts().get(0).body()).contains("only a warning");
        Map<String, String> rcpt = report.parts().get(1).statusGroups().get(1);
        assertThat(rcpt).containsEntry("action", "delayed").containsEntry("status", "4.4.1")
                .containsEntry("diagnostic-code", "X-Postern; connect to mx.example.net[192.0.2.1]:25: Connection refused");
        assertThat(rcpt.get("will-retry-until")).startsWith("Sat, 7 Mar 2026 10:00:00 +0000");
        assertThat(report.parts().get(2).contentType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void nonAsciiAddressesMakeAGlobalReport() throws IOException {
        Envelope env = new Envelope("0123456789ABC", "jörg@example.org", List.of(Recipient.of("zoë@example.net")),
                ARRIVAL, Envelope.ClientInfo.UNKNOWN, ORIGINAL.length(), null, null, Envelope.BodyType.EIGHT_BIT_MIME,
                true, Map.of());
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("zoë@example.net", null,
                DsnReport.Action.FAILED, "5.1.1", "no such user", NOW)), DsnReport.Returned.FULL, 50000, ORIGINAL);
        assertThat(built.international()).isTrue();
        MimeWalk report = MimeWalk.parse(built.content());
        assertThat(report.parts().get(1).contentType()).isEqualTo("message/global-delivery-status");
        assertThat(report.parts().get(1).statusGroups().get(1)).containsEntry("final-recipient", "utf-8; zoë@example.net");
        assertThat(report.parts().get(2).contentType()).isEqualTo("message/global");
    }

    @Test
    void longDiagnosticIsFolded() throws IOException {
        String text = "host mx.example.net[192.0.2.1] said: 550 5.7.1 " + "blocked ".repeat(40).trim();
        Envelope env = envelope(null, null, Recipient.of("bob@example.net"));
        DsnReport.Built built = build(env, List.of(new DsnReport.RecipientStatus("bob@example.net", null,
                DsnReport.Action.FAILED, "5.7.1", text, NOW)), DsnReport.Returned.FULL, 50000, ORIGINAL);
        String status = MimeWalk.parse(built.content()).parts().get(1).body();
        assertThat(status.split("\r\n")).allMatch(l -> l.length() <= 78);
        assertThat(MimeWalk.parse(built.content()).parts().get(1).statusGroups().get(1).get("diagnostic-code"))
                .isEqualTo("smtp; 550 5.7.1 " + "blocked ".repeat(40).trim());
    }
}
