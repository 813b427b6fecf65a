package org.postern.policy;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.postern.config.ParameterSet;
import org.postern.log.MailLog;
import org.postern.lookup.LookupException;
import org.postern.lookup.TableList;
import org.slf4j.Logger;

/**
 * Reply assembly of postfix-restrictions.md section 1.7: code and DSN validation, DSN first digit
 * synced to the code, the {@code smtpd_dsn_fix} address mapping per reply class, soft_bounce,
 * the 510-character limit, and the {@code smtpd_reject_footer} (or {@code smtpd_reject_footer_maps}). Also the small {@code $name},
 * {@code ${name}}, {@code ${name?text}}, {@code ${name:text}} expander used by footers and
 * {@code default_rbl_reply} (section 2.7).
 */
final class Replies {

    private static final Logger LOG = MailLog.logger("smtpd");

    private Replies() {
    }

    static PolicyReply assemble(int code, String dsn, String text, String cls, boolean softBounce) {
        if (code < 400 || code > 599 || dsn == null || !dsn.matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
            code = 450;
            dsn = "4.7.1";
            text = "Service unavailable";
        }
        if (softBounce && code >= 500) {
            code -= 100;
        }
        char first = (char) ('0' + code / 100);
        dsn = first + dsn.substring(1);
        dsn = fixDsn(dsn, cls);
        StringBuilder t = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            t.append(c < 32 || c == 127 ? ' ' : c);
        }
        int max = 510 - 4 - dsn.length() - 1;
        if (t.length() > max) {
            t.setLength(max);
        }
        return new PolicyReply(code, dsn, t.toString());
    }

    /** smtpd_dsn_fix: map X.1.Y codes to the sender, recipient or non-address context. */
    static String fixDsn(String dsn, String cls) {
        if (!dsn.startsWith(".1.", 1) || cls == null) {
            return dsn;
        }
        String x = dsn.substring(0, 1);
        String y = dsn.substring(4);
        return switch (cls) {
            case "Sender address" -> x + ".1." + switch (y) {
                case "1", "3", "4", "6" -> "7";
                case "2" -> "8";
                case "7", "8", "0" -> y;
                default -> "0";
            };
            case "Recipient address" -> x + ".1." + switch (y) {
                case "7" -> "3";
                case "8" -> "2";
                default -> y;
            };
            default -> x + ".0.0";
        };
    }

    /**
     * The reply as sent: footer lines appended (or joined with a leading \c). The footer is the
     * value smtpd_reject_footer_maps has for the whole reply ({@code 554 5.7.1 text}, after
     * soft_bounce: Postfix 3.7 lab), else smtpd_reject_footer.
     */
    static List<String> lines(PolicyReply reply, ParameterSet params, TableList footerMaps, SessionFacts f) {
        String footer = null;
        if (footerMaps != null && !footerMaps.isEmpty() && reply.code() >= 400) {
            try {
                footer = footerMaps.find(reply.toString()).orElse(null);
            } catch (LookupException e) {
                LOG.warn("smtpd_reject_footer_maps lookup error for \"{}\": {}", reply, e.getMessage());
            }
        }
        if (footer == null) {
            footer = params.get("smtpd_reject_footer");
        }
        String text = reply.text();
        if (footer != null && !footer.isEmpty()) {
            String expanded = expand(footer, name -> footerMacro(name, params, f)).replace("\\n", "\n");
            if (expanded.startsWith("\\c")) {
                text = text + expanded.substring(2);
            } else {
                text = text + "\n" + expanded;
            }
        }
        String[] parts = text.split("\n", -1);
        List<String> out = new ArrayList<>(parts.length);
        String dsn = reply.dsn() == null ? "" : reply.dsn() + " ";
        for (int i = 0; i < parts.length; i++) {
            out.add(reply.code() + (i == parts.length - 1 ? " " : "-") + dsn + parts[i]);
        }
        return out;
    }

    private static String footerMacro(String name, ParameterSet params, SessionFacts f) {
        return switch (name) {
            case "client_address" -> f.clientAddress();
            case "client_name" -> f.clientName();
            case "client_port" -> String.valueOf(f.clientPort());
            case "helo_name" -> f.heloName();
            case "server_name", "myhostname" -> params.get("myhostname");
            case "localtime" -> ZonedDateTime.now().format(DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT));
            default -> null;
        };
    }

    /** Expands macros; an unknown or null macro expands to the empty string. */
    static String expand(String template, Function<String, String> macros) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '$' || i + 1 >= template.length()) {
                out.append(c);
                continue;
            }
            char n = template.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                i++;
            } else if (n == '{') {
                int end = matchingBrace(template, i + 1);
                if (end < 0) {
                    out.append(c);
                    continue;
                }
                String body = template.substring(i + 2, end);
                int op = indexOfOp(body);
                String name = op < 0 ? body : body.substring(0, op);
                String value = macros.apply(name);
                boolean set = value != null && !value.isEmpty();
                if (op < 0) {
                    out.append(set ? value : "");
                } else if (body.charAt(op) == '?') {
                    out.append(set ? expand(body.substring(op + 1), macros) : "");
                } else {
                    out.append(set ? "" : expand(body.substring(op + 1), macros));
                }
                i = end;
            } else if (Character.isLetterOrDigit(n) || n == '_') {
                int j = i + 1;
                while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
                    j++;
                }
                String value = macros.apply(template.substring(i + 1, j));
                out.append(value == null ? "" : value);
                i = j - 1;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int indexOfOp(String body) {
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '?' || c == ':') {
                return i;
            }
        }
        return -1;
    }

    private static int matchingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '{') {
                depth++;
            } else if (s.charAt(i) == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
