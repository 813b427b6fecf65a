package org.postern.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parser for Postfix main.cf syntax (postconf(5), "SYNTAX"): {@code name = value} lines, where a
 * line that starts with whitespace continues the previous logical line, and empty lines and
 * lines whose first non-blank character is {@code #} are ignored, also between continuation
 * lines. The parser reports every malformed line instead of stopping at the first one.
 *
 * <p>The result keeps each name once, at the position of its first setting, with the value and
 * origin of its last setting: as in Postfix, a later setting overrides an earlier one. Each
 * override leaves a warning naming both lines, because it is usually an editing mistake.
 */
public record MainCf(Path file, List<Setting> settings, List<ConfigProblem> problems) {

    public MainCf {
        settings = List.copyOf(settings);
        problems = List.copyOf(problems);
    }

    /** Reads and parses a main.cf file. */
    public static MainCf read(Path file) throws IOException {
        return parse(file, Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses main.cf text; {@code file} is used only to name origins. */
    public static MainCf parse(Path file, String text) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Setting> byName = new LinkedHashMap<>();
        for (LogicalLine line : LogicalLine.split(file, text, problems)) {
            Setting setting = parseLine(line, problems);
            if (setting == null) {
                continue;
            }
            Setting earlier = byName.put(setting.name(), setting);
            if (earlier != null) {
                problems.add(ConfigProblem.warning(setting.origin(), setting.name(),
                        "overrides the setting at " + earlier.origin(),
                        "remove one of the two lines; the later one wins"));
            }
        }
        return new MainCf(file, new ArrayList<>(byName.values()), problems);
    }

    private static Setting parseLine(LogicalLine line, List<ConfigProblem> problems) {
        String text = line.text();
        int eq = text.indexOf('=');
        if (eq < 0) {
            problems.add(ConfigProblem.error(line.origin(), text, "missing '=' in a parameter setting",
                    "write name = value"));
            return null;
        }
        String name = text.substring(0, eq).strip();
        String value = text.substring(eq + 1).strip();
        if (name.isEmpty()) {
            problems.add(ConfigProblem.error(line.origin(), text, "missing parameter name before '='",
                    "write name = value"));
            return null;
        }
        if (!isValidName(name)) {
            problems.add(ConfigProblem.error(line.origin(), text, "illegal parameter name '" + name + "'",
                    "a name has only letters, digits, '_' and '-' (a line that continues the previous"
                            + " setting must start with whitespace)"));
            return null;
        }
        return new Setting(name, value, line.origin());
    }

    /**
     * Postfix parameter names are letters, digits and underscores; a master.cf service name may
     * add {@code -} (as in {@code smtp-amavis_destination_recipient_limit}).
     */
    static boolean isValidName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A logical line of main.cf or master.cf: physical lines joined at continuations with a
     * single space, with the origin of its first physical line.
     */
    record LogicalLine(String text, Origin origin) {

        static List<LogicalLine> split(Path file, String text, List<ConfigProblem> problems) {
            List<LogicalLine> result = new ArrayList<>();
            StringBuilder current = null;
            Origin currentOrigin = null;
            String[] lines = text.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String raw = lines[i];
                String stripped = raw.strip();
                if (stripped.isEmpty() || stripped.startsWith("#")) {
                    continue;
                }
                Origin origin = Origin.of(file, i + 1);
                if (Character.isWhitespace(raw.charAt(0))) {
                    if (current == null) {
                        problems.add(ConfigProblem.error(origin, stripped,
                                "continuation line before any setting",
                                "remove the leading whitespace to start a new setting"));
                        continue;
                    }
                    current.append(' ').append(stripped);
                    continue;
                }
                if (current != null) {
                    result.add(new LogicalLine(current.toString(), currentOrigin));
                }
                current = new StringBuilder(stripped);
                currentOrigin = origin;
            }
            if (current != null) {
                result.add(new LogicalLine(current.toString(), currentOrigin));
            }
            return result;
        }
    }
}
