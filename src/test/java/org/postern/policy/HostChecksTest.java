package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HELO syntax checks (section 2.3, 13), non-FQDN addresses (2.4, 2.5) and mynetworks (4.3). */
class HostChecksTest {

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String helo(String restriction, String helo) {
        Decision d = fx.engine("smtpd_helo_restrictions = " + restriction + "\n").newSession().rcpt(new Facts().helo(helo));
        return d.reply() == null ? "ACCEPT" : d.reply().toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            reject_invalid_helo_hostname  | laptop.example.net | ACCEPT
            reject_invalid_helo_hostname  | laptop.example.net. | ACCEPT
            reject_invalid_helo_hostname  | laptop             | ACCEPT
            reject_invalid_helo_hostname  | 1.2.3.4            | ACCEPT
            reject_invalid_helo_hostname  | bad_host!          | 501 5.5.2 <bad_host!>: Helo command rejected: Invalid name
            reject_invalid_helo_hostname  | -bad.example       | 501 5.5.2 <-bad.example>: Helo command rejected: Invalid name
            reject_invalid_helo_hostname  | a..example         | 501 5.5.2 <a..example>: Helo command rejected: Invalid name
            reject_invalid_helo_hostname  | 1.2.3              | 501 5.5.2 <1.2.3>: Helo command rejected: Invalid name
            reject_invalid_helo_hostname  | [1.2.3.4]          | ACCEPT
            reject_invalid_helo_hostname  | [IPv6:2001:db8::1] | ACCEPT
            reject_invalid_helo_hostname  | [1.2.3]            | 501 5.5.2 <[1.2.3]>: Helo command rejected: invalid ip address
            reject_invalid_hostname       | bad_host!          | 501 5.5.2 <bad_host!>: Helo command rejected: Invalid name
            reject_non_fqdn_helo_hostname | laptop.example.net | ACCEPT
            reject_non_fqdn_helo_hostname | laptop             | 504 5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname
            reject_non_fqdn_helo_hostname | 1.2.3.4            | 504 5.5.2 <1.2.3.4>: Helo command rejected: need fully-qualified hostname
            reject_non_fqdn_helo_hostname | [1.2.3.4]          | ACCEPT
            reject_non_fqdn_helo_hostname | [x]                | 501 5.5.2 <[x]>: Helo command rejected: invalid ip address
            reject_non_fqdn_hostname      | laptop             | 504 5.5.2 <laptop>: Helo command rejected: need fully-qualified hostname
            """)
    void heloSyntax(String restriction, String helo, String expected) {
        assertThat(helo(restriction, helo)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            alice@example.test    | ACCEPT
            alice@[192.0.2.1]     | ACCEPT
            alice                 | 504 5.5.2 <alice>: Sender address rejected: need fully-qualified address
            alice@localhost       | 504 5.5.2 <alice@localhost>: Sender address rejected: need fully-qualified address
            alice@bad_domain!.com | 504 5.5.2 <alice@bad_domain!.com>: Sender address rejected: need fully-qualified address
            ''                    | ACCEPT
            """)
    void nonFqdnSender(String sender, String expected) {
        Decision d = fx.engine("smtpd_sender_restrictions = reject_non_fqdn_sender\n").newSession()
                .rcpt(new Facts().from(sender));
        assertThat(d.reply() == null ? "ACCEPT" : d.reply().toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 | 127.0.0.5          | x          | ACCEPT
            127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 | ::1                | x          | ACCEPT
            127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 | ::ffff:127.0.0.1   | x          | ACCEPT
            127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 | 198.51.100.7       | x          | REJECT
            !198.51.100.7 198.51.100.0/24                | 198.51.100.7       | x          | REJECT
            !198.51.100.7 198.51.100.0/24                | 198.51.100.8       | x          | ACCEPT
            [2001:db8::]/32                              | 2001:db8::25       | x          | ACCEPT
            example.net                                  | 192.0.2.1          | a.example.net | ACCEPT
            example.net                                  | 192.0.2.1          | unknown    | REJECT
            192.0.2.1                                    | 192.0.2.1          | x          | ACCEPT
            """)
    void mynetworks(String mynetworks, String address, String name, String expected) {
        Decision d = fx.engine("mynetworks = " + mynetworks + "\nsmtpd_client_restrictions = permit_mynetworks, reject\n")
                .newSession().rcpt(new Facts().client(address, name));
        assertThat(d.result() == Decision.Result.REJECT ? "REJECT" : "ACCEPT").isEqualTo(expected);
    }

    @Test
    void mynetworksFromFilesAndTables() {
        String file = fx.file("nets", "# trusted\n203.0.113.0/24\n").toString();
        String cidr = fx.file("nets.cidr", "198.51.100.0/24 ok\n").toString();
        String cf = "mynetworks = " + file + " cidr:" + cidr + "\nsmtpd_client_restrictions = permit_mynetworks, reject\n";
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().client("203.0.113.9", "x")).result())
                .isEqualTo(Decision.Result.ACCEPT);
        assertThat(fx.engine(cf).newSession().rcpt(new Facts()).result()).isEqualTo(Decision.Result.ACCEPT);
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().client("192.0.2.1", "x")).result())
                .isEqualTo(Decision.Result.REJECT);
    }

    @Test
    void permitInetInterfacesAndLiteralDomains() {
        String cf = "inet_interfaces = 192.0.2.25\nsmtpd_client_restrictions = permit_inet_interfaces, reject\n";
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().client("192.0.2.25", "x")).result())
                .isEqualTo(Decision.Result.ACCEPT);
        assertThat(fx.engine(cf).newSession().rcpt(new Facts()).result()).isEqualTo(Decision.Result.REJECT);
    }

    @Test
    void addressClassifier() throws Exception {
        var p = fx.params("""
                mydestination = localhost, $myhostname
                virtual_alias_domains = alias.example
                relay_domains = relay.example
                inet_interfaces = 192.0.2.25
                """);
        var c = new AddressClassifier(p, new org.postern.lookup.LookupTables(
                new org.postern.lookup.TableContext(fx.dir, () -> fx.accounts)));
        assertThat(c.classify("MX.example.test")).isEqualTo(AddressClassifier.AddressClass.LOCAL);
        assertThat(c.classify("[192.0.2.25]")).isEqualTo(AddressClassifier.AddressClass.LOCAL);
        assertThat(c.classify("alias.example")).isEqualTo(AddressClassifier.AddressClass.VIRTUAL_ALIAS);
        assertThat(c.classify("example.test")).isEqualTo(AddressClassifier.AddressClass.VIRTUAL_MAILBOX);
        assertThat(c.classify("sub.relay.example")).isEqualTo(AddressClassifier.AddressClass.RELAY);
        assertThat(c.classify("sub.example.test")).isEqualTo(AddressClassifier.AddressClass.DEFAULT);
        assertThat(c.isAuthorizedDestination("<x@sub.relay.example>")).isTrue();
        assertThat(c.isAuthorizedDestination("a!x@relay.example")).isFalse();
        assertThat(c.isAuthorizedDestination("x@elsewhere.example")).isFalse();
    }
}
