package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Failed-login throttling and per-client connection limits, with a clock the test moves. */
class AuthThrottleAndLimitsTest {

    /** A clock that only moves when told to. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-28T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void loginsAreRefusedAfterTheFailureLimitUntilTheWindowPasses() {
        TestClock clock = new TestClock();
        AuthThrottle throttle = new AuthThrottle(3, Duration.ofMinutes(15), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.blocked("198.51.100.7")).isFalse();
            throttle.failed("198.51.100.7");
            clock.now = clock.now.plusSeconds(60);
        }
        assertThat(throttle.blocked("198.51.100.7")).isTrue();
        assertThat(throttle.blocked("198.51.100.8")).as("other clients are not affected").isFalse();
        clock.now = clock.now.plus(Duration.ofMinutes(13)).plusSeconds(1);   // the first failure leaves the window
        assertThat(throttle.blocked("198.51.100.7")).isFalse();
        assertThat(new AuthThrottle(0, Duration.ofMinutes(15), clock).blocked("x")).as("0 disables").isFalse();
    }

    @Test
    void connectionCountRateAndGlobalLimits() {
        TestClock clock = new TestClock();
        ClientLimits limits = new ClientLimits(5, clock);
        Duration unit = Duration.ofSeconds(60);
        assertThat(limits.acquire("a", 2, 0, unit, false)).isNull();
        assertThat(limits.acquire("a", 2, 0, unit, false)).isNull();
        assertThat(limits.acquire("a", 2, 0, unit, false)).isEqualTo(ClientLimits.Refusal.TOO_MANY_CONNECTIONS);
        assertThat(limits.acquire("a", 2, 0, unit, true)).as("exempt client").isNull();
        limits.release("a");
        limits.release("a");
        assertThat(limits.acquire("a", 2, 0, unit, false)).isNull();

        assertThat(limits.acquire("b", 0, 1, unit, false)).isNull();
        limits.release("b");
        assertThat(limits.acquire("b", 0, 1, unit, false)).isEqualTo(ClientLimits.Refusal.CONNECTION_RATE);
        clock.now = clock.now.plus(unit);
        assertThat(limits.acquire("b", 0, 1, unit, false)).isNull();

        assertThat(limits.acquire("c", 0, 0, unit, false)).isNull();
        assertThat(limits.acquire("d", 0, 0, unit, false)).isNull();
        assertThat(limits.total()).isEqualTo(5);
        assertThat(limits.acquire("e", 0, 0, unit, false)).isEqualTo(ClientLimits.Refusal.SERVER_FULL);
    }
}
