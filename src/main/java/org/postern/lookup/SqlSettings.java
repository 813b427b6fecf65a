package org.postern.lookup;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code name = value} settings of an SQL table's {@code .cf} file (pgsql_table(5),
 * sqlite_table(5)), read with the usual Postfix rules: comments, blank lines, continuation lines.
 * Values are not quoted. Remembers the line of each setting so errors can point at it.
 */
final class SqlSettings {

    private static final Logger log = LoggerFactory.getLogger(SqlSettings.class);

    final Path file;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, SourceLines.Line> lines = new LinkedHashMap<>();

    private SqlSettings(Path file) {
        this.file = file;
    }

    static SqlSettings read(Path file, Set<String> known) throws TableConfigException {
        SqlSettings s = new SqlSettings(file);
        List<SourceLines.Line> all = SourceLines.read(file);
        for (SourceLines.Line line : all) {
            int eq = line.text().indexOf('=');
            if (eq <= 0) {
                throw TableConfigException.at(file, line.number(), line.text(), "not a setting",
                        "expected \"name = value\", for example \"query = SELECT ... WHERE x='%s'\"");
            }
            String name = line.text().substring(0, eq).strip();
            if (!known.contains(name)) {
                // Postfix ignores settings it does not know; say so, since it is usually a typo.
                log.warn("{}, line {}: unknown setting \"{}\" ignored; known settings are {}", file, line.number(), name, known);
            }
            s.values.put(name, line.text().substring(eq + 1).strip());
            s.lines.put(name, line);
        }
        return s;
    }

    String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    boolean has(String name) {
        String v = values.get(name);
        return v != null && !v.isEmpty();
    }

    String require(String name, String example) throws TableConfigException {
        if (!has(name)) {
            throw new TableConfigException(file + ": missing setting \"" + name + "\"; add a line such as \"" + example + "\"");
        }
        return values.get(name);
    }

    int integer(String name, int dflt) throws TableConfigException {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(name, "not a non-negative number", "write a number such as \"" + name + " = " + dflt + "\"");
    }

    /** An error about one setting, pointing at its line. */
    TableConfigException error(String name, String problem, String fix) {
        SourceLines.Line line = lines.get(name);
        if (line == null) {
            return new TableConfigException(file + ": " + problem + " in \"" + name + "\"; " + fix);
        }
        return TableConfigException.at(file, line.number(), line.text(), problem, fix);
    }
}
