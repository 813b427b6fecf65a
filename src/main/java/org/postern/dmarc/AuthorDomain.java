package org.postern.dmarc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postern.dkim.HeaderField;

/**
 * The Author Domain(s) of a message: the domains of the addresses in its From header field
 * (RFC 9989 section 5.3.1, Extract Author Domain).
 *
 * <p>DMARC needs exactly one: "If zero or more than one domain is extracted from the
 * RFC5322.From header field, then DMARC validation is not possible". Several addresses in the
 * same domain are one Author Domain. {@link #problem()} says what is wrong otherwise; the
 * domains that could be read are kept so that the caller may evaluate each (section 11.5,
 * Denial of DMARC Processing Attacks).
 *
 * @param domains the distinct domains found, lower case, in order of appearance
 * @param problem empty when the message has exactly one From field with parseable addresses;
 *     otherwise why not (no From, several From fields, an address without a domain, ...)
 */
public record AuthorDomain(List<String> domains, String problem) {

    public AuthorDomain {
        domains = List.copyOf(domains);
    }

    /** True when there is exactly one Author Domain and nothing was wrong. */
    public boolean isSingle() {
        return problem.isEmpty() && domains.size() == 1;
    }

    /** The single Author Domain; empty unless {@link #isSingle()}. */
    public String domain() {
        return isSingle() ? domains.get(0) : "";
    }

    /** Reads the From field(s) of a message's header section. Never throws on bad input. */
    public static AuthorDomain extract(List<HeaderField> headers) {
        List<String> values = new ArrayList<>();
        for (HeaderField field : headers) {
            if (field.is("From")) {
                // Header bytes are held as ISO-8859-1 chars; RFC 6532 allows UTF-8 in addresses.
                values.add(new String(field.value().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
            }
        }
        if (values.isEmpty()) {
            return new AuthorDomain(List.of(), "no From header field");
        }
        List<String> domains = new ArrayList<>();
        String problem = values.size() > 1 ? values.size() + " From header fields (RFC 5322 allows one)" : "";
        for (String value : values) {
            String p = fromValue(value, domains);
            if (problem.isEmpty() && !p.isEmpty()) {
                problem = p;
            }
        }
        if (problem.isEmpty() && domains.isEmpty()) {
            problem = "From header field has no address";
        }
        if (problem.isEmpty() && domains.size() > 1) {
            problem = "From header field has addresses in " + domains.size() + " domains: " + String.join(", ", domains);
        }
        return new AuthorDomain(domains, problem);
    }

    /** Adds the domains of one From value (a mailbox-list, RFC 5322 section 3.6.2); returns a problem or "". */
    static String fromValue(String value, List<String> domains) {
        String problem = "";
        for (String mailbox : splitMailboxes(value)) {
            String addr = addrSpec(mailbox);
            if (addr.isEmpty()) {
                continue;
            }
            int at = lastAtOutsideQuotes(addr);
            String domain = at < 0 ? "" : addr.substring(at + 1).strip();
            if (domain.isEmpty() || domain.startsWith("[") || domain.contains(" ")) {
                if (problem.isEmpty()) {
                    problem = "From address '" + addr + "' has no usable domain";
                }
                continue;
            }
            String d = domain.toLowerCase(Locale.ROOT);
            if (d.endsWith(".")) {
                d = d.substring(0, d.length() - 1);
            }
            // RFC 1035 section 3.1: only the root has an empty label. "a@." would otherwise give
            // the Author Domain "" and "a@b.." the domain "b." (found by DmarcRecordFuzzTest).
            if (d.isEmpty() || d.startsWith(".") || d.endsWith(".") || d.contains("..")) {
                if (problem.isEmpty()) {
                    problem = "From address '" + addr + "' has no usable domain";
                }
                continue;
            }
            if (!domains.contains(d)) {
                domains.add(d);
            }
        }
        return problem;
    }

    /**
     * Splits at commas outside comments, quoted strings and angle brackets, with comments
     * removed and folding undone. Group syntax ({@code name: a@b, c@d;}, RFC 6854) is flattened.
     */
    static List<String> splitMailboxes(String value) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                continue; // unfold (RFC 5322 section 2.2.3)
            }
            if (c == '\\' && (quoted || depth > 0) && i + 1 < value.length()) {
                if (depth == 0) {
                    current.append(c).append(value.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (depth > 0) {
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                continue;
            }
            if (quoted) {
                current.append(c);
                if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            switch (c) {
                case '(' -> {
                    depth = 1;
                    current.append(' ');
                }
                case '"' -> {
                    quoted = true;
                    current.append(c);
                }
                case '<' -> {
                    angle = true;
                    current.append(c);
                }
                case '>' -> {
                    angle = false;
                    current.append(c);
                }
                case ',', ';' -> {
                    if (angle) {
                        current.append(c);
                    } else {
                        parts.add(current.toString());
                        current.setLength(0);
                    }
                }
                case ':' -> {
                    if (angle) {
                        current.append(c);
                    } else {
                        current.setLength(0); // "group-name:" starts a group; drop the name
                    }
                }
                default -> current.append(c);
            }
        }
        parts.add(current.toString());
        List<String> result = new ArrayList<>();
        for (String p : parts) {
            if (!p.isBlank()) {
                result.add(p.strip());
            }
        }
        return result;
    }

    /** The addr-spec of a mailbox: inside {@code <...>} when there is one, else the whole text. */
    private static String addrSpec(String mailbox) {
        int open = mailbox.lastIndexOf('<');
        if (open >= 0) {
            int close = mailbox.indexOf('>', open);
            String inside = close < 0 ? mailbox.substring(open + 1) : mailbox.substring(open + 1, close);
            // An obsolete route (RFC 5322 section 4.4, "@a,@b:user@domain") ends at the last ':'.
            int colon = inside.lastIndexOf(':');
            if (colon >= 0 && inside.startsWith("@")) {
                inside = inside.substring(colon + 1);
            }
            return inside.strip();
        }
        return mailbox.strip();
    }

    private static int lastAtOutsideQuotes(String addr) {
        boolean quoted = false;
        int at = -1;
        for (int i = 0; i < addr.length(); i++) {
            char c = addr.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '@' && !quoted) {
                at = i;
            }
        }
        return at;
    }
}
