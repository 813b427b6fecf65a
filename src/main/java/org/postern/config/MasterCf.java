package org.postern.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parser for Postfix master.cf (master(5)): eight whitespace-separated fields
 * {@code service type private unpriv chroot wakeup maxproc command} followed by arguments,
 * continuation lines that start with whitespace, and {@code #} comments.
 *
 * <p>Arguments of the form {@code -o name=value} and, since Postfix 3.0, {@code -o { name = value
 * with spaces }} become per-service parameter overrides. A later line with the same service name
 * and type replaces the earlier one (master(5)), with a warning naming both lines.
 */
public record MasterCf(Path file, List<MasterService> services, List<ConfigProblem> problems) {

    private static final Set<String> TYPES = Set.of("inet", "unix", "unix-dgram", "fifo", "pass");
    private static final Set<String> YES_NO_DEFAULT = Set.of("y", "n", "-");

    public MasterCf {
        services = List.copyOf(services);
        problems = List.copyOf(problems);
    }

    /** Reads and parses a master.cf file. */
    public static MasterCf read(Path file) throws IOException {
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses master.cf text; {@code file} is used only to name origins. */
    public static MasterCf parse(Path file, String text) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, MasterService> byKey = new LinkedHashMap<>();
        for (MainCf.LogicalLine line : MainCf.LogicalLine.split(file, text, problems)) {
            MasterService service = parseLine(line, problems);
            if (service == null) {
                continue;
            }
            MasterService earlier = byKey.put(service.key(), service);
            if (earlier != null) {
                problems.add(ConfigProblem.warning(service.origin(), service.name() + " " + service.type(),
                        "replaces the service defined at " + earlier.origin(),
                        "remove one of the two entries; the later one wins"));
            }
        }
        return new MasterCf(file, new ArrayList<>(byKey.values()), problems);
    }

    private static MasterService parseLine(MainCf.LogicalLine line, List<ConfigProblem> problems) {
        Origin origin = line.origin();
        List<String> fields;
        try {
            fields = tokenize(line.text());
        } catch (IllegalArgumentException e) {
            problems.add(ConfigProblem.error(origin, line.text(), e.getMessage(), "close every '{' with '}'"));
            return null;
        }
        if (fields.size() < 8) {
            problems.add(ConfigProblem.error(origin, line.text(),
                    "a service needs 8 fields, found " + fields.size(),
                    "write: service type private unpriv chroot wakeup maxproc command [args]"));
            return null;
        }
        int before = problems.size();
        String name = fields.get(0);
        String type = fields.get(1);
        if (!TYPES.contains(type)) {
            problems.add(ConfigProblem.error(origin, type, "unknown service type for service " + name,
                    "use one of inet, unix, unix-dgram, fifo or pass"));
        }
        String[] flagNames = {"private", "unpriv", "chroot"};
        for (int i = 0; i < 3; i++) {
            if (!YES_NO_DEFAULT.contains(fields.get(2 + i))) {
                problems.add(ConfigProblem.error(origin, fields.get(2 + i),
                        "bad " + flagNames[i] + " field for service " + name, "use y, n or -"));
            }
        }
        if (!fields.get(5).matches("-|\\d+\\??")) {
            problems.add(ConfigProblem.error(origin, fields.get(5), "bad wakeup field for service " + name,
                    "use - or a number of seconds, optionally followed by ?"));
        }
        if (!fields.get(6).matches("-|\\d+")) {
            problems.add(ConfigProblem.error(origin, fields.get(6), "bad maxproc field for service " + name,
                    "use - or a number"));
        }
        List<Setting> overrides = new ArrayList<>();
        List<String> args = new ArrayList<>();
        for (int i = 8; i < fields.size(); i++) {
            String arg = fields.get(i);
            if (!arg.equals("-o")) {
                args.add(arg);
                continue;
            }
            if (i + 1 >= fields.size()) {
                problems.add(ConfigProblem.error(origin, "-o", "missing name=value after -o in service " + name,
                        "write -o name=value or -o { name = value }"));
                break;
            }
            String assignment = fields.get(++i);
            Setting setting = parseOverride(assignment, origin, problems);
            if (setting != null) {
                overrides.add(setting);
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new MasterService(name, type, fields.get(2), fields.get(3), fields.get(4), fields.get(5),
                fields.get(6), fields.get(7), overrides, args, origin);
    }

    private static Setting parseOverride(String assignment, Origin origin, List<ConfigProblem> problems) {
        String body = assignment;
        boolean longForm = assignment.startsWith("{");
        if (longForm) {
            // Postfix 3.0 long form: "{ name = value }"; spaces around '=' and inside the value are allowed.
            body = assignment.substring(1, assignment.length() - 1).strip();
        }
        int eq = body.indexOf('=');
        String name = eq < 0 ? "" : body.substring(0, eq);
        if (longForm) {
            name = name.strip();
        }
        if (eq < 0 || !MainCf.isValidName(name)) {
            problems.add(ConfigProblem.error(origin, "-o " + assignment, "bad parameter override",
                    "write -o name=value (no spaces) or -o { name = value }"));
            return null;
        }
        String value = body.substring(eq + 1);
        return new Setting(name, longForm ? value.strip() : value, origin);
    }

    /** Splits on whitespace, keeping a "{ ... }" group (with nesting) as one token. */
    static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            if (text.charAt(i) == '{') {
                int depth = 0;
                for (; i < n; i++) {
                    char c = text.charAt(i);
                    if (c == '{') {
                        depth++;
                    } else if (c == '}' && --depth == 0) {
                        i++;
                        break;
                    }
                }
                if (depth != 0) {
                    throw new IllegalArgumentException("missing '}'");
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
            }
            tokens.add(text.substring(start, i));
        }
        return tokens;
    }
}
