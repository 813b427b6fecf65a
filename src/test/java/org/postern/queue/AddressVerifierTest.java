package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postern.policy.AddressVerification.Result;
import org.postern.testing.Await;
import org.postern.policy.AddressVerification.Status;

/** verify(8)'s cache and probe rules (ADDRESS_VERIFICATION_README), with a scripted transport. */
class AddressVerifierTest {

    private Instant now = Instant.parse("2026-11-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };
    private final List<Envelope> probes = new CopyOnWriteArrayList<>();
    private volatile Recipient.Status answer = Recipient.Status.DELIVERED;
    private volatile CountDownLatch hold = new CountDownLatch(0);

    private final Transport transport = (envelope, content, nexthop, recipients) -> {
        probes.add(envelope);
        try {
            hold.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of(new Transport.Delivery(recipients.getFirst().address(), answer,
                answer == Recipient.Status.DELIVERED ? "2.1.5" : "5.1.1", "said " + answer, "mx.test[192.0.2.1]:25"));
    };

    private AddressVerifier verifier(boolean negativeCache) {
        return new AddressVerifier(recipient -> new Router.Route("smtp", ""), Map.of("smtp", transport),
                new AddressVerifier.Options("double-bounce@example.org", 3, Duration.ofMillis(500), Duration.ofDays(31),
                        Duration.ofDays(7), negativeCache, Duration.ofDays(3), Duration.ofHours(3)), clock);
    }

    @Test
    void theProbeIsMarkedAndFromTheVerifySenderAndItsAnswerIsKept() {
        AddressVerifier v = verifier(true);
        assertThat(v.verify("Bob@Example.NET")).isEqualTo(new Result(Status.DELIVERABLE, "said DELIVERED"));
        assertThat(probes).singleElement().satisfies(p -> {
            assertThat(p.probe()).isTrue();
            assertThat(p.sender()).isEqualTo("double-bounce@example.org");
        });
        assertThat(v.verify("bob@example.net").status()).isEqualTo(Status.DELIVERABLE);
        assertThat(probes).hasSize(1);
    }

    @Test
    void aSlowProbeIsInProgressAndItsAnswerCountsLater() throws Exception {
        AddressVerifier v = verifier(true);
        hold = new CountDownLatch(1);
        assertThat(v.verify("slow@example.net")).isEqualTo(new Result(Status.UNKNOWN, AddressVerifier.IN_PROGRESS));
        assertThat(v.verify("slow@example.net").text()).isEqualTo(AddressVerifier.IN_PROGRESS);
        assertThat(probes).hasSize(1);   // one probe at a time per address
        hold.countDown();
        Await.await(() -> v.verify("slow@example.net").status() == Status.DELIVERABLE,
                "the probe's answer is used");
    }

    @Test
    void oldAnswersAreRefreshedAndExpiredOnesProbedAgain() throws Exception {
        AddressVerifier v = verifier(true);
        v.verify("a@example.net");
        now = now.plus(Duration.ofDays(8));   // past the positive refresh time, before expiry
        answer = Recipient.Status.BOUNCED;
        assertThat(v.verify("a@example.net").status()).isEqualTo(Status.DELIVERABLE);   // the old answer, meanwhile
        Await.await(() -> v.verify("a@example.net").status() == Status.UNDELIVERABLE,
                "the refreshed answer replaces the old one");
        now = now.plus(Duration.ofDays(4));   // past the negative expiry: probed again, synchronously
        answer = Recipient.Status.DELIVERED;
        assertThat(v.verify("a@example.net").status()).isEqualTo(Status.DELIVERABLE);
    }

    @Test
    void afterAReloadNewProbesTakeTheNewRouteAndSenderWhileKnownAnswersStay() {
        AddressVerifier v = verifier(true);
        v.verify("known@example.net");
        List<String> viaRelay = new CopyOnWriteArrayList<>();
        Transport relay = (envelope, content, nexthop, recipients) -> {
            viaRelay.add(envelope.sender() + " via " + nexthop);
            return List.of(new Transport.Delivery(recipients.getFirst().address(), Recipient.Status.BOUNCED, "5.1.1",
                    "relay says no", "relay.test[192.0.2.2]:25"));
        };
        v.reconfigure(recipient -> new Router.Route("relay", "[relay.test]"), Map.of("relay", relay),
                new AddressVerifier.Options("probe@example.org", 3, Duration.ofMillis(500), Duration.ofDays(31),
                        Duration.ofDays(7), true, Duration.ofDays(3), Duration.ofHours(3)));

        assertThat(v.verify("new@example.net")).isEqualTo(new Result(Status.UNDELIVERABLE, "relay says no"));
        assertThat(viaRelay).containsExactly("probe@example.org via [relay.test]");
        assertThat(v.verify("known@example.net").status()).isEqualTo(Status.DELIVERABLE);
        assertThat(probes).hasSize(1);
    }

    @Test
    void withoutTheNegativeCacheEveryQueryOfABadAddressProbes() {
        AddressVerifier v = verifier(false);
        answer = Recipient.Status.BOUNCED;
        assertThat(v.verify("x@example.net").status()).isEqualTo(Status.UNDELIVERABLE);
        assertThat(v.verify("x@example.net").status()).isEqualTo(Status.UNDELIVERABLE);
        assertThat(probes).hasSize(2);
    }
}
