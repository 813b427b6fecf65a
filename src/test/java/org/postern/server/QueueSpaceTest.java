package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Postfix's free-space rule at MAIL FROM (smtpd_check_queue, postconf(5) queue_minfree). */
class QueueSpaceTest {

    @Test
    void needsOneAndAHalfMessageSizeLimitsFree() {
        assertThat(QueueSpace.enough(1_500_001, 0, 1_000_000)).isTrue();
        assertThat(QueueSpace.enough(1_500_000, 0, 1_000_000)).isFalse();
        assertThat(QueueSpace.enough(1_000_000, 0, 1_000_000)).isFalse();
    }

    @Test
    void queueMinfreeAboveTheSizeRuleWins() {
        assertThat(QueueSpace.enough(2_500_000, 3_000_000, 1_000_000)).isFalse();
        assertThat(QueueSpace.enough(3_000_001, 3_000_000, 1_000_000)).isTrue();
        assertThat(QueueSpace.enough(1_400_000, 1_000, 1_000_000)).as("a small queue_minfree does not lower the size rule")
                .isFalse();
    }

    @Test
    void withoutASizeLimitOnlyAFullDiskRefuses() {
        assertThat(QueueSpace.enough(4096, 0, 0)).isTrue();
        assertThat(QueueSpace.enough(0, 0, 0)).isFalse();
    }
}
