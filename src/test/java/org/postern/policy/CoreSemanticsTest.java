package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Evaluation model of postfix-restrictions.md sections 1.1 to 1.7 and 13. */
class CoreSemanticsTest {

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    static String rcpt(String mainCf, Facts f) {
        return show(fx.engine(mainCf).newSession().rcpt(f));
    }

    @Test
    void rejectAtEndOfClientListUsesTheClientNameAndClass() {
        // section 1.3 lab line
        assertThat(rcpt("smtpd_client_restrictions = reject\n", new Facts().client("127.0.0.1", "localhost")))
                .isEqualTo("554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied");
    }

    @Test
    void permitEndsOnlyItsOwnList() {
        assertThat(rcpt("""
                smtpd_client_restrictions = permit
                smtpd_sender_restrictions = reject
                """, new Facts())).isEqualTo("554 5.7.1 <alice@example.test>: Sender address rejected: Access denied");
        assertThat(rcpt("""
                smtpd_recipient_restrictions = permit_mynetworks, reject
                """, new Facts().client("127.0.0.1", "localhost"))).isEqualTo("ACCEPT");
    }

    @Test
    void firstRejectEndsEverything() {
        Decision d = fx.engine("""
                smtpd_client_restrictions = defer
                smtpd_sender_restrictions = reject
                """).newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("450 4.3.2 <laptop.isp.example[198.51.100.7]>: Client host rejected: Try again later");
        assertThat(d.log()).containsExactly("NOQUEUE: reject: RCPT from laptop.isp.example[198.51.100.7]: 450 4.3.2 "
                + "<laptop.isp.example[198.51.100.7]>: Client host rejected: Try again later; from=<alice@example.test> "
                + "to=<bob@example.test> proto=ESMTP helo=<laptop.example.net>");
    }

    @Test
    void helloListSkippedWithoutHelo() {
        assertThat(rcpt("smtpd_helo_restrictions = reject\n", new Facts().helo(null))).isEqualTo("ACCEPT");
        assertThat(rcpt("smtpd_helo_restrictions = reject\n", new Facts()))
                .isEqualTo("554 5.7.1 <laptop.example.net>: Helo command rejected: Access denied");
    }

    @Test
    void postmasterIsAlwaysAccepted() {
        assertThat(rcpt("smtpd_client_restrictions = reject\n", new Facts().to("postmaster"))).isEqualTo("ACCEPT");
        assertThat(rcpt("smtpd_client_restrictions = reject\n", new Facts().to("<PostMaster>"))).isEqualTo("ACCEPT");
        assertThat(rcpt("smtpd_client_restrictions = reject\n", new Facts().to("postmaster@example.test")))
                .startsWith("554 5.7.1");
    }

    @Test
    void relayListRunsFirstByDefaultAndBothAlwaysRun() {
        String lists = """
                smtpd_relay_restrictions = defer_unauth_destination
                smtpd_recipient_restrictions = reject
                """;
        assertThat(rcpt(lists, new Facts().to("friend@example.net")))
                .isEqualTo("454 4.7.1 <friend@example.net>: Relay access denied");
        assertThat(rcpt(lists + "smtpd_relay_before_recipient_restrictions = no\n", new Facts().to("friend@example.net")))
                .isEqualTo("554 5.7.1 <friend@example.net>: Recipient address rejected: Access denied");
        // an OK in the relay list does not skip the recipient list
        assertThat(rcpt("""
                smtpd_relay_restrictions = permit_auth_destination, reject
                smtpd_recipient_restrictions = reject_non_fqdn_sender
                """, new Facts().from("alice"))).isEqualTo("504 5.5.2 <alice>: Sender address rejected: need fully-qualified address");
    }

    @Test
    void relayAccessDenied() {
        assertThat(rcpt("smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n",
                new Facts().to("friend@example.net"))).isEqualTo("554 5.7.1 <friend@example.net>: Relay access denied");
        // sender-specified routing is never an authorized destination
        assertThat(rcpt("smtpd_relay_restrictions = reject_unauth_destination\n",
                new Facts().to("friend%example.net@example.test"))).isEqualTo(
                "554 5.7.1 <friend%example.net@example.test>: Relay access denied");
        assertThat(rcpt("smtpd_relay_restrictions = reject_unauth_destination\nrelay_domains = example.org\n",
                new Facts().to("x@sub.example.org"))).isEqualTo("ACCEPT");
    }

    @Test
    void deferIfRejectSoftensALaterRejectInTheSameEvaluation() {
        // section 1.4 lab: DEFER_IF_REJECT then an unknown mailbox
        assertThat(rcpt("smtpd_recipient_restrictions = check_recipient_access inline:{dir@example.test=DEFER_IF_REJECT}\n",
                new Facts().to("dir@example.test")))
                .isEqualTo("450 4.7.1 <dir@example.test>: Recipient address rejected: Service unavailable");
        assertThat(rcpt("smtpd_recipient_restrictions = defer_if_reject, reject\n", new Facts()))
                .isEqualTo("450 4.7.0 <bob@example.test>: Recipient address rejected: defer_if_reject requested");
    }

    @Test
    void deferIfRejectDoesNotCrossLists() {
        // section 13: client-list DEFER_IF_REJECT leaves a recipient-list 5xx alone
        assertThat(rcpt("""
                smtpd_client_restrictions = check_client_access inline:{198.51.100.7=DEFER_IF_REJECT}
                smtpd_recipient_restrictions = reject
                """, new Facts())).isEqualTo("554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied");
    }

    @Test
    void deferIfPermitCarriesAcrossListsAndAppliesAtTheEnd() {
        assertThat(rcpt("smtpd_client_restrictions = defer_if_permit\n", new Facts()))
                .isEqualTo("450 4.7.0 <laptop.isp.example[198.51.100.7]>: Client host rejected: defer_if_permit requested");
        // a later reject wins over the saved defer
        assertThat(rcpt("""
                smtpd_client_restrictions = defer_if_permit
                smtpd_recipient_restrictions = reject
                """, new Facts())).isEqualTo("554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied");
        // only the first reason is kept
        assertThat(rcpt("""
                smtpd_client_restrictions = defer_if_permit
                smtpd_sender_restrictions = check_sender_access inline:{alice@example.test=DEFER_IF_PERMIT}
                """, new Facts())).startsWith("450 4.7.0 <laptop.isp.example[198.51.100.7]>");
        // lower-case action name in a table is the action, not the restriction (section 13)
        assertThat(rcpt("smtpd_sender_restrictions = check_sender_access inline:{alice@example.test=defer_if_permit}\n",
                new Facts())).isEqualTo("450 4.7.1 <alice@example.test>: Sender address rejected: Service unavailable");
    }

    @Test
    void savedDeferComesBeforeTheUnlistedRecipientCheck() {
        fx.dns.servfail("broken.example");
        // section 13: sender domain SERVFAIL plus unknown mailbox gives 450, not 550
        assertThat(rcpt("smtpd_sender_restrictions = reject_unknown_sender_domain\n",
                new Facts().from("alice@broken.example").to("nobody@example.test")))
                .isEqualTo("450 4.1.8 <alice@broken.example>: Sender address rejected: Domain not found");
        // ... but an explicit 5xx of a later list still wins
        fx.dns.add("nullmx.example", "MX", "0 .");
        assertThat(rcpt("""
                relay_domains = nullmx.example
                smtpd_sender_restrictions = reject_unknown_sender_domain
                smtpd_recipient_restrictions = reject_unknown_recipient_domain
                """, new Facts().from("alice@broken.example").to("x@nullmx.example")))
                .isEqualTo("556 5.1.10 <x@nullmx.example>: Recipient address rejected: Domain nullmx.example does not accept mail (nullMX)");
        // with unknown_address_tempfail_action = defer the tempfail rejects at once
        assertThat(rcpt("""
                unknown_address_tempfail_action = defer
                smtpd_sender_restrictions = reject_unknown_sender_domain, permit
                smtpd_recipient_restrictions = reject
                """, new Facts().from("alice@broken.example")))
                .isEqualTo("450 4.1.8 <alice@broken.example>: Sender address rejected: Domain not found");
    }

    @Test
    void warnIfRejectLogsInsteadOfRejecting() {
        Decision d = fx.engine("""
                local_recipient_maps =
                smtpd_recipient_restrictions = warn_if_reject, reject_non_fqdn_recipient, permit
                """).newSession().rcpt(new Facts().to("bob@localhost"));
        assertThat(show(d)).isEqualTo("ACCEPT");
        assertThat(d.log()).containsExactly("NOQUEUE: reject_warning: RCPT from laptop.isp.example[198.51.100.7]: "
                + "504 5.5.2 <bob@localhost>: Recipient address rejected: need fully-qualified address; "
                + "from=<alice@example.test> to=<bob@localhost> proto=ESMTP helo=<laptop.example.net>");
        // only the next restriction
        assertThat(rcpt("smtpd_recipient_restrictions = warn_if_reject, reject_non_fqdn_recipient, reject_non_fqdn_recipient\n",
                new Facts().to("bob@localhost"))).isEqualTo("504 5.5.2 <bob@localhost>: Recipient address rejected: need fully-qualified address");
        // section 2.5 lab line, on the raw RCPT address
        assertThat(rcpt("smtpd_relay_restrictions = reject_non_fqdn_recipient, reject_unauth_destination\n", new Facts().to("bob")))
                .isEqualTo("504 5.5.2 <bob>: Recipient address rejected: need fully-qualified address");
        // configuration errors are never softened
        assertThat(rcpt("smtpd_recipient_restrictions = warn_if_reject, no_such_thing\n", new Facts()))
                .isEqualTo("451 4.3.5 Server configuration error");
    }

    @Test
    void unlistedRecipient() {
        assertThat(rcpt("", new Facts().to("nobody@example.test")))
                .isEqualTo("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
        assertThat(rcpt("show_user_unknown_table_name = no\n", new Facts().to("nobody@example.test")))
                .isEqualTo("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown");
        assertThat(rcpt("smtpd_reject_unlisted_recipient = no\n", new Facts().to("nobody@example.test"))).isEqualTo("ACCEPT");
        // catch-all alias validates everyone (section 2.6 lab)
        String alias = "virtual_alias_domains = example.org\nvirtual_alias_maps = inline:{@example.org=bob@example.test}\n";
        assertThat(rcpt(alias, new Facts().to("any@example.org"))).isEqualTo("ACCEPT");
        assertThat(rcpt("virtual_alias_domains = example.org\nvirtual_alias_maps = inline:{info@example.org=bob@example.test}\n",
                new Facts().to("any@example.org")))
                .isEqualTo("550 5.1.1 <any@example.org>: Recipient address rejected: User unknown in virtual alias table");
        // explicit run: not repeated; a class ending in permit does not bypass it (section 1.2 lab)
        assertThat(rcpt("""
                smtpd_restriction_classes = ok_class
                ok_class = permit
                smtpd_recipient_restrictions = check_recipient_access inline:{nobody@example.test=ok_class}
                """, new Facts().to("nobody@example.test")))
                .isEqualTo("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table");
        // sender variant
        assertThat(rcpt("smtpd_reject_unlisted_sender = yes\n", new Facts().from("ghost@example.test")))
                .isEqualTo("550 5.1.0 <ghost@example.test>: Sender address rejected: User unknown in virtual mailbox table");
    }

    @Test
    void lookupFailureIsTemporary() {
        fx.accounts.down = true;
        try {
            assertThat(rcpt("virtual_mailbox_maps = postern:mailboxes\n", new Facts()))
                    .isEqualTo("451 4.3.0 <bob@example.test>: Temporary lookup failure");
            // the domain-class lookup too: even an external recipient (section 4.3 lab)
            assertThat(rcpt("virtual_alias_maps = postern:aliases\n", new Facts().to("friend@example.net")))
                    .isEqualTo("451 4.3.0 <friend@example.net>: Temporary lookup failure");
        } finally {
            fx.accounts.down = false;
        }
    }

    @Test
    void restrictionClassesUseTheTriggeringTablesNameAndClass() {
        String cf = """
                smtpd_restriction_classes = strict
                strict = reject
                smtpd_recipient_restrictions = check_sender_access inline:{bad.example=strict}
                """;
        assertThat(rcpt(cf, new Facts().from("x@bad.example")))
                .isEqualTo("554 5.7.1 <x@bad.example>: Sender address rejected: Access denied");
        // a class used directly in a list takes that list's name and class
        assertThat(rcpt("smtpd_restriction_classes = strict\nstrict = reject\nsmtpd_recipient_restrictions = strict\n",
                new Facts())).isEqualTo("554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied");
    }

    @Test
    void configurationErrorsAtRunTime() {
        Decision d = fx.engine("smtpd_recipient_restrictions = reject_bogus\n").newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("451 4.3.5 Server configuration error");
        assertThat(d.log()).contains("warning: unknown smtpd restriction: \"reject_bogus\"");
        assertThat(rcpt("smtpd_recipient_restrictions = check_client_access, permit\n", new Facts()))
                .isEqualTo("451 4.3.5 Server configuration error");
        assertThat(rcpt("smtpd_recipient_restrictions = sleep x\n", new Facts()))
                .isEqualTo("451 4.3.5 Server configuration error");
        assertThat(rcpt("smtpd_recipient_restrictions = check_policy_service\n", new Facts()))
                .isEqualTo("451 4.3.5 Server configuration error");
        assertThat(rcpt("smtpd_restriction_classes = loop\nloop = loop\nsmtpd_recipient_restrictions = loop\n", new Facts()))
                .isEqualTo("451 4.3.5 Server configuration error");
        // an RBL without a domain is only a warning
        assertThat(rcpt("smtpd_recipient_restrictions = reject_rbl_client\n", new Facts())).isEqualTo("ACCEPT");
        // a table inside an access value
        fx.file("nested", "bad.example permit_mynetworks, hash:/etc/postfix/x\n");
        assertThat(rcpt("smtpd_sender_restrictions = check_sender_access texthash:" + fx.dir.resolve("nested") + "\n",
                new Facts().from("x@bad.example"))).isEqualTo("451 4.3.5 Server configuration error");
    }

    @Test
    void sleepIsInjectable() {
        fx.sleeps.clear();
        assertThat(rcpt("smtpd_client_restrictions = sleep 3\n", new Facts())).isEqualTo("ACCEPT");
        assertThat(fx.sleeps).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void relaySafetyIsEnforced() {
        assertThatThrownBy(() -> fx.engine("""
                smtpd_relay_restrictions = permit_mynetworks, permit
                smtpd_recipient_restrictions = warn_if_reject, reject_unauth_destination
                """)).isInstanceOf(PolicyConfigException.class).hasMessage("fatal: in parameter smtpd_relay_restrictions "
                + "or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, "
                + "defer_unauth_destination, reject, defer, defer_if_permit or check_relay_domains");
    }

    @Test
    void delayRejectNo() {
        String cf = "smtpd_delay_reject = no\nsmtpd_client_restrictions = reject_unknown_reverse_client_hostname\n";
        PolicySession s = fx.engine(cf).newSession();
        Facts f = new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM);
        f.heloName = null;
        f.sender = null;
        f.recipient = null;
        Decision d = s.connect(f);
        assertThat(show(d)).isEqualTo("450 4.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
        assertThat(d.log()).containsExactly("NOQUEUE: reject: CONNECT from unknown[198.51.100.7]: 450 4.7.1 Client host "
                + "rejected: cannot find your reverse hostname, [198.51.100.7]; proto=ESMTP");
        // with delay_reject=yes connect/helo/mail accept and RCPT decides
        PolicySession delayed = fx.engine("smtpd_client_restrictions = reject\n").newSession();
        assertThat(show(delayed.connect(f))).isEqualTo("ACCEPT");
        assertThat(show(delayed.mail(new Facts()))).isEqualTo("ACCEPT");
        // sender list at MAIL
        PolicySession m = fx.engine("smtpd_delay_reject = no\nsmtpd_sender_restrictions = reject_non_fqdn_sender\n").newSession();
        Facts atMail = new Facts().from("alice");
        atMail.recipient = null;
        Decision md = m.mail(atMail);
        assertThat(show(md)).isEqualTo("504 5.5.2 <alice>: Sender address rejected: need fully-qualified address");
        assertThat(md.log().getFirst()).startsWith("NOQUEUE: reject: MAIL from laptop.isp.example[198.51.100.7]: 504");
    }

    @Test
    void delayRejectNoCarriesEarlyDeferFlagsToEachRcptOnly() {
        PolicySession s = fx.engine("""
                smtpd_delay_reject = no
                smtpd_client_restrictions = check_client_access inline:{10.0.0.1=DEFER_IF_PERMIT}
                smtpd_recipient_restrictions = check_recipient_access inline:{bob@example.test=DEFER_IF_PERMIT}
                """).newSession();
        Facts early = new Facts().client("10.0.0.1", "x");
        assertThat(show(s.connect(early))).isEqualTo("ACCEPT");
        assertThat(show(s.mail(early))).isEqualTo("ACCEPT");
        assertThat(show(s.rcpt(early.to("alice@example.test"))))
                .isEqualTo("450 4.7.1 <x[10.0.0.1]>: Client host rejected: Service unavailable");
        PolicySession t = fx.engine("""
                smtpd_delay_reject = no
                smtpd_recipient_restrictions = check_recipient_access inline:{bob@example.test=DEFER_IF_PERMIT}
                """).newSession();
        assertThat(show(t.rcpt(new Facts()))).isEqualTo("450 4.7.1 <bob@example.test>: Recipient address rejected: Service unavailable");
        assertThat(show(t.rcpt(new Facts().to("alice@example.test")))).isEqualTo("ACCEPT");
    }

    @Test
    void withoutAVerifyServiceUnverifiedChecksDefer() {
        Decision d = fx.engine("smtpd_recipient_restrictions = reject_unverified_recipient\n").newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("450 4.1.1 <bob@example.test>: Recipient address rejected: address verification problem");
    }

    @Test
    void dataAndEndOfData() {
        PolicyEngine e = fx.engine("smtpd_data_restrictions = reject_multi_recipient_bounce\n"
                + "smtpd_end_of_data_restrictions = reject\n");
        Facts f = new Facts().from("");
        f.recipient = null;
        f.recipientCount = 2;
        assertThat(show(e.newSession().data(f))).isEqualTo("550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce");
        f.recipientCount = 1;
        assertThat(show(e.newSession().data(f))).isEqualTo("ACCEPT");
        assertThat(show(e.newSession().endOfData(f)))
                .isEqualTo("554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied");
        // at RCPT one accepted recipient is enough
        Facts r = new Facts().from("");
        r.recipientCount = 1;
        assertThat(rcpt("smtpd_recipient_restrictions = reject_multi_recipient_bounce\n", r))
                .isEqualTo("550 5.5.3 <bob@example.test>: Recipient address rejected: Multi-recipient bounce");
    }

    @Test
    void etrn() {
        Facts f = new Facts();
        f.etrnDomain = "example.net";
        f.sender = null;
        f.recipient = null;
        assertThat(show(fx.engine("smtpd_etrn_restrictions = check_etrn_access inline:{{example.net=REJECT no}}\n")
                .newSession().etrn(f))).isEqualTo("554 5.7.1 <example.net>: Etrn command rejected: no");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            5.1.1 | Sender address    | 5.1.7
            5.1.2 | Sender address    | 5.1.8
            5.1.3 | Sender address    | 5.1.7
            5.1.5 | Sender address    | 5.1.0
            5.1.8 | Sender address    | 5.1.8
            5.1.7 | Recipient address | 5.1.3
            5.1.8 | Recipient address | 5.1.2
            5.1.1 | Recipient address | 5.1.1
            5.1.1 | Client host       | 5.0.0
            4.1.1 | Helo command      | 4.0.0
            5.7.1 | Client host       | 5.7.1
            """)
    void dsnFix(String in, String cls, String out) {
        assertThat(Replies.fixDsn(in, cls)).isEqualTo(out);
    }

    @Test
    void replyAssembly() {
        // DSN first digit follows the code (section 1.7 lab)
        assertThat(rcpt("smtpd_recipient_restrictions = check_recipient_access inline:{{bob@example.test=550 4.1.1 x}}\n",
                new Facts())).isEqualTo("550 5.1.1 <bob@example.test>: Recipient address rejected: x");
        // invalid code
        assertThat(rcpt("reject_code = 300\nsmtpd_recipient_restrictions = reject\n", new Facts()))
                .isEqualTo("450 4.7.1 Service unavailable");
        // soft_bounce
        assertThat(rcpt("soft_bounce = yes\nsmtpd_recipient_restrictions = reject\n", new Facts()))
                .isEqualTo("454 4.7.1 <bob@example.test>: Recipient address rejected: Access denied");
        // 510 characters
        String longName = "a".repeat(600) + "@example.net";
        assertThat(rcpt("smtpd_recipient_restrictions = reject\n", new Facts().to(longName))).hasSize(510);
        // 421 disconnects
        Decision d = fx.engine("smtpd_sender_restrictions = check_sender_access inline:{{alice@example.test=421 4.7.0 bye now}}\n")
                .newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("421 4.7.0 <alice@example.test>: Sender address rejected: bye now");
        assertThat(d.disconnect()).isTrue();
    }

    @Test
    void footer() {
        Decision d = fx.engine("smtpd_reject_footer = Contact postmaster@example.test ($client_address)\n"
                + "smtpd_recipient_restrictions = reject\n").newSession().rcpt(new Facts());
        assertThat(d.replyLines()).containsExactly(
                "554-5.7.1 <bob@example.test>: Recipient address rejected: Access denied",
                "554 5.7.1 Contact postmaster@example.test (198.51.100.7)");
        assertThat(d.log().getFirst()).doesNotContain("Contact");
        Decision two = fx.engine("smtpd_reject_footer = line one\\nline two\n"
                + "smtpd_recipient_restrictions = reject\n").newSession().rcpt(new Facts());
        assertThat(two.replyLines()).containsExactly(
                "554-5.7.1 <bob@example.test>: Recipient address rejected: Access denied",
                "554-5.7.1 line one", "554 5.7.1 line two");
        Decision joined = fx.engine("smtpd_reject_footer = \\c, see https://example.test/help\n"
                + "smtpd_recipient_restrictions = reject\n").newSession().rcpt(new Facts());
        assertThat(joined.replyLines()).containsExactly(
                "554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied, see https://example.test/help");
    }
}
