package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.policy.AddressVerification.Result;
import org.postern.policy.AddressVerification.Status;

/**
 * reject_unverified_sender and reject_unverified_recipient (postfix-restrictions.md sections
 * 2.4, 2.5): the reply for each answer of the verification service, with Postfix's codes,
 * enhanced codes and texts.
 */
class UnverifiedAddressTest {

    static PolicyFixture fx;

    static final Map<String, Result> ANSWERS = Map.of(
            "good@remote.example", new Result(Status.DELIVERABLE, "250 2.1.5 Ok"),
            "bad@remote.example", new Result(Status.UNDELIVERABLE,
                    "host mx.remote.example[192.0.2.9] said: 550 5.1.1 User unknown (in reply to RCPT TO command)"),
            "slow@remote.example", new Result(Status.UNKNOWN, "Address verification in progress"));

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static String rcpt(String cf, Facts facts) {
        PolicyEngine engine = fx.engine(cf);
        engine.verifyAddressesWith(address -> {
            Result r = ANSWERS.get(address);
            if (r == null) {
                throw new IllegalStateException("verify service down");
            }
            return r;
        });
        Decision d = engine.newSession().rcpt(facts);
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    private static final String RCPT = "relay_domains = remote.example, down.example\n"
            + "smtpd_recipient_restrictions = reject_unverified_recipient\n";
    private static final String SENDER = "smtpd_sender_restrictions = reject_unverified_sender\n";

    @Test
    void recipients() {
        Facts f = new Facts().client("203.0.113.8", "mx.sender.example").from("a@sender.example");
        assertThat(rcpt(RCPT, f.to("good@remote.example"))).isEqualTo("ACCEPT");
        assertThat(rcpt(RCPT, f.to("bad@remote.example"))).isEqualTo("450 4.1.1 <bad@remote.example>: Recipient "
                + "address rejected: unverified address: host mx.remote.example[192.0.2.9] said: 550 5.1.1 User "
                + "unknown (in reply to RCPT TO command)");
        assertThat(rcpt(RCPT, f.to("slow@remote.example"))).isEqualTo("450 4.1.1 <slow@remote.example>: Recipient "
                + "address rejected: unverified address: Address verification in progress");
    }

    @Test
    void theRejectCodeAndAFixedReasonAreTheAdminsChoice() {
        Facts f = new Facts().client("203.0.113.8", "mx.sender.example").from("a@sender.example").to("bad@remote.example");
        assertThat(rcpt(RCPT + "unverified_recipient_reject_code = 550\nunverified_recipient_reject_reason = "
                + "Address lookup failed\n", f))
                .isEqualTo("550 5.1.1 <bad@remote.example>: Recipient address rejected: undeliverable address: "
                        + "Address lookup failed");
    }

    @Test
    void aTemporaryAnswerIsDeferIfPermitSoALaterRestrictionMayReject() {
        // Postfix 3.7 (DifferentialVerifyTest): "in progress", deferred, and undeliverable with a
        // 4xx reject code are temporary errors under unverified_recipient_tempfail_action.
        String then = RCPT.replace("reject_unverified_recipient", "reject_unverified_recipient, reject");
        Facts f = new Facts().client("203.0.113.8", "mx.sender.example").from("a@sender.example");
        for (String address : new String[] {"slow@remote.example", "bad@remote.example"}) {
            assertThat(rcpt(then, f.to(address))).isEqualTo("554 5.7.1 <" + address + ">: Recipient address rejected: Access denied");
            assertThat(rcpt(then + "unverified_recipient_tempfail_action = defer\n", f.to(address)))
                    .startsWith("450 4.1.1 <" + address + ">: Recipient address rejected: unverified address: ");
        }
        // the defer code for a probe not answered yet, and the fixed reason for every refusal
        assertThat(rcpt(RCPT + "unverified_recipient_defer_code = 451\nunverified_recipient_reject_reason = No such user\n",
                f.to("slow@remote.example")))
                .isEqualTo("451 4.1.1 <slow@remote.example>: Recipient address rejected: unverified address: No such user");
    }

    @Test
    void senders() {
        Facts f = new Facts().client("203.0.113.8", "mx.sender.example").to("bob@example.test");
        assertThat(rcpt(SENDER, f.from("bad@remote.example"))).isEqualTo("450 4.1.7 <bad@remote.example>: Sender "
                + "address rejected: unverified address: host mx.remote.example[192.0.2.9] said: 550 5.1.1 User "
                + "unknown (in reply to RCPT TO command)");
        assertThat(rcpt(SENDER, f.from(""))).isEqualTo("ACCEPT");   // the null sender is not probed
    }

    @Test
    void aFailingServiceIsATemporaryProblem() {
        Facts f = new Facts().client("203.0.113.8", "mx.sender.example").from("a@sender.example").to("x@down.example");
        assertThat(rcpt(RCPT, f)).isEqualTo("450 4.1.1 <x@down.example>: Recipient address rejected: "
                + "address verification problem");
    }
}
