package org.postern.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The effective parameters of main.cf or of one master.cf service: main.cf settings, then that
 * service's {@code -o} overrides, then built-in defaults. Values are expanded when read, so an
 * override of one parameter changes every parameter that refers to it (as in Postfix, where
 * {@code -o} replaces the parameter before any expansion).
 *
 * <p>The typed getters assume a validated configuration ({@link Configuration#load}); on a
 * malformed value they throw {@link IllegalStateException}.
 */
public final class ParameterSet {

    private final Map<String, Setting> explicit;

    ParameterSet(Map<String, Setting> explicit) {
        this.explicit = Collections.unmodifiableMap(new LinkedHashMap<>(explicit));
    }

    /** A copy of this set with {@code overrides} applied on top, later ones winning. */
    ParameterSet with(List<Setting> overrides) {
        Map<String, Setting> merged = new LinkedHashMap<>(explicit);
        for (Setting s : overrides) {
            merged.put(s.name(), s);
        }
        return new ParameterSet(merged);
    }

    /**
     * The raw (unexpanded) effective value: the explicit setting, else the built-in default.
     * Null only for a name that is neither set nor a known parameter.
     */
    public String raw(String name) {
        Setting s = explicit.get(name);
        if (s != null) {
            return s.value();
        }
        return switch (name) {
            // postconf(5): the defaults of myhostname and mydomain are computed from the system.
            case "myhostname" -> SystemHost.NAME;
            case "mydomain" -> {
                String host = get("myhostname");
                int dot = host.indexOf('.');
                yield dot < 0 || dot == host.length() - 1 ? "localdomain" : host.substring(dot + 1);
            }
            default -> Parameters.get(name).map(Parameter::defaultValue).orElse(null);
        };
    }

    /**
     * The expanded effective value; {@code null} for a name that is neither set nor known.
     * Template parameters (run-time macros such as {@code $rbl_code}) are returned raw.
     */
    public String get(String name) {
        String raw = raw(name);
        if (raw == null) {
            return null;
        }
        if (Parameters.get(name).map(p -> p.type() == ParameterType.TEMPLATE).orElse(false)) {
            return raw;
        }
        try {
            return new Expander(this::raw).expandParameter(name);
        } catch (Expander.ExpansionException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** Expands arbitrary text against this set (e.g. a restriction class value). */
    String expand(String text) {
        return new Expander(this::raw).expand(text);
    }

    public boolean bool(String name) {
        String v = get(name);
        if ("yes".equalsIgnoreCase(v)) {
            return true;
        }
        if ("no".equalsIgnoreCase(v)) {
            return false;
        }
        throw new IllegalStateException(name + " = " + v + ": not yes or no");
    }

    public int integer(String name) {
        try {
            return Integer.parseInt(get(name).strip());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalStateException(name + " = " + get(name) + ": not an integer", e);
        }
    }

    public long size(String name) {
        try {
            return Long.parseLong(get(name).strip());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalStateException(name + " = " + get(name) + ": not a size in bytes", e);
        }
    }

    public Duration time(String name) {
        char unit = Parameters.get(name).map(Parameter::timeUnit).filter(u -> u != 0).orElse('s');
        Duration d = parseTime(get(name), unit);
        if (d == null) {
            throw new IllegalStateException(name + " = " + get(name) + ": not a time value");
        }
        return d;
    }

    /**
     * Postfix time syntax (postconf(5)): digits followed by an optional unit s, m, h, d or w;
     * a bare number uses the parameter's default unit. Null if malformed.
     */
    static Duration parseTime(String value, char defaultUnit) {
        if (value == null || !value.strip().matches("\\d+[smhdwSMHDW]?")) {
            return null;
        }
        String v = value.strip();
        char last = Character.toLowerCase(v.charAt(v.length() - 1));
        char unit = Character.isDigit(last) ? defaultUnit : last;
        String digits = Character.isDigit(last) ? v : v.substring(0, v.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return null;
        }
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(n * 7);
            default -> null;
        };
    }

    /** The expanded value split as a Postfix list (commas and/or whitespace, "{ }" groups kept). */
    public List<String> list(String name) {
        return PostfixLists.split(get(name));
    }

    /** Where the effective value was set: a main.cf or master.cf line, or {@link Origin#BUILT_IN}. */
    public Origin origin(String name) {
        Setting s = explicit.get(name);
        return s == null ? Origin.BUILT_IN : s.origin();
    }

    /** True if main.cf or a {@code -o} override sets this name. */
    public boolean isExplicit(String name) {
        return explicit.containsKey(name);
    }

    /** Every known parameter name plus every explicitly set name, sorted as postconf prints them. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(explicit.keySet());
        for (Parameter p : Parameters.all()) {
            names.add(p.name());
        }
        return Collections.unmodifiableSet(names);
    }

    /** The explicit settings, in file order. */
    public Map<String, Setting> explicitSettings() {
        return explicit;
    }

    /** The machine's host name, looked up once (gethostname, as Postfix does). */
    private static final class SystemHost {
        static final String NAME = lookup();

        private static String lookup() {
            try {
                return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            } catch (UnknownHostException e) {
                return "localhost";
            }
        }
    }
}
