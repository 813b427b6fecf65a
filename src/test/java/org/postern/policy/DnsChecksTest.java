package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DNS-based restrictions (sections 2.2 to 2.5, 2.7, 13) against the loopback test DNS server. */
class DnsChecksTest {

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void zone() {
        fx.dns.clear();
        fx.dns.add("good.example", "MX", "10 mx.good.example.");
        fx.dns.add("mx.good.example", "A", "192.0.2.10");
        fx.dns.add("aonly.example", "A", "192.0.2.11");
        fx.dns.add("nullmx.example", "MX", "0 .");
        fx.dns.add("numeric.example", "MX", "10 192.0.2.12.");
        fx.dns.add("txtonly.example", "TXT", "v=spf1 -all");
        fx.dns.servfail("broken.example");
    }

    static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            a@good.example     | ACCEPT
            a@aonly.example    | ACCEPT
            a@numeric.example  | ACCEPT
            a@nx.example       | 450 4.1.8 <a@nx.example>: Sender address rejected: Domain not found
            a@txtonly.example  | 450 4.1.8 <a@txtonly.example>: Sender address rejected: Domain not found
            a@nullmx.example   | 550 5.7.27 <a@nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)
            a@broken.example   | 450 4.1.8 <a@broken.example>: Sender address rejected: Domain not found
            a@[192.0.2.1]      | ACCEPT
            ''                 | ACCEPT
            """)
    void unknownSenderDomain(String sender, String expected) {
        assertThat(show(fx.engine("smtpd_sender_restrictions = reject_unknown_sender_domain\n").newSession()
                .rcpt(new Facts().from(sender)))).isEqualTo(expected);
    }

    @Test
    void unknownRecipientDomain() {
        String cf = "relay_domains = nx.example, nullmx.example\nsmtpd_recipient_restrictions = reject_unknown_recipient_domain\n";
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().to("x@nx.example"))))
                .isEqualTo("450 4.1.2 <x@nx.example>: Recipient address rejected: Domain not found");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().to("x@nullmx.example"))))
                .isEqualTo("556 5.1.10 <x@nullmx.example>: Recipient address rejected: Domain nullmx.example does not accept mail (nullMX)");
        assertThat(show(fx.engine(cf + "unknown_address_reject_code = 550\n").newSession().rcpt(new Facts().to("x@nx.example"))))
                .isEqualTo("550 5.1.2 <x@nx.example>: Recipient address rejected: Domain not found");
        // a final domain is not looked up
        fx.dns.servfail("example.test");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts()))).isEqualTo("ACCEPT");
        assertThat(fx.dns.queries()).noneMatch(q -> q.startsWith("example.test"));
    }

    @Test
    void unknownHeloHostname() {
        String cf = "smtpd_helo_restrictions = reject_unknown_helo_hostname\n";
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().helo("mx.good.example")))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().helo("nullmx.example")))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().helo("nx.example"))))
                .isEqualTo("450 4.7.1 <nx.example>: Helo command rejected: Host not found");
        // tempfail: defer_if_permit by default, so a later reject wins and otherwise the 450 comes at the end
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().helo("broken.example"))))
                .isEqualTo("450 4.7.1 <broken.example>: Helo command rejected: Host not found");
        assertThat(show(fx.engine(cf + "smtpd_recipient_restrictions = reject\n").newSession()
                .rcpt(new Facts().helo("broken.example")))).startsWith("554 5.7.1 <bob@example.test>");
        // under warn_if_reject the tempfail only logs
        Decision warned = fx.engine("smtpd_helo_restrictions = warn_if_reject, reject_unknown_helo_hostname\n").newSession()
                .rcpt(new Facts().helo("broken.example"));
        assertThat(show(warned)).isEqualTo("ACCEPT");
        assertThat(warned.log().getFirst()).contains("reject_warning: RCPT from");
    }

    @Test
    void rblClient() {
        fx.dns.add("7.100.51.198.zen.example", "A", "127.0.0.2");
        fx.dns.add("7.100.51.198.zen.example", "TXT", "\"Listed for spam\"");
        String cf = "smtpd_client_restrictions = reject_rbl_client zen.example\n";
        Decision d = fx.engine(cf).newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.example; Listed for spam");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().client("198.51.100.8", "x")))).isEqualTo("ACCEPT");
        // filters
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rbl_client zen.example=127.0.0.[3..5]\n").newSession()
                .rcpt(new Facts()))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rbl_client zen.example=127.0.0.[1;2..5]\n").newSession()
                .rcpt(new Facts()))).startsWith("554 5.7.1 Service unavailable; Client host [198.51.100.7]");
        // rbl_reply_maps, keyed by domain=filter then domain
        String replies = fx.file("rbl_replies", "zen.example $rbl_code 5.7.9 go away $client_address ($rbl_reason)\n").toString();
        assertThat(show(fx.engine(cf + "rbl_reply_maps = texthash:" + replies + "\n")
                .newSession().rcpt(new Facts()))).isEqualTo("554 5.7.9 go away 198.51.100.7 (Listed for spam)");
        assertThat(show(fx.engine(cf + "rbl_reply_maps = inline:{{zen.example=bad template}}\n").newSession()
                .rcpt(new Facts()))).isEqualTo("450 4.7.1 Service unavailable");
        // no TXT record: no reason part
        fx.dns.add("7.100.51.198.notxt.example", "A", "127.0.0.4");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rbl_client notxt.example\nmaps_rbl_reject_code = 550\n")
                .newSession().rcpt(new Facts())))
                .isEqualTo("550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using notxt.example");
        // a DNS error is DUNNO
        fx.dns.servfail("7.100.51.198.down.example");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rbl_client down.example\n").newSession()
                .rcpt(new Facts()))).isEqualTo("ACCEPT");
    }

    @Test
    void rblIpv6Nibbles() {
        fx.dns.add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example", "A", "127.0.0.2");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rbl_client zen.example\n").newSession()
                .rcpt(new Facts().client("2001:db8::1", "x"))))
                .isEqualTo("554 5.7.1 Service unavailable; Client host [2001:db8::1] blocked using zen.example");
    }

    @Test
    void rhsbl() {
        fx.dns.add("isp.example.dbl.example", "A", "127.0.1.2");
        fx.dns.add("bad.example.dbl.example", "A", "127.0.1.2");
        assertThat(show(fx.engine("smtpd_sender_restrictions = reject_rhsbl_sender dbl.example\n").newSession()
                .rcpt(new Facts().from("x@bad.example"))))
                .isEqualTo("554 5.7.1 Service unavailable; Sender address [x@bad.example] blocked using dbl.example");
        assertThat(show(fx.engine("smtpd_helo_restrictions = reject_rhsbl_helo dbl.example\n").newSession()
                .rcpt(new Facts().helo("isp.example"))))
                .isEqualTo("554 5.7.1 Service unavailable; Helo command [isp.example] blocked using dbl.example");
        fx.dns.add("laptop.isp.example.dbl.example", "A", "127.0.1.2");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rhsbl_reverse_client dbl.example\n").newSession()
                .rcpt(new Facts())))
                .isEqualTo("554 5.7.1 Service unavailable; Unverified Client host [laptop.isp.example] blocked using dbl.example");
        // unknown name: skipped
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_rhsbl_client dbl.example\n").newSession()
                .rcpt(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM)))).isEqualTo("ACCEPT");
    }

    @Test
    void dnswl() {
        fx.dns.add("7.100.51.198.wl.example", "A", "127.0.2.1");
        String cf = "smtpd_relay_restrictions = permit_dnswl_client wl.example, reject_unauth_destination\n"
                + "smtpd_recipient_restrictions = permit_dnswl_client wl.example, reject\n";
        // permits for a local recipient, never for relaying
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts()))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().to("x@example.net"))))
                .isEqualTo("554 5.7.1 <x@example.net>: Relay access denied");
        // a tempfail raises defer_if_reject
        fx.dns.servfail("7.100.51.198.wlfail.example");
        assertThat(show(fx.engine("smtpd_recipient_restrictions = permit_dnswl_client wlfail.example, reject\n").newSession()
                .rcpt(new Facts()))).isEqualTo("450 4.7.1 <198.51.100.7>: Client host rejected: Service unavailable");
    }

    @Test
    void mxAccess() {
        String cf = "smtpd_sender_restrictions = check_sender_mx_access inline:{{mx.good.example=REJECT bad mx}, {192.0.2.12=REJECT bad ip}}\n";
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().from("x@good.example"))))
                .isEqualTo("554 5.7.1 <x@good.example>: Sender address rejected: bad mx");
        fx.dns.add("viaaddr.example", "MX", "10 host.viaaddr.example.");
        fx.dns.add("host.viaaddr.example", "A", "192.0.2.12");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().from("x@viaaddr.example"))))
                .isEqualTo("554 5.7.1 <x@viaaddr.example>: Sender address rejected: bad ip");
        assertThat(show(fx.engine("smtpd_sender_restrictions = check_sender_mx_access inline:{mx.good.example=OK}\n")
                .newSession().rcpt(new Facts().from("x@good.example")))).isEqualTo("451 4.3.5 Server configuration error");
    }

    @Test
    void permitMxBackup() {
        fx.dns.add("backup.example", "MX", "10 primary.backup.example.");
        fx.dns.add("backup.example", "MX", "20 mx.example.test.");
        fx.dns.add("primary.backup.example", "A", "203.0.113.5");
        fx.dns.add("mx.example.test", "A", "192.0.2.25");
        String cf = "inet_interfaces = 192.0.2.25\nsmtpd_relay_restrictions = permit_mx_backup, reject_unauth_destination\n";
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().to("x@backup.example")))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine(cf + "permit_mx_backup_networks = 198.51.100.0/24\n").newSession()
                .rcpt(new Facts().to("x@backup.example")))).isEqualTo("554 5.7.1 <x@backup.example>: Relay access denied");
        assertThat(show(fx.engine(cf).newSession().rcpt(new Facts().to("x@good.example"))))
                .isEqualTo("554 5.7.1 <x@good.example>: Relay access denied");
    }

    @Test
    void rblTemplateWithUnknownMacro() {
        // Postfix 3.7 (DifferentialDnsTest r): a map template naming an unknown macro is bad and
        // default_rbl_reply is used; a bad default_rbl_reply is a configuration error.
        fx.dns.add("7.100.51.198.zen.example", "A", "127.0.0.2");
        String cf = "smtpd_client_restrictions = reject_rbl_client zen.example\n";
        String replies = fx.file("bad_rbl_replies", "zen.example $rbl_code listed ($rbl_result)\n").toString();
        assertThat(show(fx.engine(cf + "rbl_reply_maps = texthash:" + replies + "\n")
                .newSession().rcpt(new Facts()))).startsWith("554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.example");
        assertThat(show(fx.engine(cf + "default_rbl_reply = $rbl_code listed ($no_such_macro)\n")
                .newSession().rcpt(new Facts()))).isEqualTo("451 4.3.5 Server configuration error");
        assertThat(show(fx.engine(cf + "default_rbl_reply = $rbl_code 5.7.9 listed: $client\n")
                .newSession().rcpt(new Facts()))).isEqualTo("554 5.7.9 listed: laptop.isp.example[198.51.100.7]");
    }

    @Test
    void rhsblNameWithTrailingDotIsNotListed() {
        fx.dns.add("bad.example.dbl.example", "A", "127.0.1.2");
        assertThat(show(fx.engine("smtpd_helo_restrictions = reject_rhsbl_helo dbl.example\n").newSession()
                .rcpt(new Facts().helo("bad.example.")))).isEqualTo("ACCEPT");
        assertThat(show(fx.engine("smtpd_sender_restrictions = reject_rhsbl_sender dbl.example\n").newSession()
                .rcpt(new Facts().from("x@bad.example.")))).isEqualTo("ACCEPT");
    }

    @Test
    void nullMxAmongOtherRecords() {
        fx.dns.add("mixed.example", "MX", "10 mx.good.example.").add("mixed.example", "MX", "20 .");
        assertThat(show(fx.engine("smtpd_sender_restrictions = reject_unknown_sender_domain\n").newSession()
                .rcpt(new Facts().from("a@mixed.example"))))
                .isEqualTo("550 5.7.27 <a@mixed.example>: Sender address rejected: Domain mixed.example does not accept mail (nullMX)");
    }

    @Test
    void bareAddressHeloIsLookedUpAsAName() {
        assertThat(show(fx.engine("smtpd_helo_restrictions = reject_unknown_helo_hostname\n").newSession()
                .rcpt(new Facts().helo("198.51.100.2"))))
                .isEqualTo("450 4.7.1 <198.51.100.2>: Helo command rejected: Host not found");
        assertThat(show(fx.engine("smtpd_helo_restrictions = reject_unknown_helo_hostname\n").newSession()
                .rcpt(new Facts().helo("[198.51.100.2]")))).isEqualTo("ACCEPT");
    }

    @Test
    void serverChecksOfAddressLiterals() {
        String table = " inline:{{192.0.2.66=REJECT server address blocked}}\n";
        // MX and A checks use the literal's address; an address has no name server.
        assertThat(show(fx.engine("smtpd_sender_restrictions = check_sender_mx_access" + table).newSession()
                .rcpt(new Facts().from("x@[192.0.2.66]"))))
                .isEqualTo("554 5.7.1 <x@[192.0.2.66]>: Sender address rejected: server address blocked");
        assertThat(show(fx.engine("smtpd_sender_restrictions = check_sender_a_access" + table).newSession()
                .rcpt(new Facts().from("x@[192.0.2.66]"))))
                .isEqualTo("554 5.7.1 <x@[192.0.2.66]>: Sender address rejected: server address blocked");
        assertThat(show(fx.engine("smtpd_sender_restrictions = check_sender_ns_access" + table).newSession()
                .rcpt(new Facts().from("x@[192.0.2.66]")))).isEqualTo("ACCEPT");
    }

    @Test
    void lookupsAreCachedPerSession() {
        PolicySession s = fx.engine("smtpd_sender_restrictions = reject_unknown_sender_domain\n").newSession();
        s.rcpt(new Facts().from("a@good.example"));
        s.rcpt(new Facts().from("a@good.example").to("alice@example.test"));
        assertThat(fx.dns.queries().stream().filter(q -> q.startsWith("good.example")).count()).isEqualTo(1);
    }
}
