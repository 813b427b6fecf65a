package org.postern.lookup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Tables written in the configuration itself: {@code inline:{ k1=v1, { k2 = value with spaces } }}
 * and {@code static:value} / {@code static:{value with spaces}} (Postfix DATABASE_README, "inline"
 * and "static"). Inline keys are exact and folded to lower case like other fixed-string tables.
 */
final class MemoryTable implements LookupTable {

    private final String spec;
    private final Map<String, String> map;
    private final String staticValue;

    private MemoryTable(String spec, Map<String, String> map, String staticValue) {
        this.spec = spec;
        this.map = map;
        this.staticValue = staticValue;
    }

    static MemoryTable inline(String spec, String name) throws TableConfigException {
        String body = name.strip();
        if (!body.startsWith("{") || !body.endsWith("}")) {
            throw new TableConfigException(spec + ": inline table must be enclosed in braces; write inline:{ key1=value1, key2=value2 }");
        }
        Map<String, String> map = new HashMap<>();
        for (String element : splitList(spec, body.substring(1, body.length() - 1))) {
            String e = element.startsWith("{") ? element.substring(1, element.length() - 1).strip() : element;
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new TableConfigException(spec + ": inline table element \"" + element
                        + "\" is not key=value; write key=value, or { key = value with spaces }");
            }
            map.putIfAbsent(e.substring(0, eq).strip().toLowerCase(Locale.ROOT), e.substring(eq + 1).strip());
        }
        return new MemoryTable(spec, map, null);
    }

    static MemoryTable staticValue(String spec, String name) throws TableConfigException {
        String value = name.strip();
        if (value.startsWith("{")) {
            if (!value.endsWith("}")) {
                throw new TableConfigException(spec + ": missing \"}\"; write static:{value with spaces}");
            }
            value = value.substring(1, value.length() - 1).strip();
        }
        return new MemoryTable(spec, null, value);
    }

    /**
     * Splits a Postfix list on commas and whitespace, keeping {@code {...}} groups whole (the
     * syntax of main.cf lists with braces).
     */
    static List<String> splitList(String where, String text) throws TableConfigException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (--depth < 0) {
                    throw new TableConfigException(where + ": unbalanced \"}\" in \"" + text + "\"; remove it or add the matching \"{\"");
                }
            }
            cur.append(c);
        }
        if (depth != 0) {
            throw new TableConfigException(where + ": missing \"}\" in \"" + text + "\"; close every \"{\"");
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> find(String key) {
        if (staticValue != null) {
            return Optional.of(staticValue);
        }
        return Optional.ofNullable(map.get(key.toLowerCase(Locale.ROOT)));
    }

    @Override
    public boolean fixedString() {
        return true;
    }
}
