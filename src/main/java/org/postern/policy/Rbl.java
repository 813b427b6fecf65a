package org.postern.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.postern.dns.DnsResult;
import org.postern.lookup.LookupException;

/**
 * DNS block and allow lists (postfix-restrictions.md sections 2.2 and 2.7): reject_rbl_client,
 * permit_dnswl_client, the reject_rhsbl_* family and permit_rhswl_client, with {@code =filter}
 * patterns ({@code 127.0.0.[2..5]}, {@code [n;n..m]} octets), the default_rbl_reply template with
 * the TXT reason, and rbl_reply_maps.
 */
final class Rbl {

    private Rbl() {
    }

    /** reject_rbl_client / permit_dnswl_client on the client IP (reversed octets or nibbles). */
    static int client(PolicySession s, String arg, boolean permit) {
        SessionFacts f = s.facts();
        byte[] ip = IpNet.bytes(f.clientAddress());
        if (ip == null) {
            return PolicySession.DUNNO;
        }
        StringBuilder q = new StringBuilder();
        if (ip.length == 4) {
            for (int i = 3; i >= 0; i--) {
                q.append(ip[i] & 255).append('.');
            }
        } else {
            for (int i = 15; i >= 0; i--) {
                q.append(Character.forDigit(ip[i] & 15, 16)).append('.').append(Character.forDigit((ip[i] >> 4) & 15, 16)).append('.');
            }
        }
        return check(s, arg, q.toString(), f.clientAddress(), "Client host", permit);
    }

    /** The RHSBL/RHSWL restrictions on a host or domain name. */
    static int rhs(PolicySession s, String arg, String name, String cls, boolean permit) {
        // A name with a trailing dot ("EHLO spam.example.", "x@spam.example.") is never found
        // listed: Postfix 3.7 looks it up as written, which is no valid name under the list
        // (differential test, DifferentialDnsTest configuration s).
        if (name == null || name.isEmpty() || name.equals("unknown") || name.startsWith("[") || name.endsWith(".")) {
            return PolicySession.DUNNO;
        }
        String n = name;
        String last = n.substring(n.lastIndexOf('.') + 1);
        if (!last.isEmpty() && last.chars().allMatch(Character::isDigit)) {
            return PolicySession.DUNNO;
        }
        SessionFacts f = s.facts();
        String what = switch (cls) {
            case "Sender address" -> f.sender();
            case "Recipient address" -> Addresses.strip(f.recipient());
            default -> name;
        };
        if (what == null || what.endsWith(".")) {
            return PolicySession.DUNNO;   // as a name with a trailing dot, above
        }
        return check(s, arg, n + ".", what, cls, permit);
    }

    private static int check(PolicySession s, String arg, String prefix, String what, String cls, boolean permit) {
        int eq = arg.indexOf('=');
        String domain = eq < 0 ? arg : arg.substring(0, eq);
        String filter = eq < 0 ? null : arg.substring(eq + 1);
        String query = prefix + domain;
        PolicyEngine e = s.engine();
        DnsResult<InetAddress> a = s.dns("A", query, () -> e.dns.a(query));
        if (a.tempfail()) {
            if (permit) {
                return s.deferIfReject(450, "4.7.1", "<" + s.facts().clientAddress() + ">: " + cls
                        + " rejected: Service unavailable", cls);
            }
            return PolicySession.DUNNO;
        }
        boolean listed = false;
        for (InetAddress ia : a.records()) {
            if (filter == null || matchesFilter(filter, ia.getHostAddress())) {
                listed = true;
                break;
            }
        }
        if (!listed) {
            return PolicySession.DUNNO;
        }
        if (permit) {
            String rcpt = Addresses.strip(s.facts().recipient());
            if (rcpt != null && !s.authorized(rcpt)) {
                return PolicySession.DUNNO; // section 2.2: never opens a relay
            }
            return PolicySession.OK;
        }
        DnsResult<String> txt = s.dns("TXT", query, () -> e.dns.txt(query));
        String reason = txt.records().isEmpty() ? null : txt.records().getFirst();
        String template = mapTemplate(s, domain, arg);
        String text = template == null ? null : expand(s, template, domain, cls, what, reason);
        if (text == null) {
            if (template != null) {
                // Postfix 3.7: a bad rbl_reply_maps template falls back to default_rbl_reply.
                s.warning("rbl_reject_reply: bad rbl reply template for domain " + domain + ": " + template);
            }
            String fallback = e.get("default_rbl_reply");
            text = expand(s, fallback, domain, cls, what, reason);
            if (text == null) {
                // Postfix's smtpd exits ("fatal: bad default rbl reply template"); a configuration error here.
                s.warning("rbl_reject_reply: bad default rbl reply template: " + fallback);
                throw s.configError();
            }
        }
        // "4xx " or "5xx " first, then an optional DSN (default x.7.1), else 450 4.7.1 (section 2.7)
        if (!text.matches("[45]\\d\\d .*")) {
            return s.reject(450, "4.7.1", "Service unavailable", cls);
        }
        int c = Integer.parseInt(text.substring(0, 3));
        String[] dt = PolicySession.dsnAndText(text.substring(4), (char) text.charAt(0) + ".7.1", "");
        return s.reject(c, dt[0], dt[1], cls);
    }

    /**
     * Expands an RBL reply template; null when it names a macro that RBL replies do not have
     * (Postfix 3.7 calls such a template bad). The macros are those of postconf(5)
     * default_rbl_reply.
     */
    private static String expand(PolicySession s, String template, String domain, String cls, String what, String reason) {
        SessionFacts f = s.facts();
        String rblCode = String.valueOf(s.engine().integer("maps_rbl_reject_code"));
        boolean[] unknown = {false};
        String text = Replies.expand(template, m -> switch (m) {
            case "rbl_code" -> rblCode;
            case "rbl_domain" -> domain;
            case "rbl_class" -> cls;
            case "rbl_what" -> what;
            case "rbl_reason", "rbl_txt" -> reason;
            case "client" -> s.clientNameAddr();
            case "client_address" -> f.clientAddress();
            case "client_name" -> f.clientName();
            case "reverse_client_name" -> f.reverseClientName();
            case "helo_name" -> f.heloName();
            case "sender" -> f.sender();
            case "recipient" -> Addresses.strip(f.recipient());
            default -> {
                s.warning("unknown macro name \"" + m + "\" in expansion request");
                unknown[0] = true;
                yield null;
            }
        });
        return unknown[0] ? null : text;
    }

    /** The rbl_reply_maps template for a list, or null for default_rbl_reply. */
    private static String mapTemplate(PolicySession s, String domain, String arg) {
        PolicyEngine e = s.engine();
        if (!e.rblReplyMaps.isEmpty()) {
            try {
                Optional<String> t = e.rblReplyMaps.find(arg);
                if (t.isEmpty() && !arg.equals(domain)) {
                    t = e.rblReplyMaps.find(domain);
                }
                if (t.isPresent()) {
                    return t.get();
                }
            } catch (LookupException ex) {
                s.warning("rbl_reply_maps lookup error: " + ex.getMessage());
            }
        }
        return null;
    }

    /** {@code a.b.c.d} where each octet is a number or {@code [n;n..m;...]}. */
    static boolean matchesFilter(String filter, String address) {
        String[] want = splitOctets(filter);
        String[] got = address.split("\\.");
        if (want == null || want.length != 4 || got.length != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            int v = Integer.parseInt(got[i]);
            if (!octetMatches(want[i], v)) {
                return false;
            }
        }
        return true;
    }

    private static String[] splitOctets(String filter) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inBracket = false;
        for (char c : filter.toCharArray()) {
            if (c == '[') {
                inBracket = true;
            } else if (c == ']') {
                inBracket = false;
            }
            if (c == '.' && !inBracket) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts.toArray(new String[0]);
    }

    private static boolean octetMatches(String pattern, int v) {
        if (!pattern.startsWith("[")) {
            return pattern.matches("\\d+") && Integer.parseInt(pattern) == v;
        }
        String body = pattern.substring(1, pattern.length() - 1);
        for (String item : body.split(";")) {
            int dots = item.indexOf("..");
            try {
                if (dots < 0 ? Integer.parseInt(item.strip()) == v
                        : v >= Integer.parseInt(item.substring(0, dots).strip())
                        && v <= Integer.parseInt(item.substring(dots + 2).strip())) {
                    return true;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }
}
