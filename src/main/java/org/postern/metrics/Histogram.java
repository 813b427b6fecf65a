package org.postern.metrics;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations in seconds, counted into cumulative buckets ({@code _bucket{le=...}}, {@code _sum},
 * {@code _count}), one set per combination of label values.
 */
public final class Histogram extends Metric {

    /** Bucket bounds in seconds: from a cached DNS answer (1 ms) to a DNS timeout (10 s). */
    static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final class Series {
        final LongAdder[] buckets = new LongAdder[BOUNDS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Series() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final Map<List<String>, Series> series = new ConcurrentHashMap<>();

    public Histogram(String name, String help, String... labelNames) {
        super(name, help, labelNames);
    }

    /** Records the time since {@code startNanos} (a {@link System#nanoTime()} reading). */
    public void observeSince(long startNanos, String... labelValues) {
        observe(Duration.ofNanos(System.nanoTime() - startNanos), labelValues);
    }

    public void observe(Duration d, String... labelValues) {
        double seconds = d.toNanos() / 1e9;
        Series s = series.computeIfAbsent(key(labelValues), k -> new Series());
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                s.buckets[i].increment();   // only the first bucket that fits; cumulated when written
                break;
            }
        }
        s.count.increment();
        s.sum.add(seconds);
    }

    /** How many observations a series has. */
    public long count(String... labelValues) {
        Series s = series.get(key(labelValues));
        return s == null ? 0 : s.count.sum();
    }

    @Override
    String type() {
        return "histogram";
    }

    @Override
    void writeSamples(StringBuilder out) {
        series.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(Object::toString)))
                .forEach(e -> {
                    Series s = e.getValue();
                    long count = s.count.sum();   // read first: the buckets may only be ahead of it
                    long cumulative = 0;
                    for (int i = 0; i < BOUNDS.length; i++) {
                        cumulative += s.buckets[i].sum();
                        out.append(name()).append("_bucket");
                        labels(out, labelNames(), e.getKey(), "le", number(BOUNDS[i]));
                        out.append(' ').append(Math.min(cumulative, count)).append('\n');
                    }
                    out.append(name()).append("_bucket");
                    labels(out, labelNames(), e.getKey(), "le", "+Inf");
                    out.append(' ').append(count).append('\n');
                    out.append(name()).append("_sum");
                    labels(out, labelNames(), e.getKey(), null, null);
                    out.append(' ').append(number(s.sum.sum())).append('\n');
                    out.append(name()).append("_count");
                    labels(out, labelNames(), e.getKey(), null, null);
                    out.append(' ').append(count).append('\n');
                });
    }
}
