package org.postern.metrics;

import java.util.List;
import java.util.regex.Pattern;

/** What every metric has: a name, a help text, a type and the names of its labels. */
public abstract sealed class Metric permits Counter, Gauge, Histogram {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final String name;
    private final String help;
    private final List<String> labelNames;

    Metric(String name, String help, String... labelNames) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: " + name);
        }
        for (String label : labelNames) {
            if (!NAME.matcher(label).matches() || label.startsWith("__")) {
                throw new IllegalArgumentException("not a Prometheus label name: " + label);
            }
        }
        this.name = name;
        this.help = help;
        this.labelNames = List.of(labelNames);
    }

    public String name() {
        return name;
    }

    String help() {
        return help;
    }

    /** counter, gauge or histogram: the word of the {@code # TYPE} line. */
    abstract String type();

    /** The sample lines, each ending in LF. */
    abstract void writeSamples(StringBuilder out);

    List<String> labelNames() {
        return labelNames;
    }

    /** The label values as a key; fails when their number does not match the label names. */
    List<String> key(String... values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", got " + values.length + " values");
        }
        for (String v : values) {
            if (v == null) {
                throw new IllegalArgumentException(name + ": null label value");
            }
        }
        return List.of(values);
    }

    /** {@code {a="x",b="y"}} (empty without labels), with an optional extra label (histogram's le). */
    static void labels(StringBuilder out, List<String> names, List<String> values, String extraName, String extraValue) {
        if (names.isEmpty() && extraName == null) {
            return;
        }
        out.append('{');
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(names.get(i)).append("=\"");
            escape(out, values.get(i));
            out.append('"');
        }
        if (extraName != null) {
            out.append(names.isEmpty() ? "" : ",").append(extraName).append("=\"").append(extraValue).append('"');
        }
        out.append('}');
    }

    /** Label values escape backslash, double quote and line feed (exposition format). */
    private static void escape(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** A sample value: integers without a fraction, as Prometheus clients write them. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
