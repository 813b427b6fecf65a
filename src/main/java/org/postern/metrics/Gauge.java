package org.postern.metrics;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A value read when scraped (open sessions, queue size by state): the running server sets the
 * source at start and clears it at stop, so that the gauge never reports a stopped server.
 */
public final class Gauge extends Metric {

    private volatile Supplier<Map<List<String>, ? extends Number>> source;

    public Gauge(String name, String help, String... labelNames) {
        super(name, help, labelNames);
    }

    /** The series (label values in label-name order, then value), or null for none. */
    public void source(Supplier<Map<List<String>, ? extends Number>> source) {
        this.source = source;
    }

    @Override
    String type() {
        return "gauge";
    }

    @Override
    void writeSamples(StringBuilder out) {
        Supplier<Map<List<String>, ? extends Number>> s = source;
        if (s == null) {
            return;
        }
        s.get().entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(Object::toString)))
                .forEach(e -> {
                    out.append(name());
                    labels(out, labelNames(), key(e.getKey().toArray(String[]::new)), null, null);
                    out.append(' ').append(number(e.getValue().doubleValue())).append('\n');
                });
    }
}
