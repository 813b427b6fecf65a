package org.postern.lookup;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The {@code %} templates of Postfix's SQL tables (pgsql_table(5), sqlite_table(5), the
 * {@code query} and {@code result_format} settings), shared by {@code pgsql:} and {@code sqlite:}.
 *
 * <p>In {@code query}: {@code %s} the key, {@code %u} its local part (the whole key when it has
 * no {@code @}), {@code %d} its domain, {@code %1}..{@code %9} the domain's labels counted from the
 * right, {@code %%} a percent sign; upper case {@code %S %U %D} mean the same. Each substituted
 * value is quoted as an SQL string literal body. When a part is missing (empty local part, no
 * domain, too few labels) the query is suppressed and the key is not found.
 *
 * <p>In {@code result_format}: lower case codes refer to the result value, upper case and digits to
 * the key; a value lacking the part that a code needs is skipped.
 */
final class SqlTemplate {

    private SqlTemplate() {
    }

    /** Checks a template for unknown % codes; returns null when fine, else the problem. */
    static String validate(String template) {
        for (int i = 0; i < template.length(); i++) {
            if (template.charAt(i) != '%') {
                continue;
            }
            char c = i + 1 < template.length() ? template.charAt(i + 1) : 0;
            if ("%sudSUD123456789".indexOf(c) < 0 || c == 0) {
                return "unknown code %" + (c == 0 ? "" : String.valueOf(c))
                        + "; valid codes are %s %u %d %S %U %D %1..%9 and %% for a literal %";
            }
            i++;
        }
        return null;
    }

    /** The query for a (folded) key, or empty when a part the template needs is missing. */
    static Optional<String> query(String template, String key, UnaryOperator<String> quote) {
        Parts k = new Parts(key);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%' || i + 1 >= template.length()) {
                sb.append(c);
                continue;
            }
            char code = template.charAt(++i);
            String v = code == '%' ? null : k.part(Character.toLowerCase(code));
            if (code == '%') {
                sb.append('%');
            } else if (v == null) {
                return Optional.empty();
            } else {
                sb.append(quote.apply(v));
            }
        }
        return Optional.of(sb.toString());
    }

    /** One formatted result value, or empty when the value or key lacks a part the format needs. */
    static Optional<String> result(String format, String value, String key) {
        Parts v = new Parts(value);
        Parts k = new Parts(key);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char code = format.charAt(++i);
            if (code == '%') {
                sb.append('%');
                continue;
            }
            String part = Character.isLowerCase(code) ? v.part(code) : k.part(Character.toLowerCase(code));
            if (part == null) {
                return Optional.empty();
            }
            sb.append(part);
        }
        return Optional.of(sb.toString());
    }

    /** The parts of an address-like string that the % codes refer to. */
    private record Parts(String whole, String local, String domain) {
        Parts(String s) {
            this(s, at(s) < 0 ? s : s.substring(0, at(s)), at(s) < 0 ? null : s.substring(at(s) + 1));
        }

        private static int at(String s) {
            return s.lastIndexOf('@');
        }

        /** null when missing: empty local part, no domain, or too few domain labels. */
        String part(char code) {
            switch (code) {
                case 's':
                    return whole;
                case 'u':
                    return local.isEmpty() ? null : local;
                case 'd':
                    return domain == null || domain.isEmpty() ? null : domain;
                default:
                    if (domain == null || domain.isEmpty()) {
                        return null;
                    }
                    String[] labels = domain.split("\\.");
                    int n = code - '0';
                    return n > labels.length ? null : labels[labels.length - n];
            }
        }
    }
}
