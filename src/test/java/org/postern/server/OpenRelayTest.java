package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.Await;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.RelayTricks;
import org.postern.testing.ScriptedSmtpServer;

/**
 * Postern with its default relay policy is not an open relay: every classic relay trick
 * ({@link RelayTricks}: percent hack, bang paths, source routes, quoted local parts hiding an
 * "@", trailing dots, address literals, upper case, two "@"s...) sent to port 25 by a client
 * that is neither in mynetworks nor logged in is refused at RCPT, and nothing for the victim
 * ever reaches the next hop. The same forms from a mynetworks client or from a user logged in
 * on 587 are relayed, so the test can tell an open relay from a closed one.
 *
 * <p>One Postern ({@link TestPostern}: mynetworks 192.0.2.0/24, the test client connects from
 * 127.0.0.1; example.test hosted with alice and bob) with the default
 * {@code smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
 * defer_unauth_destination}, Postfix 3.7's default. Its relayhost is a {@link ScriptedSmtpServer}
 * on loopback standing in for the rest of the world: whatever Postern relays arrives there.
 *
 * <p>The replies are Postfix's: {@code DifferentialTest} configuration (m) sends the same forms
 * to a real Postfix 3.7 and compares (the two-"@" forms aside: Postern refuses them as bad
 * syntax, Postfix as relaying, see docs/postfix-differences.md).
 */
class OpenRelayTest {

    @TempDir
    static Path dir;
    static ScriptedSmtpServer nextHop;
    static TestPostern postern;

    /** The envelope sender of the stranger's transactions: how the next hop's log is attributed. */
    static final String STRANGER = "stranger@sender.example";
    static final String TRUSTED = "trusted@office.example";

    /**
     * What a stranger gets for each trick. {@code defer_unauth_destination} answers 454 (the
     * client may try again later, e.g. once it has logged in); the reply shows the address as
     * Postfix does, unquoted and without its source route. Two "@"s and all-numeric domains are
     * bad syntax; names that are this host's own (mydestination, its address literal) are local,
     * where the unknown user is refused.
     */
    static final Map<String, String> STRANGER_REPLIES = table("""
            <victim@remote.example>                                | 454 4.7.1 <victim@remote.example>: Relay access denied
            <VICTIM@REMOTE.EXAMPLE>                                | 454 4.7.1 <VICTIM@REMOTE.EXAMPLE>: Relay access denied
            victim@remote.example                                  | 454 4.7.1 <victim@remote.example>: Relay access denied
            < victim@remote.example >                              | 454 4.7.1 <victim@remote.example>: Relay access denied
            <victim@remote.example.>                               | 454 4.7.1 <victim@remote.example.>: Relay access denied
            <victim%remote.example@example.test>                   | 454 4.7.1 <victim%remote.example@example.test>: Relay access denied
            <VICTIM%REMOTE.EXAMPLE@EXAMPLE.TEST>                   | 454 4.7.1 <VICTIM%REMOTE.EXAMPLE@EXAMPLE.TEST>: Relay access denied
            <victim%remote.example@example.test.>                  | 454 4.7.1 <victim%remote.example@example.test.>: Relay access denied
            <victim%remote.example@[127.0.0.1]>                    | 454 4.7.1 <victim%remote.example@[127.0.0.1]>: Relay access denied
            <victim%remote.example@localhost>                      | 454 4.7.1 <victim%remote.example@localhost>: Relay access denied
            <victim%remote.example>                                | 454 4.7.1 <victim%remote.example>: Relay access denied
            <victim%remote.example%example.test@example.test>      | 454 4.7.1 <victim%remote.example%example.test@example.test>: Relay access denied
            <remote.example!victim@example.test>                   | 454 4.7.1 <remote.example!victim@example.test>: Relay access denied
            <remote.example!victim>                                | 454 4.7.1 <remote.example!victim>: Relay access denied
            <remote.example!victim@[127.0.0.1]>                    | 454 4.7.1 <remote.example!victim@[127.0.0.1]>: Relay access denied
            <@example.test:victim@remote.example>                  | 454 4.7.1 <victim@remote.example>: Relay access denied
            <@example.test,@other.example:victim@remote.example>   | 454 4.7.1 <victim@remote.example>: Relay access denied
            <@[127.0.0.1]:victim@remote.example>                   | 454 4.7.1 <victim@remote.example>: Relay access denied
            <"victim@remote.example"@example.test>                 | 454 4.7.1 <victim@remote.example@example.test>: Relay access denied
            <"victim@remote.example">                              | 454 4.7.1 <victim@remote.example>: Relay access denied
            <"victim@remote.example"@[127.0.0.1]>                  | 454 4.7.1 <victim@remote.example@[127.0.0.1]>: Relay access denied
            <"victim%remote.example"@example.test>                 | 454 4.7.1 <victim%remote.example@example.test>: Relay access denied
            <victim@remote.example@example.test>                   | 501 5.1.3 Bad recipient address syntax
            <victim@example.test@remote.example>                   | 501 5.1.3 Bad recipient address syntax
            <victim@[203.0.113.9]>                                 | 454 4.7.1 <victim@[203.0.113.9]>: Relay access denied
            <victim@[IPv6:2001:db8::1]>                            | 454 4.7.1 <victim@[IPv6:2001:db8::1]>: Relay access denied
            <victim@[127.0.0.1]>                                   | 550 5.1.1 <victim@[127.0.0.1]>: Recipient address rejected: User unknown in local recipient table
            <victim@127.0.0.1>                                     | 501 5.1.3 Bad recipient address syntax
            <victim@203.0.113.9>                                   | 501 5.1.3 Bad recipient address syntax
            <victim@localhost>                                     | 550 5.1.1 <victim@localhost>: Recipient address rejected: User unknown in local recipient table
            <victim@mx.example.test>                               | 550 5.1.1 <victim@mx.example.test>: Recipient address rejected: User unknown in local recipient table
            <>                                                     | 501 5.1.3 Bad recipient address syntax
            """);

    /**
     * Forms that look like tricks but name a hosted mailbox: accepted from anyone, as by
     * Postfix (a trailing dot and a source route are dropped, domains are case-insensitive),
     * and delivered into alice's Maildir.
     */
    static final List<String> LOCAL_LOOKALIKES = List.of(
            "<alice@example.test.>", "<ALICE@EXAMPLE.TEST>", "<@remote.example:alice@example.test>");

    /**
     * Tricks that an authorised client may use to relay, as with Postfix, and the recipient the
     * next hop then gets: the source route dropped (RFC 5321 Appendix C), the quoted local part
     * passed on as the client wrote it.
     */
    static final Map<String, String> RELAYED_FOR_TRUSTED = table("""
            <victim@remote.example>                 | victim@remote.example
            <VICTIM@REMOTE.EXAMPLE>                 | VICTIM@REMOTE.EXAMPLE
            <@example.test:victim@remote.example>   | victim@remote.example
            <"victim@remote.example">               | "victim@remote.example"
            <victim@[203.0.113.9]>                  | victim@[203.0.113.9]
            <victim@[IPv6:2001:db8::1]>             | victim@[IPv6:2001:db8::1]
            """);

    @BeforeAll
    static void start() throws Exception {
        nextHop = new ScriptedSmtpServer("127.0.0.1");
        postern = TestPostern.start(dir, "relayhost = [127.0.0.1]:" + nextHop.port() + "\n");
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
        if (nextHop != null) {
            nextHop.close();
        }
    }

    @Test
    void everyTrickFromAStrangerIsRefusedAndNothingReachesTheNextHop() throws Exception {
        assertThat(STRANGER_REPLIES.keySet()).as("an expected reply for every trick")
                .containsExactlyInAnyOrderElementsOf(RelayTricks.ALL.stream().map(RelayTricks::argument).toList());
        int mark = SmtpTests.mark(postern);
        List<String> wrong = new ArrayList<>();
        List<String> queueIds = new ArrayList<>();
        for (RelayTricks trick : RelayTricks.ALL) {
            try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
                assertThat(c.command("MAIL FROM:<" + STRANGER + ">")).isEqualTo("250 2.1.0 Ok");
                String reply = c.command("RCPT TO:" + trick.argument());
                String expected = STRANGER_REPLIES.get(trick.argument());
                if (!reply.equals(expected)) {
                    wrong.add(trick.name() + ": RCPT TO:" + trick.argument() + " -> " + reply + " (expected " + expected + ")");
                }
                // A hosted recipient in the same transaction: a message is really queued, and
                // the refused recipient must not have slipped into its envelope.
                assertThat(c.command("RCPT TO:<bob@example.test>")).isEqualTo("250 2.1.5 Ok");
                queueIds.add(SmtpTests.queuedId(send(c, STRANGER, trick.name())));
                c.command("QUIT");
            }
        }
        assertThat(wrong).as("replies to a stranger's relay tricks").isEmpty();

        Await.await(() -> postern.server().spool().list().isEmpty(), "every message delivered");
        String log = SmtpTests.logSince(postern, mark);
        for (String id : queueIds) {
            assertThat(deliveries(log, id)).as("deliveries of %s", id).containsExactly("bob@example.test relay=virtual");
        }
        assertThat(postern.messages("bob@example.test")).hasSizeGreaterThanOrEqualTo(RelayTricks.ALL.size());
        assertThat(relayedRecipients(STRANGER)).as("recipients the next hop got from the stranger's mail").isEmpty();
    }

    @Test
    void lookalikesOfAHostedMailboxAreDeliveredLocallyNotRelayed() throws Exception {
        int mark = SmtpTests.mark(postern);
        for (String form : LOCAL_LOOKALIKES) {
            try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
                assertThat(c.command("MAIL FROM:<" + STRANGER + ">")).isEqualTo("250 2.1.0 Ok");
                assertThat(c.command("RCPT TO:" + form)).as("RCPT TO:%s", form).isEqualTo("250 2.1.5 Ok");
                String id = SmtpTests.queuedId(send(c, STRANGER, "lookalike " + form));
                postern.awaitMessage("alice@example.test", "Subject: relay test lookalike " + form);
                Await.await(() -> deliveries(logSince(mark), id).size() == 1, "the delivery of " + id);
                assertThat(deliveries(logSince(mark), id)).first().asString().endsWith(" relay=virtual");
            }
        }
        assertThat(relayedRecipients(STRANGER)).isEmpty();
    }

    @Test
    void theSameTricksFromAMynetworksClientAreRelayed() throws Exception {
        for (Map.Entry<String, String> e : RELAYED_FOR_TRUSTED.entrySet()) {
            int before = countOf(relayedRecipients(TRUSTED), e.getValue());
            try (RawSmtpClient c = SmtpTests.openEhlo(postern.smtpPort())) {
                // XCLIENT (allowed from 127.0.0.0/8 in TestPostern) makes the client 192.0.2.5,
                // inside mynetworks.
                assertThat(c.command("XCLIENT ADDR=192.0.2.5 NAME=[UNAVAILABLE]")).startsWith("220 ");
                assertThat(c.command("EHLO office.example")).startsWith("250");
                assertThat(c.command("MAIL FROM:<" + TRUSTED + ">")).isEqualTo("250 2.1.0 Ok");
                assertThat(c.command("RCPT TO:" + e.getKey())).as("RCPT TO:%s", e.getKey()).isEqualTo("250 2.1.5 Ok");
                SmtpTests.queuedId(send(c, TRUSTED, "mynetworks " + e.getKey()));
            }
            awaitRelayed(TRUSTED, e.getValue(), before);
        }
    }

    @Test
    void theSameTricksFromALoggedInUserAreRelayed() throws Exception {
        String sender = "alice@example.test";
        String credentials = Base64.getEncoder().encodeToString(
                ("\0" + sender + "\0" + TestPostern.PASSWORD).getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, String> e : RELAYED_FOR_TRUSTED.entrySet()) {
            int before = countOf(relayedRecipients(sender), e.getValue());
            try (RawSmtpClient c = SmtpTests.openEhlo(postern.submissionPort())) {
                assertThat(c.command("STARTTLS")).startsWith("220 ");
                c.startTls();
                assertThat(c.command("EHLO laptop.example")).contains("AUTH");
                assertThat(c.command("AUTH PLAIN " + credentials)).startsWith("235 ");
                assertThat(c.command("MAIL FROM:<" + sender + ">")).isEqualTo("250 2.1.0 Ok");
                assertThat(c.command("RCPT TO:" + e.getKey())).as("RCPT TO:%s", e.getKey()).isEqualTo("250 2.1.5 Ok");
                SmtpTests.queuedId(send(c, sender, "submission " + e.getKey()));
            }
            awaitRelayed(sender, e.getValue(), before);
        }
    }

    @Test
    void aStrangerOnTheSubmissionPortCannotRelayEither() throws Exception {
        try (RawSmtpClient c = SmtpTests.openEhlo(postern.submissionPort())) {
            assertThat(c.command("STARTTLS")).startsWith("220 ");
            c.startTls();
            assertThat(c.command("EHLO laptop.example")).startsWith("250");
            assertThat(c.command("MAIL FROM:<" + STRANGER + ">")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<victim@remote.example>"))
                    .isEqualTo("554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Sends DATA and a small message; returns the final reply. */
    private static String send(RawSmtpClient c, String from, String subject) throws IOException {
        assertThat(c.command("DATA")).startsWith("354 ");
        return c.command("From: <" + from + ">\r\nTo: <bob@example.test>\r\nSubject: relay test " + subject
                + "\r\nMessage-ID: <" + Math.abs(subject.hashCode()) + "." + System.nanoTime() + "@sender.example>\r\n\r\n"
                + "Is this an open relay?\r\n.");
    }

    private static final Pattern DELIVERY = Pattern.compile("\\b([0-9A-F]+): to=<([^>]*)>, (?:orig_to=<[^>]*>, )?relay=([^,]+),");

    /** "recipient relay=X" for every delivery attempt the log shows for the queue ID. */
    private static List<String> deliveries(String log, String queueId) {
        List<String> out = new ArrayList<>();
        Matcher m = DELIVERY.matcher(log);
        while (m.find()) {
            if (m.group(1).equals(queueId)) {
                out.add(m.group(2) + " relay=" + m.group(3));
            }
        }
        return out;
    }

    private static String logSince(int mark) {
        try {
            return SmtpTests.logSince(postern, mark);
        } catch (IOException e) {
            return "";
        }
    }

    /** The RCPT TO addresses the next hop got in transactions whose MAIL FROM was {@code sender}. */
    private static List<String> relayedRecipients(String sender) {
        List<String> out = new ArrayList<>();
        for (List<String> session : nextHop.sessions()) {
            String mailFrom = null;
            for (String line : session) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("MAIL FROM:")) {
                    mailFrom = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                } else if (upper.startsWith("RCPT TO:") && sender.equalsIgnoreCase(mailFrom)) {
                    out.add(line.substring(line.indexOf('<') + 1, line.lastIndexOf('>')));
                }
            }
        }
        return out;
    }

    /** Waits until the next hop has got {@code recipient} from {@code sender} more than {@code before} times. */
    private static void awaitRelayed(String sender, String recipient, int before) throws InterruptedException {
        Await.await(() -> countOf(relayedRecipients(sender), recipient) > before,
                () -> recipient + " from " + sender + " relayed to the next hop; it got " + nextHop.sessions());
    }

    private static int countOf(List<String> list, String value) {
        return (int) list.stream().filter(value::equals).count();
    }

    /** "key | value" lines, keys and values trimmed, in order. */
    private static Map<String, String> table(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.strip().split("\n")) {
            int bar = line.indexOf(" | ");
            out.put(line.substring(0, bar).strip(), line.substring(bar + 3).strip());
        }
        return out;
    }
}
