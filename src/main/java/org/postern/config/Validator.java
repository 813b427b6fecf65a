package org.postern.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Load-time checks of a configuration: parameter names (known, Postfix-only, user-defined or
 * misspelt), values per {@link ParameterType} after expansion, expansion loops, table
 * references and, through a {@link RestrictionChecker}, restriction lists.
 */
final class Validator {

    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(/(\\d{1,2}))?");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%\\w+)?(/\\d{1,3})?");
    private static final Pattern HOSTNAME = Pattern.compile("\\.?[A-Za-z0-9_*]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\\.?");

    private final Configuration config;
    private final TableChecker tables;
    private final RestrictionChecker restrictions;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Set<String> userDefined = new HashSet<>();
    private final Set<String> serviceNames = new HashSet<>();

    Validator(Configuration config, TableChecker tables, RestrictionChecker restrictions) {
        this.config = config;
        this.tables = tables;
        this.restrictions = restrictions;
    }

    List<ConfigProblem> validate() {
        collectUserDefined();
        checkSet(config.main(), null);
        for (Listener listener : config.listeners()) {
            checkSet(listener.parameters(), listener);
        }
        Set<String> seen = new LinkedHashSet<>();
        return problems.stream().filter(p -> seen.add(p.toString())).toList();
    }

    /**
     * Postfix accepts any parameter that some value refers to ({@code $name}), and every name in
     * smtpd_restriction_classes (postconf(5), RESTRICTION_CLASS_README).
     */
    private void collectUserDefined() {
        List<ParameterSet> sets = new ArrayList<>();
        sets.add(config.main());
        config.listeners().forEach(l -> sets.add(l.parameters()));
        for (Setting s : config.mainCf().settings()) {
            userDefined.addAll(Expander.references(s.value()));
        }
        for (MasterService service : config.masterServices()) {
            serviceNames.add(service.name());
            for (Setting s : service.overrides()) {
                userDefined.addAll(Expander.references(s.value()));
            }
        }
        for (ParameterSet set : sets) {
            try {
                userDefined.addAll(set.list("smtpd_restriction_classes"));
            } catch (IllegalStateException e) {
                // reported by checkSet
            }
        }
    }

    private void checkSet(ParameterSet set, Listener listener) {
        for (Setting s : set.explicitSettings().values()) {
            checkName(s);
        }
        for (String name : set.names()) {
            Origin origin = set.origin(name);
            String value;
            try {
                value = set.get(name);
            } catch (IllegalStateException e) {
                if (!set.isExplicit(name)) {
                    continue; // a default that refers to a looping explicit setting; that one is reported
                }
                problems.add(ConfigProblem.error(origin, name + " = " + set.raw(name),
                        e.getCause() != null ? e.getCause().getMessage() : e.getMessage(),
                        "remove the circular reference or close the braces"));
                continue;
            }
            if (set.isExplicit(name)) {
                checkUndefinedReferences(set, name, origin);
            }
            Parameter parameter = Parameters.get(name).orElse(null);
            if (parameter == null || value == null) {
                continue;
            }
            if (set.isExplicit(name)) {
                checkValue(parameter, set.raw(name), value, origin);
            }
            checkTables(parameter, value, origin);
        }
        try {
            problems.addAll(restrictions.check(set, listener, tables));
        } catch (IllegalStateException e) {
            // A value that cannot be expanded; already reported above.
        }
    }

    private void checkName(Setting s) {
        String name = s.name();
        if (Parameters.isKnown(name) || userDefined.contains(name)) {
            return;
        }
        if (PostfixOnlyParameters.contains(name)) {
            problems.add(ConfigProblem.warning(s.origin(), name,
                    "accepted for compatibility, not used by Postern", "you may remove it"));
            return;
        }
        // Postfix per-transport settings: "<service>_<suffix>" next to "default_<suffix>".
        int us = name.indexOf('_');
        while (us > 0) {
            String service = name.substring(0, us);
            String suffix = name.substring(us + 1);
            if (serviceNames.contains(service)
                    && (Parameters.isKnown("default_" + suffix) || Parameters.isKnown("smtp_" + suffix))) {
                problems.add(ConfigProblem.warning(s.origin(), name,
                        "per-transport setting for master.cf service " + service
                                + "; accepted for compatibility, not used by Postern", "you may remove it"));
                return;
            }
            us = name.indexOf('_', us + 1);
        }
        Set<String> candidates = new LinkedHashSet<>();
        Parameters.all().forEach(p -> candidates.add(p.name()));
        candidates.addAll(PostfixOnlyParameters.names());
        problems.add(ConfigProblem.error(s.origin(), name, "unknown parameter",
                Suggestions.didYouMean(name, candidates,
                        "see docs/parameters.md for the parameters Postern knows; a parameter of your own must "
                                + "be referred to as $" + name + " somewhere or listed in smtpd_restriction_classes")));
    }

    private void checkUndefinedReferences(ParameterSet set, String name, Origin origin) {
        if (Parameters.get(name).map(p -> p.type() == ParameterType.TEMPLATE).orElse(false)) {
            return;
        }
        for (String ref : Expander.references(set.raw(name))) {
            if (set.raw(ref) == null) {
                problems.add(ConfigProblem.warning(origin, name + " = " + set.raw(name),
                        "$" + ref + " is not defined and expands to nothing",
                        "define " + ref + " or check the spelling"));
            }
        }
    }

    private void checkValue(Parameter p, String raw, String value, Origin origin) {
        String v = value.strip();
        String text = p.name() + " = " + raw + (raw.equals(value) ? "" : " (expands to: " + value + ")");
        String fix = switch (p.type()) {
            case BOOLEAN -> v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("no") ? null : "use yes or no";
            case INTEGER -> INTEGER.matcher(v).matches() ? null : "use a whole number, e.g. " + p.defaultValue();
            case SIZE -> v.matches("\\d+") ? null : "use a number of bytes without unit, e.g. " + p.defaultValue();
            case TIME -> ParameterSet.parseTime(v, p.timeUnit()) != null ? null
                    : "use a number with an optional unit s, m, h, d or w (e.g. " + p.defaultValue()
                    + "); a bare number means " + unitName(p.timeUnit());
            case ENUM -> p.allowed().contains(v.toLowerCase(Locale.ROOT)) ? null
                    : "use one of " + String.join(", ", p.allowed().stream().filter(a -> !a.isEmpty()).toList())
                    + (p.allowed().contains("") ? " (or leave empty)" : "");
            case TABLES -> PostfixLists.split(v).stream().allMatch(PostfixLists::isTable) ? null
                    : "each item must be a lookup table type:name, e.g. hash:/etc/postfix/" + p.name().replace("_maps", "");
            case NETWORK_LIST -> firstBad(v, Validator::isNetwork,
                    "use CIDR blocks (10.0.0.0/8), [ipv6]/len, host names, !exclusions, /file names or type:table");
            case HOSTPORT_LIST -> firstBad(v, Validator::isHostPort, "use host[:port] or [ipv6]:port, port 1-65535");
            case DATABASE_URL -> v.isEmpty() || v.startsWith("postgresql://") || v.startsWith("postgres://")
                    || v.startsWith("sqlite:") || v.startsWith("jdbc:") ? null
                    : "use postgresql://user[:password]@host[:port]/database, sqlite:PATH, a jdbc: URL, or leave empty for SQLite";
            case STRING, TEMPLATE, LIST, DOMAIN_LIST, RESTRICTIONS -> null;
        };
        if (fix == null && p.name().equals("postern_dns_cache_size") && v.startsWith("-")) {
            fix = "use 0 (no cache) or a number of answers to keep, e.g. " + p.defaultValue();
        }
        if (fix != null) {
            problems.add(ConfigProblem.error(origin, text, "bad " + describe(p.type()) + " value", fix));
        }
    }

    private static String firstBad(String value, java.util.function.Predicate<String> ok, String fix) {
        for (String item : PostfixLists.split(value)) {
            if (!ok.test(item)) {
                return "'" + item + "' is not valid; " + fix;
            }
        }
        return null;
    }

    static boolean isNetwork(String item) {
        String s = item.startsWith("!") ? item.substring(1) : item;
        if (s.startsWith("/") || PostfixLists.isTable(s)) {
            return true;
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return false;
            }
            String rest = s.substring(close + 1);
            return IPV6.matcher(s.substring(1, close)).matches() && (rest.isEmpty() || rest.matches("/\\d{1,3}")
                    && Integer.parseInt(rest.substring(1)) <= 128);
        }
        var m = IPV4.matcher(s);
        if (m.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return m.group(6) == null || Integer.parseInt(m.group(6)) <= 32;
        }
        if (s.matches("[\\d./]+")) {
            return false;
        }
        return IPV6.matcher(s).matches() || HOSTNAME.matcher(s).matches();
    }

    static boolean isHostPort(String item) {
        String host = item;
        String port = null;
        if (item.startsWith("[")) {
            int close = item.indexOf(']');
            if (close < 0) {
                return false;
            }
            host = item.substring(1, close);
            String rest = item.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                port = rest.substring(1);
            }
            if (!IPV6.matcher(host).matches()) {
                return false;
            }
        } else {
            int colon = item.indexOf(':');
            if (colon >= 0) {
                if (item.indexOf(':', colon + 1) >= 0) {
                    return false;
                }
                host = item.substring(0, colon);
                port = item.substring(colon + 1);
            }
            if (!HOSTNAME.matcher(host).matches()) {
                return false;
            }
        }
        return port == null || port.matches("\\d{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535;
    }

    private void checkTables(Parameter p, String value, Origin origin) {
        if (p.type() != ParameterType.TABLES && p.type() != ParameterType.DOMAIN_LIST
                && p.type() != ParameterType.NETWORK_LIST) {
            return;
        }
        for (String item : PostfixLists.split(value)) {
            String spec = item.startsWith("!") ? item.substring(1) : item;
            if (PostfixLists.isTable(spec)) {
                String message = tables.check(spec);
                if (message != null) {
                    problems.add(ConfigProblem.error(origin, p.name() + " = " + value, spec + ": " + message, null));
                }
            }
        }
    }

    private static String unitName(char unit) {
        return switch (unit) {
            case 'm' -> "minutes";
            case 'h' -> "hours";
            case 'd' -> "days";
            case 'w' -> "weeks";
            default -> "seconds";
        };
    }

    private static String describe(ParameterType type) {
        return switch (type) {
            case BOOLEAN -> "boolean";
            case INTEGER -> "integer";
            case SIZE -> "size";
            case TIME -> "time";
            case ENUM -> "keyword";
            case TABLES -> "lookup table list";
            case NETWORK_LIST -> "network list";
            case HOSTPORT_LIST -> "host:port list";
            case DATABASE_URL -> "database URL";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }
}
