package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postern.spf.SpfResult;

/** check_spf (docs/spf.md, RFC 7208 sections 2.3, 2.4, 8, 9.1) against the loopback test DNS server. */
class CheckSpfTest {

    static PolicyFixture fx;

    static final String RCPT = "smtpd_recipient_restrictions = reject_unauth_destination, check_spf\n";
    static final String DEFAULT_EXP = "The domain's SPF record does not designate this host as a permitted sender";

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
        txt("example.test", "v=spf1 ip4:198.51.100.0/24 -all");
        txt("fail.example", "v=spf1 -all");
        txt("exp.example", "v=spf1 -all exp=why.exp.example");
        txt("why.exp.example", "%{i} is not one of %{d}'s designated mail servers.");
        txt("soft.example", "v=spf1 ~all");
        txt("neutral.example", "v=spf1 ?all");
        txt("perm.example", "v=spf1 foo:bar -all");
        txt("six.example", "v=spf1 ip6:2001:db8::/32 -all");
        txt("badhelo.example", "v=spf1 -all");
        txt("goodhelo.example", "v=spf1 ip4:198.51.100.7 -all");
        fx.dns.servfail("temp.example");
    }

    private static void txt(String name, String text) {
        fx.dns.add(name, "TXT", "\"" + text + "\"");
    }

    private static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    private static Decision rcpt(String cf, Facts facts) {
        return fx.engine(cf).newSession().rcpt(facts);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            alice@example.test | ACCEPT
            a@fail.example     | 550 5.7.23 <bob@example.test>: Recipient address rejected: SPF fail: The domain's SPF record does not designate this host as a permitted sender
            a@exp.example      | 550 5.7.23 <bob@example.test>: Recipient address rejected: SPF fail: 198.51.100.7 is not one of exp.example's designated mail servers.
            a@soft.example     | ACCEPT
            a@neutral.example  | ACCEPT
            a@none.example     | ACCEPT
            a@perm.example     | ACCEPT
            """)
    void replies(String sender, String expected) {
        assertThat(show(rcpt(RCPT, new Facts().from(sender)))).isEqualTo(expected);
    }

    @Test
    void tempErrorIsDeferIfPermitByDefault() {
        String reply = show(rcpt(RCPT, new Facts().from("a@temp.example")));
        assertThat(reply).startsWith("450 4.7.24 <bob@example.test>: Recipient address rejected: SPF temperror: ");
        // defer_if_permit (section 1.4): a later reject wins over the deferral
        assertThat(show(rcpt("smtpd_recipient_restrictions = reject_unauth_destination, check_spf, reject\n",
                new Facts().from("a@temp.example"))))
                .isEqualTo("554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied");
        assertThat(show(rcpt(RCPT + "spf_tempfail_action = defer\n", new Facts().from("a@temp.example"))))
                .startsWith("450 4.7.24 ");
        Decision d = rcpt(RCPT + "spf_tempfail_action = dunno\n", new Facts().from("a@temp.example"));
        assertThat(show(d)).isEqualTo("ACCEPT");
        assertThat(d.actions().prepend().getFirst()).startsWith("Received-SPF: temperror (mx.example.test: ")
                .contains(" identity=mailfrom; problem=");
    }

    @Test
    void permErrorRejectsWhenConfigured() {
        assertThat(show(rcpt(RCPT + "spf_permerror_action = reject\n", new Facts().from("a@perm.example"))))
                .startsWith("550 5.7.24 <a@perm.example>: Recipient address rejected: SPF permerror: ".replace(
                        "<a@perm.example>", "<bob@example.test>"));
    }

    @Test
    void receivedSpfHeaders() {
        Decision d = rcpt(RCPT, new Facts());
        assertThat(d.actions().prepend()).containsExactly(
                "Received-SPF: pass (mx.example.test: domain of alice@example.test designates 198.51.100.7 as "
                        + "permitted sender) client-ip=198.51.100.7; envelope-from=\"alice@example.test\"; "
                        + "helo=laptop.example.net; receiver=mx.example.test; identity=mailfrom; "
                        + "mechanism=\"ip4:198.51.100.0/24\";",
                "Received-SPF: none (mx.example.test: domain of postmaster@laptop.example.net does not designate "
                        + "permitted sender hosts) client-ip=198.51.100.7; helo=laptop.example.net; "
                        + "receiver=mx.example.test; identity=helo;");
        Decision soft = rcpt(RCPT + "spf_helo_reject = no\n", new Facts().from("a@soft.example"));
        assertThat(soft.actions().prepend()).containsExactly(
                "Received-SPF: softfail (mx.example.test: domain of transitioning a@soft.example does not designate "
                        + "198.51.100.7 as permitted sender) client-ip=198.51.100.7; envelope-from=\"a@soft.example\"; "
                        + "helo=laptop.example.net; receiver=mx.example.test; identity=mailfrom; mechanism=~all;");
    }

    @Test
    void ipv6ClientAddressIsQuoted() {
        Facts facts = new Facts().client("2001:db8::7", "laptop.isp.example").from("a@six.example");
        Decision d = rcpt(RCPT + "spf_helo_reject = no\n", facts);
        assertThat(show(d)).isEqualTo("ACCEPT");
        assertThat(d.actions().prepend().getFirst()).startsWith("Received-SPF: pass ")
                .contains(" client-ip=\"2001:db8::7\"; envelope-from=\"a@six.example\";");
    }

    @Test
    void evaluatedOncePerTransactionAndHeaderAddedOnce() {
        PolicySession s = fx.engine(RCPT).newSession();
        Facts facts = new Facts();
        assertThat(show(s.rcpt(facts))).isEqualTo("ACCEPT");
        int queries = fx.dns.queries().size();
        assertThat(queries).isPositive();
        Decision second = s.rcpt(facts.to("alice@example.test"));
        assertThat(show(second)).isEqualTo("ACCEPT");
        assertThat(fx.dns.queries()).hasSize(queries);
        assertThat(second.actions().prepend()).hasSize(2);
        assertThat(s.spfOutcomes()).extracting(o -> o.identity() + " " + o.verdict().result())
                .containsExactly("mailfrom pass", "helo none");

        // a new transaction checks the new sender; the HELO identity is not checked again
        s.resetTransaction();
        assertThat(show(s.rcpt(facts.from("a@soft.example")))).isEqualTo("ACCEPT");
        List<String> more = fx.dns.queries().subList(queries, fx.dns.queries().size());
        assertThat(more).containsExactly("soft.example TXT");
        assertThat(s.spfOutcomes().getFirst().verdict().result()).isEqualTo(SpfResult.SOFTFAIL);
    }

    @Test
    void heloFail() {
        Facts facts = new Facts().helo("badhelo.example");
        assertThat(show(rcpt(RCPT, facts))).isEqualTo(
                "550 5.7.23 <bob@example.test>: Recipient address rejected: SPF fail for HELO badhelo.example: " + DEFAULT_EXP);
        fx.dns.clear();
        zone();
        Decision d = rcpt(RCPT + "spf_helo_reject = no\n", facts);
        assertThat(show(d)).isEqualTo("ACCEPT");
        assertThat(d.actions().prepend()).singleElement().asString().contains("identity=mailfrom");
        assertThat(fx.dns.queries()).doesNotContain("badhelo.example TXT");
    }

    @Test
    void nullSenderChecksPostmasterAtHelo() {
        String cf = RCPT + "spf_helo_reject = no\n";
        assertThat(show(rcpt(cf, new Facts().from("").helo("badhelo.example")))).isEqualTo(
                "550 5.7.23 <bob@example.test>: Recipient address rejected: SPF fail for HELO badhelo.example: " + DEFAULT_EXP);
        fx.dns.clear();
        zone();
        Decision d = rcpt(RCPT, new Facts().from("").helo("goodhelo.example"));
        assertThat(show(d)).isEqualTo("ACCEPT");
        assertThat(d.actions().prepend()).containsExactly("Received-SPF: pass (mx.example.test: domain of "
                + "postmaster@goodhelo.example designates 198.51.100.7 as permitted sender) client-ip=198.51.100.7; "
                + "helo=goodhelo.example; receiver=mx.example.test; identity=helo; mechanism=\"ip4:198.51.100.7\";");
        assertThat(fx.dns.queries()).containsExactly("goodhelo.example TXT");
    }

    @Test
    void senderListUsesItsNameAndClass() {
        assertThat(show(rcpt("smtpd_sender_restrictions = check_spf\n", new Facts().from("a@fail.example"))))
                .isEqualTo("550 5.7.23 <a@fail.example>: Sender address rejected: SPF fail: " + DEFAULT_EXP);
    }

    @Test
    void permittedClientsAreNotChecked() {
        String cf = "smtpd_recipient_restrictions = permit_sasl_authenticated, permit_mynetworks, "
                + "reject_unauth_destination, check_spf\nsmtpd_sasl_auth_enable = yes\nmynetworks = 203.0.113.0/24\n";
        Decision sasl = rcpt(cf, new Facts().login("alice").from("a@fail.example"));
        Decision mynet = rcpt(cf, new Facts().client("203.0.113.5", "relay.example").from("a@fail.example"));
        Decision loopback = rcpt(RCPT, new Facts().client("127.0.0.1", "localhost").from("a@fail.example"));
        for (Decision d : List.of(sasl, mynet, loopback)) {
            assertThat(show(d)).isEqualTo("ACCEPT");
            assertThat(d.actions().prepend()).isEmpty();
        }
        assertThat(fx.dns.queries()).isEmpty();
        assertThat(show(rcpt(cf, new Facts().from("a@fail.example")))).startsWith("550 5.7.23 ");
    }

    @Test
    void noHeaderWhenRejected() {
        Decision d = rcpt(RCPT, new Facts().from("a@fail.example"));
        assertThat(d.actions().prepend()).isEmpty();
    }

    @Test
    void heloStageWithoutDelayReject() {
        String cf = "smtpd_delay_reject = no\nsmtpd_helo_restrictions = check_spf\n";
        Facts facts = new Facts().helo("badhelo.example");
        facts.sender = null;
        facts.recipient = null;
        assertThat(show(fx.engine(cf).newSession().helo(facts))).isEqualTo(
                "550 5.7.23 <badhelo.example>: Helo command rejected: SPF fail for HELO badhelo.example: " + DEFAULT_EXP);

        // an accepted HELO identity gets its header in the transaction that follows
        PolicySession s = fx.engine(cf).newSession();
        Facts good = new Facts().helo("goodhelo.example");
        good.sender = null;
        good.recipient = null;
        assertThat(show(s.helo(good))).isEqualTo("ACCEPT");
        s.resetTransaction();
        Decision rcpt = s.rcpt(good.from("alice@example.test").to("bob@example.test"));
        assertThat(rcpt.actions().prepend()).singleElement().asString()
                .startsWith("Received-SPF: pass ").contains("identity=helo;");
    }

    @Test
    void explainShowsTheSpfTrace() {
        PolicyTraceTest.Recorder r = new PolicyTraceTest.Recorder();
        fx.engine(RCPT + "spf_helo_reject = no\n").newSession(r).rcpt(new Facts().from("a@fail.example"));
        assertThat(r.lines).contains("note check_spf: identity mailfrom <a@fail.example>: fail")
                .anyMatch(l -> l.startsWith("note ") && l.contains("-all"))
                .anyMatch(l -> l.startsWith("check_spf -> REJECT 550 5.7.23 "));
    }
}
