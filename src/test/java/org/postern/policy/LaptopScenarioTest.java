package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.testing.Section9;

/** The roaming-laptop example of postfix-restrictions.md section 9, with in-memory tables. */
class LaptopScenarioTest {

    static final String SECTION_9 = Section9.RESTRICTIONS + """
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            inet_interfaces = all
            """;

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
        fx.dns.add("example.net", "MX", "10 mx.example.net.");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    @Test
    void withoutAuth() {
        PolicyEngine e = fx.engine(SECTION_9);
        Decision noPtr = e.newSession().rcpt(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM));
        assertThat(show(noPtr)).isEqualTo("450 4.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
        assertThat(noPtr.log()).containsExactly("NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 450 4.7.1 Client host "
                + "rejected: cannot find your reverse hostname, [198.51.100.7]; from=<alice@example.test> to=<bob@example.test> "
                + "proto=ESMTP helo=<laptop.example.net>");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.OK, NameStatus.FORGED))))
                .isEqualTo("450 4.7.25 Client host rejected: cannot find your hostname, [198.51.100.7]");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.TEMP, NameStatus.TEMP))))
                .isEqualTo("450 4.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.OK, NameStatus.TEMP))))
                .isEqualTo("450 4.7.25 Client host rejected: cannot find your hostname, [198.51.100.7]");
        fx.dns.clear();
        fx.dns.add("example.net", "MX", "10 mx.example.net.");
        Decision relay = e.newSession().rcpt(new Facts().to("friend@example.net"));
        assertThat(show(relay)).isEqualTo("554 5.7.1 <friend@example.net>: Relay access denied");
        assertThat(relay.log()).contains("warning: restriction `reject_sender_login_mismatch' ignored: no SASL support");
        Decision own = e.newSession().rcpt(new Facts());
        assertThat(show(own)).isEqualTo("ACCEPT");
        // the sender domain is a virtual mailbox domain: no DNS lookup for it
        assertThat(fx.dns.queries()).noneMatch(q -> q.startsWith("example.test"));
    }

    @Test
    void unknownClientRejectCodeAppliesToPermanentFailuresOnly() {
        PolicyEngine e = fx.engine(SECTION_9 + "unknown_client_reject_code = 550\n");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM))))
                .isEqualTo("550 5.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.TEMP, NameStatus.TEMP))))
                .isEqualTo("450 4.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
    }

    @Test
    void saslOnButNoLoginMapsMeansNoOwnership() {
        // section 9.3 item 3: the sender list runs reject_sender_login_mismatch before permit_sasl_authenticated
        PolicyEngine e = fx.engine(SECTION_9 + "smtpd_sasl_auth_enable = yes\n");
        assertThat(show(e.newSession().rcpt(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM)
                .login("alice@example.test").to("friend@example.net"))))
                .isEqualTo("553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user alice@example.test");
    }

    @Test
    void loginMapsFixIt() {
        PolicyEngine e = fx.engine(SECTION_9 + "smtpd_sasl_auth_enable = yes\n"
                + "smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test, {@shared.example=alice@example.test, bob@example.test}}\n");
        assertThat(show(e.newSession().rcpt(new Facts().login("alice@example.test").to("friend@example.net"))))
                .isEqualTo("ACCEPT");
        assertThat(show(e.newSession().rcpt(new Facts().login("alice@example.test").from("bob@example.test")
                .to("friend@example.net"))))
                .isEqualTo("553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test");
        // @domain entry, login compared case-insensitively
        assertThat(show(e.newSession().rcpt(new Facts().login("BOB@example.test").from("x@shared.example")
                .to("friend@example.net")))).isEqualTo("ACCEPT");
        // unauthenticated use of an owned address
        assertThat(show(e.newSession().rcpt(new Facts().from("alice@example.test").to("alice@example.test"))))
                .isEqualTo("553 5.7.1 <alice@example.test>: Sender address rejected: not logged in");
        // the null sender is skipped
        assertThat(show(e.newSession().rcpt(new Facts().from("")))).isEqualTo("ACCEPT");
    }

    @Test
    void loginMismatchVariants() {
        String maps = "smtpd_sasl_auth_enable = yes\nsmtpd_sender_login_maps = inline:{alice@example.test=alice}\n";
        String known = maps + "smtpd_sender_restrictions = reject_known_sender_login_mismatch\n";
        assertThat(show(fx.engine(known).newSession().rcpt(new Facts().login("carol").from("nobody@example.net"))))
                .isEqualTo("ACCEPT");
        assertThat(show(fx.engine(known).newSession().rcpt(new Facts().login("carol"))))
                .isEqualTo("553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user carol");
        String auth = maps + "smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch\n";
        assertThat(show(fx.engine(auth).newSession().rcpt(new Facts().login("carol").from("nobody@example.net"))))
                .isEqualTo("553 5.7.1 <nobody@example.net>: Sender address rejected: not owned by user carol");
        assertThat(show(fx.engine(auth).newSession().rcpt(new Facts()))).isEqualTo("ACCEPT");
        String unauth = maps + "smtpd_sender_restrictions = reject_unauthenticated_sender_login_mismatch\n";
        assertThat(show(fx.engine(unauth).newSession().rcpt(new Facts())))
                .isEqualTo("553 5.7.1 <alice@example.test>: Sender address rejected: not logged in");
        assertThat(show(fx.engine(unauth).newSession().rcpt(new Facts().login("carol")))).isEqualTo("ACCEPT");
    }

    @Test
    void submissionClone() {
        String sub = SECTION_9 + "smtpd_sasl_auth_enable = yes\nsmtpd_client_restrictions = permit_sasl_authenticated, reject\n"
                + "smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test}\n";
        assertThat(show(fx.engine(sub).newSession().rcpt(new Facts().to("friend@example.net"))))
                .isEqualTo("554 5.7.1 <laptop.isp.example[198.51.100.7]>: Client host rejected: Access denied");
        assertThat(show(fx.engine(sub).newSession().rcpt(new Facts().login("alice@example.test").to("friend@example.net"))))
                .isEqualTo("ACCEPT");
    }

    @Test
    void permitSaslAuthenticatedNeedsSaslOnTheListener() {
        // section 13: a login (e.g. from XCLIENT) does not count when SASL is off
        assertThat(show(fx.engine("smtpd_client_restrictions = permit_sasl_authenticated, reject\n").newSession()
                .rcpt(new Facts().login("alice")))).startsWith("554 5.7.1");
        assertThat(show(fx.engine("smtpd_sasl_auth_enable = yes\nsmtpd_client_restrictions = permit_sasl_authenticated, reject\n")
                .newSession().rcpt(new Facts().login("alice")))).isEqualTo("ACCEPT");
    }

    @Test
    void pipelining() {
        Facts f = new Facts();
        f.illegalPipelining = true;
        assertThat(show(fx.engine(SECTION_9).newSession().rcpt(f)))
                .isEqualTo("503 5.5.0 <laptop.isp.example[198.51.100.7]>: Client host rejected: Improper use of SMTP command pipelining");
    }

    @Test
    void saslAccessAndPlaintext() {
        assertThat(show(fx.engine("smtpd_sasl_auth_enable = yes\nsmtpd_client_restrictions = check_sasl_access inline:{mallory=REJECT}\n")
                .newSession().rcpt(new Facts().login("mallory"))))
                .isEqualTo("554 5.7.1 <mallory>: SASL login name rejected: Access denied");
        Decision off = fx.engine("smtpd_client_restrictions = check_sasl_access inline:{mallory=REJECT}\n")
                .newSession().rcpt(new Facts().login("mallory"));
        assertThat(show(off)).isEqualTo("ACCEPT");
        assertThat(off.log()).contains("warning: restriction `check_sasl_access' ignored: no SASL support");
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_plaintext_session\n").newSession().rcpt(new Facts())))
                .isEqualTo("450 4.7.1 Session encryption is required");
        Facts tls = new Facts();
        tls.tlsActive = true;
        assertThat(show(fx.engine("smtpd_client_restrictions = reject_plaintext_session\n").newSession().rcpt(tls)))
                .isEqualTo("ACCEPT");
    }
}
