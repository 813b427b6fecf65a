package org.postern.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Postfix list splitting: items are separated by commas and/or whitespace, and a
 * {@code { ... }} group stays one item together with any text attached to it, so that
 * {@code inline:{a=b, c=d}} and {@code check_policy_service { inet:host:port, timeout=10s }}
 * survive (postconf(5), Postfix 3.0 "{}" syntax).
 */
public final class PostfixLists {

    private PostfixLists() {
    }

    public static List<String> split(String value) {
        List<String> items = new ArrayList<>();
        if (value == null) {
            return items;
        }
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
                if (!current.isEmpty()) {
                    items.add(current.toString());
                    current.setLength(0);
                }
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}' && depth > 0) {
                depth--;
            }
            current.append(c);
        }
        if (!current.isEmpty()) {
            items.add(current.toString());
        }
        return items;
    }

    /** The text inside a {@code { ... }} group, trimmed; the item itself if it is not a group. */
    public static String unbrace(String item) {
        if (item.startsWith("{") && item.endsWith("}")) {
            return item.substring(1, item.length() - 1).strip();
        }
        return item;
    }

    /** True for a {@code type:table} lookup table reference such as {@code hash:/etc/postfix/access}. */
    /**
     * The items of a {@code /file} entry in a list parameter (such as {@code mynetworks} or
     * {@code relay_domains}): its lines split like the parameter, blank lines and {@code #}
     * comment lines skipped.
     */
    public static List<String> fileItems(java.nio.file.Path file) throws java.io.IOException {
        List<String> items = new java.util.ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(file)) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                items.addAll(split(l));
            }
        }
        return items;
    }

    public static boolean isTable(String item) {
        int colon = item.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = item.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+')) {
                return false;
            }
        }
        // An unbracketed IPv6 address or network such as "fe80::1/64" also has a colon.
        return Character.isLetter(item.charAt(0)) && !item.matches("[0-9a-fA-F:.]+(/\\d+)?");
    }
}
