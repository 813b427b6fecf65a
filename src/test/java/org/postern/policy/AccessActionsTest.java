package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Access tables: key search orders (sections 3.1, 3.2) and every action of section 3.3. */
class AccessActionsTest {

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** check_sender_access with a texthash table holding one line, for sender {@code from}. */
    Decision sender(String line, String from) {
        String file = fx.file("access" + Math.abs(line.hashCode()), line + "\n").toString();
        return fx.engine("smtpd_sender_restrictions = check_sender_access texthash:" + file + "\n"
                + "smtpd_recipient_restrictions = reject_non_fqdn_recipient\n").newSession().rcpt(new Facts().from(from));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            bad.example REJECT                           | 554 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied
            bad.example reject                           | 554 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied
            bad.example REJECT 5.1.8 Bad sender domain   | 554 5.1.8 <spammer@bad.example>: Sender address rejected: Bad sender domain
            bad.example REJECT go away                   | 554 5.7.1 <spammer@bad.example>: Sender address rejected: go away
            bad.example DEFER                            | 450 4.7.1 <spammer@bad.example>: Sender address rejected: Access denied
            bad.example DEFER 4.2.0 later                | 450 4.2.0 <spammer@bad.example>: Sender address rejected: later
            bad.example 550 5.7.0 Go away                | 550 5.7.0 <spammer@bad.example>: Sender address rejected: Go away
            bad.example 553 5.7.1                        | 553 5.7.1 <spammer@bad.example>: Sender address rejected: Access denied
            bad.example 451 try later                    | 451 4.7.1 <spammer@bad.example>: Sender address rejected: try later
            bad.example 550                              | ACCEPT
            bad.example 12345                            | ACCEPT
            bad.example OK                               | ACCEPT
            bad.example RELAY                            | ACCEPT
            bad.example DUNNO                            | ACCEPT
            bad.example DEFER_IF_PERMIT                  | 450 4.7.1 <spammer@bad.example>: Sender address rejected: Service unavailable
            bad.example DEFER_IF_PERMIT 4.7.24 SPF temp  | 450 4.7.24 <spammer@bad.example>: Sender address rejected: SPF temp
            bad.example DEFER_IF_REJECT                  | ACCEPT
            bad.example reject_unauth_destination        | 554 5.7.1 <bob@example.test>: Relay access denied
            bad.example permit_auth_destination          | ACCEPT
            bad.example 550 5.1.1 no such user           | 550 5.1.7 <spammer@bad.example>: Sender address rejected: no such user
            """)
    void actions(String line, String expected) {
        Decision d = sender(line, "spammer@bad.example");
        String got = d.reply() == null ? d.result().toString() : d.reply().toString();
        if (line.contains("reject_unauth_destination")) {
            d = fx.engine("smtpd_sender_restrictions = check_sender_access texthash:"
                    + fx.file("ra", line + "\n") + "\n").newSession().rcpt(new Facts().from("spammer@bad.example")
                    .to("bob@example.net"));
            got = d.reply().toString();
            expected = "554 5.7.1 <bob@example.net>: Relay access denied";
        }
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void parentDomainsAndKeyOrder() {
        // a parent-domain match (section 3.3 lab)
        assertThat(sender("bad.example 550 5.7.0 Go away", "x@sub.bad.example").reply().toString())
                .isEqualTo("550 5.7.0 <x@sub.bad.example>: Sender address rejected: Go away");
        // without smtpd_access_maps in parent_domain_matches_subdomains only .domain keys match parents
        String file = fx.file("dots", "bad.example REJECT\n.bad.example DEFER\n").toString();
        Decision d = fx.engine("parent_domain_matches_subdomains =\nsmtpd_sender_restrictions = check_sender_access texthash:"
                + file + "\n").newSession().rcpt(new Facts().from("x@sub.bad.example"));
        assertThat(d.reply().code()).isEqualTo(450);
        // user+ext@domain, user@domain, domain, parents, user+ext@, user@
        String order = fx.file("order", "alice@ REJECT 5.7.1 by user@\nexample.test DUNNO\n").toString();
        assertThat(fx.engine("recipient_delimiter = +\nsmtpd_sender_restrictions = check_sender_access texthash:" + order + "\n")
                .newSession().rcpt(new Facts().from("alice+x@example.test")).result()).isEqualTo(Decision.Result.ACCEPT);
        assertThat(fx.engine("recipient_delimiter = +\nsmtpd_sender_restrictions = check_sender_access texthash:" + order + "\n")
                .newSession().rcpt(new Facts().from("alice+x@other.example")).reply().toString())
                .isEqualTo("554 5.7.1 <alice+x@other.example>: Sender address rejected: by user@");
    }

    @Test
    void nullSenderUsesTheNullAccessLookupKey() {
        String file = fx.file("null", "<> REJECT no bounces\n").toString();
        assertThat(fx.engine("smtpd_sender_restrictions = check_sender_access texthash:" + file + "\n")
                .newSession().rcpt(new Facts().from("")).reply().toString())
                .isEqualTo("554 5.7.1 <>: Sender address rejected: no bounces");
        assertThat(fx.engine("smtpd_null_access_lookup_key = <null>\nsmtpd_sender_restrictions = check_sender_access texthash:"
                + file + "\n").newSession().rcpt(new Facts().from("")).result()).isEqualTo(Decision.Result.ACCEPT);
    }

    @Test
    void clientKeysNameThenAddressAndDunnoStopsTheTable() {
        String file = fx.file("clients", "198.51.100.7 OK\n198.51.100 REJECT\nisp.example DUNNO\n").toString();
        String cf = "smtpd_client_restrictions = check_client_access texthash:" + file + ", reject\n";
        // the name's parent isp.example says DUNNO: the address is not looked up, then "reject"
        assertThat(fx.engine(cf).newSession().rcpt(new Facts()).reply().toString())
                .isEqualTo("554 5.7.1 <laptop.isp.example[198.51.100.7]>: Client host rejected: Access denied");
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().client("198.51.100.7", "unknown")).result())
                .isEqualTo(Decision.Result.ACCEPT);
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().client("198.51.100.8", "unknown")).reply().toString())
                .isEqualTo("554 5.7.1 <unknown[198.51.100.8]>: Client host rejected: Access denied");
        // a cidr table and a bare table in the client list (implicit check_client_access)
        String cidr = fx.file("c.cidr", "198.51.100.0/24 REJECT cidr says no\n").toString();
        assertThat(fx.engine("smtpd_client_restrictions = cidr:" + cidr + "\n").newSession().rcpt(new Facts())
                .reply().toString()).isEqualTo("554 5.7.1 <laptop.isp.example[198.51.100.7]>: Client host rejected: cidr says no");
    }

    @Test
    void heloAndReverseClientAccess() {
        assertThat(fx.engine("smtpd_helo_restrictions = check_helo_access inline:{example.net=REJECT}\n").newSession()
                .rcpt(new Facts()).reply().toString()).isEqualTo("554 5.7.1 <laptop.example.net>: Helo command rejected: Access denied");
        assertThat(fx.engine("smtpd_client_restrictions = check_reverse_client_hostname_access inline:{isp.example=REJECT}\n")
                .newSession().rcpt(new Facts()).reply().toString())
                .isEqualTo("554 5.7.1 <laptop.isp.example>: Unverified Client host rejected: Access denied");   // lab: name only
        // OK is not allowed there
        assertThat(fx.engine("smtpd_client_restrictions = check_reverse_client_hostname_access inline:{isp.example=OK}\n")
                .newSession().rcpt(new Facts()).reply().toString()).isEqualTo("451 4.3.5 Server configuration error");
    }

    @Test
    void recipientOkIsIgnoredForSourceRoutedAddresses() {
        String cf = "smtpd_relay_restrictions = check_recipient_access inline:{example.test=OK}, reject_unauth_destination\n";
        assertThat(fx.engine(cf).newSession().rcpt(new Facts().to("x%evil.example@example.test")).reply().toString())
                .isEqualTo("554 5.7.1 <x%evil.example@example.test>: Relay access denied");
    }

    @Test
    void sideActions() {
        PolicySession s = fx.engine("""
                smtpd_sender_restrictions = check_sender_access inline:{{alice@example.test=HOLD}}
                smtpd_recipient_restrictions = check_recipient_access inline:{ {bob@example.test=FILTER smtp:[127.0.0.1]:10025}, \
                {carol@example.test=BCC audit@example.test}, {dan@example.test=PREPEND X-Tag: yes}, \
                {eve@example.test=REDIRECT bob@example.test} }, permit
                """).newSession();
        Decision d = s.rcpt(new Facts());
        assertThat(d.result()).isEqualTo(Decision.Result.ACCEPT);
        assertThat(d.actions().hold()).isEqualTo("triggers HOLD action");
        assertThat(d.actions().filter()).isEqualTo("smtp:[127.0.0.1]:10025");
        assertThat(d.log()).containsExactly(
                "NOQUEUE: hold: RCPT from laptop.isp.example[198.51.100.7]: <alice@example.test>: Sender address triggers "
                        + "HOLD action; from=<alice@example.test> to=<bob@example.test> proto=ESMTP helo=<laptop.example.net>",
                "NOQUEUE: filter: RCPT from laptop.isp.example[198.51.100.7]: <bob@example.test>: Recipient address triggers "
                        + "FILTER smtp:[127.0.0.1]:10025; from=<alice@example.test> to=<bob@example.test> proto=ESMTP "
                        + "helo=<laptop.example.net>");
        s.rcpt(new Facts().to("carol@example.test"));
        s.rcpt(new Facts().to("dan@example.test"));
        d = s.rcpt(new Facts().to("eve@example.test"));
        assertThat(d.actions().bcc()).containsExactly("audit@example.test");
        assertThat(d.actions().prepend()).containsExactly("X-Tag: yes");
        assertThat(d.actions().redirect()).isEqualTo("bob@example.test");
        s.resetTransaction();
        assertThat(s.rcpt(new Facts().from("x@example.test").to("alice@example.test")).actions()).isEqualTo(Decision.Actions.NONE);
    }

    @Test
    void discardEndsEvaluationForTheTransaction() {
        PolicySession s = fx.engine("""
                smtpd_client_restrictions = check_client_access inline:{198.51.100.7=DISCARD}
                smtpd_recipient_restrictions = reject
                """).newSession();
        Decision d = s.rcpt(new Facts().to("nobody@example.test"));
        assertThat(d.result()).isEqualTo(Decision.Result.DISCARD);
        assertThat(d.actions().discard()).isTrue();
        assertThat(d.log().getFirst()).startsWith("NOQUEUE: discard: RCPT from laptop.isp.example[198.51.100.7]: "
                + "<laptop.isp.example[198.51.100.7]>: Client host triggers DISCARD action;");
    }

    @Test
    void warnAndInfoOnlyLog() {
        Decision d = fx.engine("smtpd_sender_restrictions = check_sender_access inline:{{warn.example=WARN sender from warn.example}}\n")
                .newSession().rcpt(new Facts().client("127.0.0.1", "localhost").from("x@warn.example"));
        assertThat(d.result()).isEqualTo(Decision.Result.ACCEPT);
        // section 1.8 example line
        assertThat(d.log()).containsExactly("NOQUEUE: warn: RCPT from localhost[127.0.0.1]: sender from warn.example; "
                + "from=<x@warn.example> to=<bob@example.test> proto=ESMTP helo=<laptop.example.net>");
    }

    @Test
    void modifyingActionsIgnoredAtConnectAndInEtrn() {
        Facts f = new Facts();
        f.heloName = null;
        f.sender = null;
        f.recipient = null;
        Decision d = fx.engine("smtpd_delay_reject = no\nsmtpd_client_restrictions = check_client_access inline:{198.51.100.7=HOLD}\n")
                .newSession().connect(f);
        assertThat(d.actions().hold()).isNull();
        assertThat(d.log().getFirst()).startsWith("warning: ");
    }

    @Test
    void accessLookupErrorIsAConfigurationError() {
        fx.accounts.down = true;
        try {
            assertThat(fx.engine("smtpd_sender_restrictions = check_sender_access postern:aliases\n").newSession()
                    .rcpt(new Facts()).reply().toString())
                    .isEqualTo("451 4.3.5 <alice@example.test>: Sender address rejected: Server configuration error");
        } finally {
            fx.accounts.down = false;
        }
    }
}
