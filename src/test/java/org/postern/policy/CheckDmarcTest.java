package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.dkim.DkimResult;
import org.postern.dkim.SignatureResult;
import org.postern.dmarc.DmarcResult;
import org.postern.store.DmarcEvaluation;

/**
 * check_dmarc (docs/dmarc.md, RFC 9989) at end of data, against the loopback test DNS server:
 * the policy's disposition, the quarantine and temperror actions, SPF and DKIM alignment, and
 * the evaluation handed to the recorder.
 */
class CheckDmarcTest {

    static PolicyFixture fx;

    static final String EOD = "smtpd_end_of_data_restrictions = permit_mynetworks, check_dmarc\n";

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
        txt("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test");
        txt("example.test", "v=spf1 ip4:192.0.2.0/24 -all");
        txt("_dmarc.quarantine.example", "v=DMARC1; p=quarantine");
        txt("_dmarc.testing.example", "v=DMARC1; p=reject; t=y");
        txt("_dmarc.relaxed.example", "v=DMARC1; p=none");
        fx.dns.servfail("_dmarc.temp.example");
    }

    private static void txt(String name, String text) {
        fx.dns.add(name, "TXT", "\"" + text + "\"");
    }

    private static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    private static SignatureResult dkim(DkimResult result, String domain) {
        return new SignatureResult(result, "", domain, "sel", "ed25519-sha256", "@" + domain, -1, 0, false, 256);
    }

    private static Facts stranger(String from, SignatureResult... signatures) {
        return new Facts().client("203.0.113.9", "mx.stranger.example").from("bounce@stranger.example")
                .message("From: Someone <" + from + ">\r\nSubject: hi\r\n", signatures);
    }

    private static PolicySession session(String cf) {
        return fx.engine(cf).newSession();
    }

    /** RFC 9989 section 5.3.1: a fail under p=reject is refused with 550 5.7.1, in Postfix's end-of-data form. */
    @Test
    void forgedOwnDomainIsRejected() {
        Decision d = session(EOD).endOfData(stranger("alice@example.test"));
        assertThat(show(d)).isEqualTo("550 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: "
                + "DMARC policy of example.test rejects this message: neither SPF nor DKIM passed for a domain "
                + "aligned with example.test");
    }

    @Test
    void anAlignedDkimSignaturePasses() {
        PolicySession s = session(EOD);
        assertThat(s.endOfData(stranger("alice@example.test", dkim(DkimResult.PASS, "mail.example.test"))).accepted())
                .isTrue();   // relaxed alignment: same organizational domain (section 4.4.2)
        assertThat(s.dmarcVerdict().result()).isEqualTo(DmarcResult.PASS);
        assertThat(s.dmarcVerdict().dkimAligned()).isTrue();
    }

    @Test
    void aFailingOrUnalignedSignatureDoesNotHelp() {
        assertThat(session(EOD).endOfData(stranger("alice@example.test", dkim(DkimResult.FAIL, "example.test"),
                dkim(DkimResult.PASS, "stranger.example"))).accepted()).isFalse();
    }

    /** SPF of the MAIL FROM identity, aligned with the From domain (section 4.4.1). */
    @Test
    void anAlignedSpfPassPasses() {
        Facts f = stranger("alice@example.test").client("192.0.2.10", "out.example.test").from("bounce@example.test");
        PolicySession s = session(EOD);
        assertThat(s.endOfData(f).accepted()).isTrue();
        assertThat(s.dmarcVerdict().spfAligned()).isTrue();
    }

    @Test
    void quarantineHoldsByDefault() {
        Decision d = session(EOD).endOfData(stranger("x@quarantine.example"));
        assertThat(d.accepted()).isTrue();
        assertThat(d.actions().hold()).contains("DMARC policy of quarantine.example quarantines this message");
    }

    @Test
    void quarantineCanMarkAsJunkOrAccept() {
        PolicySession junk = session(EOD + "dmarc_quarantine_action = junk\n");
        Decision d = junk.endOfData(stranger("x@quarantine.example"));
        assertThat(d.actions().hold()).isNull();
        assertThat(junk.junk()).isTrue();
        PolicySession accept = session(EOD + "dmarc_quarantine_action = accept\n");
        assertThat(accept.endOfData(stranger("x@quarantine.example")).actions().hold()).isNull();
        assertThat(accept.junk()).isFalse();
    }

    /** Section 4.7, t=y: the policy applied is one level lower, reject becomes quarantine. */
    @Test
    void testingModeLowersRejectToQuarantine() {
        Decision d = session(EOD).endOfData(stranger("x@testing.example"));
        assertThat(d.accepted()).isTrue();
        assertThat(d.actions().hold()).isNotNull();
    }

    @Test
    void temporaryDnsFailureDefersUnlessSetOtherwise() {
        assertThat(show(session(EOD).endOfData(stranger("x@temp.example"))))
                .isEqualTo("450 4.7.1 <END-OF-MESSAGE>: End-of-data rejected: "
                        + "DMARC temporary error for temp.example: try again later");
        assertThat(session(EOD + "dmarc_tempfail_action = dunno\n").endOfData(stranger("x@temp.example")).accepted())
                .isTrue();
    }

    @Test
    void noPolicyAndNoneAccept() {
        assertThat(session(EOD).endOfData(stranger("x@relaxed.example")).accepted()).isTrue();
        assertThat(session(EOD).endOfData(stranger("x@nodmarc.example")).accepted()).isTrue();
    }

    /** The restriction order is the admin's: our own networks pass before check_dmarc runs. */
    @Test
    void permitMynetworksFirstSkipsTheCheck() {
        Facts own = stranger("alice@example.test").client("127.0.0.1", "localhost");
        PolicySession s = session("mynetworks = 127.0.0.0/8\n" + EOD);
        assertThat(s.endOfData(own).accepted()).isTrue();
        assertThat(s.dmarcVerdict()).isNull();
    }

    /** Local programs are not checked (spf_dmarc_skip_addresses, like policyd-spf's skip_addresses). */
    @Test
    void loopbackIsSkippedUnlessTheListSaysOtherwise() {
        Facts local = stranger("alice@example.test").client("127.0.0.2", "localhost");
        PolicySession skipped = session(EOD + "mynetworks = 192.0.2.0/24\n");
        assertThat(skipped.endOfData(local).accepted()).isTrue();
        assertThat(skipped.dmarcVerdict()).isNull();
        assertThat(session(EOD + "mynetworks = 192.0.2.0/24\nspf_dmarc_skip_addresses =\n").endOfData(local).accepted())
                .isFalse();
        assertThat(session(EOD + "spf_dmarc_skip_addresses = 203.0.113.0/24\n")
                .endOfData(stranger("alice@example.test")).accepted()).isTrue();
    }

    @Test
    void everyEvaluationIsRecorded() {
        PolicyEngine engine = fx.engine(EOD);
        List<DmarcEvaluation> recorded = new ArrayList<>();
        engine.recordDmarcWith(recorded::add);
        Facts f = stranger("alice@example.test", dkim(DkimResult.FAIL, "example.test"));
        f.queueId = "4QID";
        engine.newSession().endOfData(f);
        assertThat(recorded).singleElement().satisfies(e -> {
            assertThat(e.queueId()).isEqualTo("4QID");
            assertThat(e.sourceIp()).isEqualTo("203.0.113.9");
            assertThat(e.headerFrom()).isEqualTo("example.test");
            assertThat(e.policyDomain()).isEqualTo("example.test");
            assertThat(e.envelopeFrom()).isEqualTo("stranger.example");
            assertThat(e.spfResult()).isEqualTo("none");
            assertThat(e.dkimResults()).isEqualTo("d=example.test s=sel fail");
            assertThat(e.dmarcResult()).isEqualTo("fail");
            assertThat(e.disposition()).isEqualTo("reject");
        });
    }

    @Test
    void beforeTheMessageItDoesNothing() {
        assertThat(session("smtpd_recipient_restrictions = reject_unauth_destination, check_dmarc\n")
                .rcpt(new Facts().client("203.0.113.9", "x.example")).accepted()).isTrue();
    }
}
