package org.postern.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dns.DnsResolver;
import java.util.Optional;
import org.postern.lookup.LookupTable;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;
import org.postern.testing.ScriptedSmtpServer;
import org.postern.testing.TestDnsServer;
import org.postern.tls.ServerTls;
import org.postern.tls.TlsProtocols;

/**
 * The smtp transport against scripted servers on 127.0.0.x, with MX and A records from a
 * loopback DNS server: results and texts as Postfix's smtp writes them.
 */
class SmtpTransportTest {

    private static final String MESSAGE = "From: a@client.test\r\nTo: user@remote.test\r\nSubject: hi\r\n\r\n"
            + "Hello\r\n.leading dot\r\n";

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private TestDnsServer dns;
    private ScriptedSmtpServer mx;
    private int port;
    private String relay;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        mx = new ScriptedSmtpServer("127.0.0.2");
        port = mx.port();
        relay = "mx.remote.test[127.0.0.2]:" + port;
        dns.add("remote.test", "MX", "10 mx.remote.test.");
        dns.add("mx.remote.test", "A", "127.0.0.2");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        mx.close();
        dns.close();
    }

    private SmtpTransport transport(SmtpClientSettings settings) {
        return transport(settings, null, null);
    }

    private SmtpTransport transport(SmtpClientSettings settings, LookupTable policies, LookupTable passwords) {
        DnsResolver resolver = DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(2));
        SmtpTransport t = new SmtpTransport("smtp", resolver, settings, policies, passwords, new Random(1));
        closeLater.add(t);
        return t;
    }

    /** A fixed-string table over a map (keys in lower case, as Postfix's indexed tables). */
    static LookupTable table(Map<String, String> entries) {
        return new LookupTable() {
            @Override
            public String spec() {
                return "test:" + entries.keySet();
            }

            @Override
            public Optional<String> find(String key) {
                return Optional.ofNullable(entries.get(key));
            }

            @Override
            public boolean fixedString() {
                return true;
            }
        };
    }

    private SmtpClientSettings settings() {
        return SmtpClientSettings.defaults("client.test").withDefaultPort(port);
    }

    private static Envelope envelope(String... recipients) {
        List<Recipient> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(Recipient.of(r));
        }
        return Envelope.of("4ABCDE", "sender@client.test", rcpts, Instant.now(), Envelope.ClientInfo.UNKNOWN)
                .withSize(MESSAGE.length());
    }

    private static List<Transport.Delivery> deliver(SmtpTransport t, Envelope e, String nexthop) {
        Transport.Content content = () -> new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8));
        return t.deliver(e, content, nexthop, e.recipients());
    }

    @Test
    void deliversToTheMxAndReportsItsReply() {
        List<Transport.Delivery> results = deliver(transport(settings()), envelope("user@remote.test"), "remote.test");

        assertThat(results).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
            assertThat(d.dsn()).isEqualTo("2.0.0");
            assertThat(d.text()).isEqualTo("250 2.0.0 Ok: queued as SCRIPTED1");
            assertThat(d.relay()).isEqualTo(relay);
        });
        assertThat(mx.commands()).containsExactly("EHLO client.test",
                "MAIL FROM:<sender@client.test> SIZE=" + MESSAGE.length(), "RCPT TO:<user@remote.test>", "DATA");
        assertThat(mx.messages()).containsExactly(MESSAGE); // dot-stuffed on the wire, intact at the other end
    }

    @Test
    void permanentRecipientRefusalBouncesWithTheServersWords() {
        mx.rcptReply = rcpt -> rcpt.contains("nobody") ? "550 5.1.1 <nobody@remote.test>: Recipient address rejected: User unknown"
                : "250 2.1.5 Ok";
        List<Transport.Delivery> results = deliver(transport(settings()),
                envelope("nobody@remote.test", "user@remote.test"), "remote.test");

        assertThat(results.get(0).status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(results.get(0).dsn()).isEqualTo("5.1.1");
        assertThat(results.get(0).text()).isEqualTo("host mx.remote.test[127.0.0.2] said: 550 5.1.1 "
                + "<nobody@remote.test>: Recipient address rejected: User unknown (in reply to RCPT TO command)");
        assertThat(results.get(1).status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(mx.messages()).hasSize(1);
    }

    @Test
    void temporaryRefusalDefers() {
        mx.rcptReply = rcpt -> "451 4.3.0 try later";
        List<Transport.Delivery> results = deliver(transport(settings()), envelope("user@remote.test"), "remote.test");

        assertThat(results).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
            assertThat(d.dsn()).isEqualTo("4.3.0");
            assertThat(d.text()).isEqualTo("host mx.remote.test[127.0.0.2] said: 451 4.3.0 try later (in reply to RCPT TO command)");
        });
    }

    @Test
    void refusedEndOfDataIsQuotedWithItsCommand() {
        mx.endReply = "554 5.7.1 Message rejected as spam";
        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(d.text()).isEqualTo("host mx.remote.test[127.0.0.2] said: 554 5.7.1 Message rejected as spam "
                + "(in reply to end of DATA command)");
    }

    @Test
    void unreachableServerDefers() {
        mx.close();
        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.4.1");
        assertThat(d.text()).isEqualTo("connect to " + relay + ": Connection refused");
        assertThat(d.relay()).isEqualTo("none");
    }

    @Test
    void nullMxBouncesAtOnceWithoutConnecting() {
        dns.clear();
        dns.add("remote.test", "MX", "0 .");
        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(d.dsn()).isEqualTo("5.1.10");
        assertThat(d.text()).isEqualTo("Domain remote.test does not accept mail (nullMX)");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void dnsFailuresDeferOrBounceAsPostfixDoes() {
        dns.servfail("broken.test");
        Transport.Delivery temp = deliver(transport(settings()), envelope("user@broken.test"), "broken.test").getFirst();
        assertThat(temp.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(temp.dsn()).isEqualTo("4.4.3");
        assertThat(temp.text()).isEqualTo("Host or domain name not found. Name service error for name=broken.test type=MX: "
                + "Host not found, try again");

        Transport.Delivery missing = deliver(transport(settings()), envelope("user@nowhere.test"), "nowhere.test").getFirst();
        assertThat(missing.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(missing.dsn()).isEqualTo("5.4.4");
        assertThat(missing.text()).isEqualTo("Host or domain name not found. Name service error for name=nowhere.test type=MX: "
                + "Host not found");
    }

    @Test
    void domainWithoutMxIsItsOwnMailExchanger() {
        dns.add("plain.test", "A", "127.0.0.2");
        Transport.Delivery d = deliver(transport(settings()), envelope("user@plain.test"), "plain.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(d.relay()).isEqualTo("plain.test[127.0.0.2]:" + port);
    }

    @Test
    void triesTheNextMxWhenOneIsDownOrRefusesToTalk() throws Exception {
        ScriptedSmtpServer busy = new ScriptedSmtpServer("127.0.0.3", port);
        closeLater.add(busy);
        busy.greeting = "421 4.3.2 Service not available, too busy";
        dns.clear();
        dns.add("remote.test", "MX", "5 down.remote.test.");
        dns.add("remote.test", "MX", "10 busy.remote.test.");
        dns.add("remote.test", "MX", "20 mx.remote.test.");
        dns.add("down.remote.test", "A", "127.0.0.4");
        dns.add("busy.remote.test", "A", "127.0.0.3");
        dns.add("mx.remote.test", "A", "127.0.0.2");
        SmtpClientSettings threeSessions = new SmtpClientSettings("client.test", SmtpClientSettings.Timeouts.DEFAULT,
                null, null, true, true, "any", port, 5, 3, true, Duration.ofSeconds(2), Duration.ofSeconds(300),
                TlsLevel.MAY, false, false, true, true, SmtpClientSettings.TlsVerification.DEFAULT);

        Transport.Delivery d = deliver(transport(threeSessions), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(d.relay()).isEqualTo(relay);
        assertThat(busy.connections()).isEqualTo(1);
    }

    @Test
    void lastMxFailureIsTheReasonWhenAllFail() throws Exception {
        ScriptedSmtpServer busy = new ScriptedSmtpServer("127.0.0.3", port);
        closeLater.add(busy);
        busy.greeting = "421 4.3.2 Service not available, too busy";
        dns.clear();
        dns.add("remote.test", "MX", "10 busy.remote.test.");
        dns.add("busy.remote.test", "A", "127.0.0.3");

        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.3.2");
        assertThat(d.text()).isEqualTo("host busy.remote.test[127.0.0.3] refused to talk to me: "
                + "421 4.3.2 Service not available, too busy");
    }

    @Test
    void bracketedNextHopSkipsTheMxLookup() {
        Transport.Delivery d = deliver(transport(settings()), envelope("user@elsewhere.test"),
                "[127.0.0.2]:" + port).getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(d.relay()).isEqualTo("127.0.0.2[127.0.0.2]:" + port);
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void withoutStarttlsMayDeliversInTheClearAndEncryptWaits() {
        Transport.Delivery clear = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();
        assertThat(clear.status()).isEqualTo(Recipient.Status.DELIVERED);

        Transport.Delivery encrypted = deliver(transport(settings().withTlsLevel(TlsLevel.ENCRYPT)),
                envelope("user@remote.test"), "remote.test").getFirst();
        assertThat(encrypted.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(encrypted.dsn()).isEqualTo("4.7.4");
        assertThat(encrypted.text()).isEqualTo("TLS is required, but was not offered by host mx.remote.test[127.0.0.2]");
    }

    @Test
    void tlsPolicyMapsOverrideTheLevelPerDestination() {
        LookupTable policies = table(Map.of("remote.test", "encrypt"));
        Transport.Delivery d = deliver(transport(settings(), policies, null), envelope("user@remote.test"), "remote.test").getFirst();
        assertThat(d.text()).startsWith("TLS is required, but was not offered");

        LookupTable parent = table(Map.of(".test", "none"));
        Transport.Delivery none = deliver(transport(settings().withTlsLevel(TlsLevel.ENCRYPT), parent, null),
                envelope("user@remote.test"), "remote.test").getFirst();
        assertThat(none.status()).isEqualTo(Recipient.Status.DELIVERED);
    }

    @Test
    void startsTlsWhenOfferedAndSaysEhloAgain(@TempDir Path dir) throws Exception {
        mx.tls = ServerTls.selfSigned(dir, "mx.remote.test", TlsProtocols.defaults());
        Transport.Delivery d = deliver(transport(settings().withTlsLevel(TlsLevel.ENCRYPT)),
                envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(mx.commands()).startsWith("EHLO client.test", "STARTTLS", "EHLO client.test");
        assertThat(mx.messages()).containsExactly(MESSAGE);
    }

    @Test
    void messageLargerThanTheServersSizeBounces() {
        mx.extensions = List.of("PIPELINING", "SIZE 20");
        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(d.dsn()).isEqualTo("5.3.4");
        assertThat(d.text()).isEqualTo("message size " + MESSAGE.length()
                + " exceeds size limit 20 of server mx.remote.test[127.0.0.2]");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void internationalAddressNeedsSmtputf8() {
        mx.extensions = List.of("PIPELINING", "8BITMIME");
        Transport.Delivery d = deliver(transport(settings()), envelope("jörg@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(d.dsn()).isEqualTo("5.6.7");
        assertThat(d.text()).isEqualTo("SMTPUTF8 is required, but was not offered by host mx.remote.test[127.0.0.2]");
    }

    @Test
    void dsnAndBodyParametersArePassedOnWhenOffered() {
        Envelope e = new Envelope("4ABCDE", "sender@client.test",
                List.of(Recipient.of("user@remote.test", "rfc822;user+x@remote.test", Set.of(Recipient.Notify.FAILURE,
                        Recipient.Notify.DELAY))), Instant.now(), Envelope.ClientInfo.UNKNOWN, MESSAGE.length(),
                Envelope.DsnRet.HDRS, "env id+1", Envelope.BodyType.EIGHT_BIT_MIME, false, Map.of());
        deliver(transport(settings()), e, "remote.test");

        assertThat(mx.commands()).contains(
                "MAIL FROM:<sender@client.test> SIZE=" + MESSAGE.length() + " BODY=8BITMIME RET=HDRS ENVID=env+20id+2B1",
                "RCPT TO:<user@remote.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;user+2Bx@remote.test");

        mx.extensions = List.of("PIPELINING");
        deliver(transport(settings()), e, "remote.test");
        assertThat(mx.commands()).contains("MAIL FROM:<sender@client.test>", "RCPT TO:<user@remote.test>");
    }

    @Test
    void reusesAnIdleConnectionForTheNextMessage() {
        SmtpTransport t = transport(settings());
        Transport.Delivery first = deliver(t, envelope("user@remote.test"), "remote.test").getFirst();
        Transport.Delivery second = deliver(t, envelope("other@remote.test"), "remote.test").getFirst();

        assertThat(first.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(second.status()).isEqualTo(Recipient.Status.DELIVERED);
        assertThat(first.connectionUse()).isEqualTo(1);
        assertThat(second.connectionUse()).isEqualTo(2);
        assertThat(mx.connections()).isEqualTo(1);
        assertThat(mx.commands().stream().filter(c -> c.startsWith("EHLO"))).hasSize(1);
    }

    @Test
    void greetingWithOurOwnNameIsAMailLoop() {
        mx.hostname = "client.test";
        Transport.Delivery d = deliver(transport(settings()), envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.BOUNCED);
        assertThat(d.dsn()).isEqualTo("5.4.6");
        assertThat(d.text()).isEqualTo("mail for mx.remote.test loops back to myself");
    }

    @Test
    void noPasswordIsSentWithoutTlsByDefault() {
        mx.extensions = List.of("PIPELINING", "AUTH PLAIN LOGIN");
        LookupTable passwords = table(Map.of("[127.0.0.2]:" + port, "joe:s3cret"));
        SmtpClientSettings sasl = settings().withSasl(true, false, true);

        Transport.Delivery d = deliver(transport(sasl, null, passwords), envelope("user@remote.test"),
                "[127.0.0.2]:" + port).getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.7.0");
        assertThat(d.text()).isEqualTo("SASL authentication failed; cannot authenticate to server "
                + "127.0.0.2[127.0.0.2]: no mechanism available");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("AUTH"));
    }

    @Test
    void authenticatesWithPlainOverTls(@TempDir Path dir) throws Exception {
        mx.tls = ServerTls.selfSigned(dir, "mx.remote.test", TlsProtocols.defaults());
        mx.extensions = List.of("PIPELINING", "AUTH PLAIN LOGIN");
        LookupTable passwords = table(Map.of("[127.0.0.2]:" + port, "joe:s3cret"));

        Transport.Delivery d = deliver(transport(settings().withSasl(true, false, true), null, passwords),
                envelope("user@remote.test"), "[127.0.0.2]:" + port).getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DELIVERED);
        String expected = java.util.Base64.getEncoder().encodeToString("\0joe\0s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(mx.commands()).containsSubsequence("STARTTLS", "EHLO client.test", "AUTH PLAIN " + expected, "MAIL FROM:<sender@client.test>");
    }

    @Test
    void refusedAuthenticationDefers(@TempDir Path dir) throws Exception {
        mx.tls = ServerTls.selfSigned(dir, "mx.remote.test", TlsProtocols.defaults());
        mx.extensions = List.of("AUTH LOGIN");
        mx.authReply = "535 5.7.8 Error: authentication failed";
        LookupTable passwords = table(Map.of("mx.remote.test", "joe:wrong"));

        Transport.Delivery d = deliver(transport(settings().withSasl(true, false, true), null, passwords),
                envelope("user@remote.test"), "remote.test").getFirst();

        assertThat(d.status()).isEqualTo(Recipient.Status.DEFERRED);
        assertThat(d.dsn()).isEqualTo("4.7.8");
        assertThat(d.text()).isEqualTo("SASL authentication failed; server mx.remote.test[127.0.0.2] said: "
                + "535 5.7.8 Error: authentication failed");
        assertThat(mx.commands()).contains("AUTH LOGIN", "am9l");
    }
}
