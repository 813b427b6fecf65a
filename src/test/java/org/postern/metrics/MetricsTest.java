package org.postern.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static String samples(Metric m) {
        StringBuilder out = new StringBuilder();
        m.writeSamples(out);
        return out.toString();
    }

    @Test
    void counterWritesOneSamplePerLabelCombinationWithEscapedValues() {
        Counter c = new Counter("test_events_total", "events", "kind", "where");
        c.inc("a", "x");
        c.inc("a", "x");
        c.inc("quote\"back\\slash\nline", "y");
        assertThat(c.value("a", "x")).isEqualTo(2);
        assertThat(c.value("never", "seen")).isZero();
        assertThat(samples(c)).isEqualTo("""
                test_events_total{kind="a",where="x"} 2
                test_events_total{kind="quote\\"back\\\\slash\\nline",where="y"} 1
                """);
    }

    @Test
    void wrongNumberOfLabelValuesOrBadNamesFail() {
        Counter c = new Counter("test_total", "t", "kind");
        assertThatThrownBy(() -> c.inc()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[kind]");
        assertThatThrownBy(() -> new Counter("bad-name", "t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Counter("ok_total", "t", "__reserved")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void histogramBucketsAreCumulativeAndEndWithInfEqualToCount() {
        Histogram h = new Histogram("test_seconds", "t", "type");
        h.observe(Duration.ofMillis(3), "A");
        h.observe(Duration.ofMillis(200), "A");
        h.observe(Duration.ofSeconds(60), "A");
        String out = samples(h);
        assertThat(out).contains("test_seconds_bucket{type=\"A\",le=\"0.001\"} 0\n")
                .contains("test_seconds_bucket{type=\"A\",le=\"0.005\"} 1\n")
                .contains("test_seconds_bucket{type=\"A\",le=\"0.25\"} 2\n")
                .contains("test_seconds_bucket{type=\"A\",le=\"10\"} 2\n")
                .contains("test_seconds_bucket{type=\"A\",le=\"+Inf\"} 3\n")
                .contains("test_seconds_count{type=\"A\"} 3\n")
                .contains("test_seconds_sum{type=\"A\"} 60.203\n");
        assertThat(h.count("A")).isEqualTo(3);
    }

    @Test
    void gaugeReportsItsSourceOnlyWhileSet() {
        Gauge g = new Gauge("test_queue", "t", "state");
        assertThat(samples(g)).isEmpty();
        g.source(() -> Map.of(List.of("hold"), 2, List.of("active"), 0));
        assertThat(samples(g)).isEqualTo("test_queue{state=\"active\"} 0\ntest_queue{state=\"hold\"} 2\n");
        g.source(null);
        assertThat(samples(g)).isEmpty();
    }

    @Test
    void expositionAnnouncesEveryMetricWithHelpAndType() {
        String text = Metrics.exposition();
        assertThat(text).contains("# HELP postern_smtpd_rejects_total ")
                .contains("# TYPE postern_smtpd_rejects_total counter\n")
                .contains("# TYPE postern_queue_messages gauge\n")
                .contains("# TYPE postern_dns_query_duration_seconds histogram\n");
    }
}
