package org.postern.metrics;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A count that only goes up, one per combination of label values ({@code _total} by convention). */
public final class Counter extends Metric {

    private final Map<List<String>, LongAdder> series = new ConcurrentHashMap<>();

    public Counter(String name, String help, String... labelNames) {
        super(name, help, labelNames);
    }

    /** Adds one to the series of these label values (in the order of the label names). */
    public void inc(String... labelValues) {
        series.computeIfAbsent(key(labelValues), k -> new LongAdder()).increment();
    }

    /** The current count of one series (0 when never counted). */
    public long value(String... labelValues) {
        LongAdder a = series.get(key(labelValues));
        return a == null ? 0 : a.sum();
    }

    @Override
    String type() {
        return "counter";
    }

    @Override
    void writeSamples(StringBuilder out) {
        series.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(Object::toString)))
                .forEach(e -> {
                    out.append(name());
                    labels(out, labelNames(), e.getKey(), null, null);
                    out.append(' ').append(e.getValue().sum()).append('\n');
                });
    }
}
