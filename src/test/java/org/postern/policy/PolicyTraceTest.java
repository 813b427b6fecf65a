package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.dns.DnsResult;

/** The tracing hook of PolicySession: what explain sees, step by step. */
class PolicyTraceTest {

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

    /** Writes every event as one line. */
    static final class Recorder implements PolicyTrace {
        final List<String> lines = new ArrayList<>();

        @Override
        public void stage(String stage) {
            lines.add("stage " + stage);
        }

        @Override
        public void enterList(String list, String name, String cls) {
            lines.add("enter " + list + " <" + name + "> " + cls);
        }

        @Override
        public void leaveList(String list, Outcome outcome) {
            lines.add("leave " + list + " " + outcome);
        }

        @Override
        public void restriction(String restriction, String argument, Outcome outcome, PolicyReply reply) {
            lines.add(restriction + (argument == null ? "" : " " + argument) + " -> " + outcome
                    + (reply == null ? "" : " " + reply));
        }

        @Override
        public void lookup(String table, String key, Optional<String> value) {
            lines.add("lookup " + table + " " + key + " = " + value.orElse("(not found)"));
        }

        @Override
        public void dns(String type, String name, DnsResult<?> result, boolean cached) {
            lines.add("dns " + type + " " + name + " " + result.status() + (cached ? " cached" : ""));
        }

        @Override
        public void flag(String flag, PolicyReply reply) {
            lines.add("flag " + flag + (reply == null ? "" : " " + reply));
        }

        @Override
        public void note(String text) {
            lines.add("note " + text);
        }

        @Override
        public void decision(String stage, Decision decision) {
            lines.add("decision " + stage + " " + decision.result() + (decision.reply() == null ? "" : " " + decision.reply()));
        }
    }

    @Test
    void laptopWithoutReverseDnsIsRejectedInTheClientList() {
        Recorder r = new Recorder();
        PolicyEngine e = fx.engine(LaptopScenarioTest.SECTION_9);
        PolicySession s = e.newSession(r);
        s.mail(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM));
        s.rcpt(new Facts().unknownClient(NameStatus.PERM, NameStatus.PERM).to("friend@example.net"));
        assertThat(r.lines).containsExactly(
                "stage MAIL",
                "note smtpd_delay_reject = yes: smtpd_sender_restrictions is evaluated at RCPT TO, not now",
                "decision MAIL ACCEPT",
                "stage RCPT",
                "enter smtpd_client_restrictions <unknown[198.51.100.7]> Client host",
                "permit_mynetworks -> DUNNO",
                "permit_sasl_authenticated -> DUNNO",
                "reject_unknown_reverse_client_hostname -> REJECT 450 4.7.1 Client host rejected: cannot find your "
                        + "reverse hostname, [198.51.100.7]",
                "leave smtpd_client_restrictions REJECT",
                "decision RCPT REJECT 450 4.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]");
    }

    @Test
    void lookupsDnsFlagsAndImplicitChecksAreReported() {
        Recorder r = new Recorder();
        PolicyEngine e = fx.engine("""
                smtpd_relay_restrictions = reject_unauth_destination
                smtpd_recipient_restrictions = check_recipient_access inline:{bob@example.test=defer_if_permit},
                  reject_unknown_recipient_domain
                """);
        e.newSession(r).rcpt(new Facts().to("bob@example.test"));
        assertThat(r.lines).contains(
                "lookup inline:{bob@example.test=defer_if_permit} bob@example.test = defer_if_permit",
                "flag defer_if_permit 450 4.7.1 <bob@example.test>: Recipient address rejected: Service unavailable",
                "note example.test: address class VIRTUAL_MAILBOX (final: no DNS check)",
                "flag defer_if_permit applied 450 4.7.1 <bob@example.test>: Recipient address rejected: Service unavailable");

        Recorder unlisted = new Recorder();
        e = fx.engine("smtpd_relay_restrictions = reject_unauth_destination\n"
                + "smtpd_recipient_restrictions = reject_unknown_recipient_domain\n");
        e.newSession(unlisted).rcpt(new Facts().to("carol@example.test"));
        assertThat(unlisted.lines).contains(
                "lookup inline:{bob@example.test=x, alice@example.test=x} carol@example.test = (not found)",
                "reject_unlisted_recipient implicit: smtpd_reject_unlisted_recipient = yes -> REJECT 550 5.1.1 "
                        + "<carol@example.test>: Recipient address rejected: User unknown in virtual mailbox table");

        Recorder dns = new Recorder();
        PolicySession s = fx.engine("smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = reject_unknown_recipient_domain, "
                + "reject_unauth_destination\n").newSession(dns);
        s.rcpt(new Facts().to("a@example.net"));
        s.rcpt(new Facts().to("b@example.net"));
        assertThat(dns.lines).containsSubsequence("dns MX example.net FOUND", "dns MX example.net FOUND cached");
    }

    @Test
    void configurationErrorsNameTheRestriction() {
        Recorder r = new Recorder();
        fx.engine("smtpd_client_restrictions = sleep x\n").newSession(r).rcpt(new Facts());
        assertThat(r.lines).contains("sleep x -> REJECT 451 4.3.5 Server configuration error");
    }
}
