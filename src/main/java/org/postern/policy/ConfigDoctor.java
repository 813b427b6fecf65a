package org.postern.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.postern.config.ConfigProblem;
import org.postern.config.Listener;
import org.postern.config.Origin;
import org.postern.config.ParameterSet;
import org.postern.config.PostfixLists;
import org.postern.config.RestrictionChecker;
import org.postern.config.TableChecker;

/**
 * Warnings about configurations that load fine but do not do what their author most likely
 * meant (postfix-restrictions.md sections 1, 2, 5, 7.2 and 9). Each is a
 * {@link ConfigProblem#warning} with the file and line of the list or parameter, what is wrong,
 * why it matters and the fix. It runs per listener, because most of these depend on what the
 * listener enables (SASL, TLS), and on the listener's effective lists (main.cf plus {@code -o}).
 *
 * <p>Only the top-level lists are examined, not restriction classes or access-table results:
 * those run conditionally, and a warning there would often be wrong.
 */
public final class ConfigDoctor implements RestrictionChecker {

    public static final ConfigDoctor INSTANCE = new ConfigDoctor();

    /** Checks that refuse a client for its DNS or HELO name, whoever it is (sections 2.2, 2.3). */
    private static final Set<String> HOST_CHECKS = Set.of("reject_unknown_reverse_client_hostname",
            "reject_unknown_client_hostname", "reject_unknown_helo_hostname", "reject_invalid_helo_hostname",
            "reject_non_fqdn_helo_hostname", "reject_rbl_client", "reject_rhsbl_client",
            "reject_rhsbl_reverse_client", "reject_rhsbl_helo");

    private static final Set<String> LOGIN_MISMATCH = Set.of("reject_sender_login_mismatch",
            "reject_authenticated_sender_login_mismatch", "reject_unauthenticated_sender_login_mismatch",
            "reject_known_sender_login_mismatch");

    private static final Set<String> RBL = Set.of("reject_rbl_client", "reject_rhsbl_client",
            "reject_rhsbl_reverse_client", "reject_rhsbl_helo", "reject_rhsbl_sender", "reject_rhsbl_recipient");

    private ConfigDoctor() {
    }

    /** One restriction of a list with its argument, under its canonical name. */
    record Entry(String name, String argument) {
    }

    /** The entries of a list; restriction classes and bare tables keep their text as the name. */
    static List<Entry> entries(ParameterSet params, String list) {
        List<String> items = params.list(list);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            var r = RestrictionCatalog.lookup(item.toLowerCase(Locale.ROOT));
            if (r.isEmpty() || PostfixLists.isTable(item)) {
                out.add(new Entry(item, null));
                continue;
            }
            String arg = r.get().argument() != RestrictionCatalog.Argument.NONE && i + 1 < items.size()
                    ? items.get(++i) : null;
            out.add(new Entry(r.get().canonical(), arg));
        }
        return out;
    }

    @Override
    public List<ConfigProblem> check(ParameterSet params, Listener listener, TableChecker tables) {
        if (listener == null) {
            return List.of(); // every check depends on what a listener enables
        }
        List<ConfigProblem> out = new ArrayList<>();
        try {
            hostChecksBeforeSasl(params, listener, out);
            loginMismatch(params, listener, out);
            saslPermitWithoutSasl(params, listener, out);
            authWithoutTls(params, listener, out);
            for (String list : RestrictionCatalog.LISTS.keySet()) {
                deadEntries(params, list, out);
                unauthPipelining(params, list, out);
                rblWithoutFilter(params, list, out);
                dmarcBeforeTheMessage(params, list, out);
            }
        } catch (IllegalStateException e) {
            return List.of(); // a bad value; the validator reports it as an error
        }
        return out;
    }

    private static boolean yes(ParameterSet params, String name) {
        return "yes".equalsIgnoreCase(params.get(name));
    }

    /**
     * Section 9: a user on a hotel, mobile or CGNAT network often has no reverse DNS name and a
     * laptop's HELO name is rarely a real one. On a listener where users log in, checks of
     * those names must come after permit_sasl_authenticated or they refuse the users.
     */
    private static void hostChecksBeforeSasl(ParameterSet params, Listener listener, List<ConfigProblem> out) {
        if (!yes(params, "smtpd_sasl_auth_enable")) {
            return;
        }
        for (String list : List.of("smtpd_client_restrictions", "smtpd_helo_restrictions")) {
            List<String> early = new ArrayList<>();
            for (Entry e : entries(params, list)) {
                if (e.name().equals("permit_sasl_authenticated") || e.name().equals("permit")) {
                    break;
                }
                if (HOST_CHECKS.contains(e.name())) {
                    early.add(e.name());
                }
            }
            if (early.isEmpty()) {
                continue;
            }
            boolean client = list.equals("smtpd_client_restrictions");
            out.add(ConfigProblem.warning(params.origin(list), list + " (listener " + listener.name() + ")",
                    String.join(", ", early) + " before permit_sasl_authenticated on a listener where users log in "
                            + "(smtpd_sasl_auth_enable = yes): a user on a network without reverse DNS or with a "
                            + "laptop's HELO name (hotel, mobile, CGNAT) is refused even after AUTH",
                    "put permit_sasl_authenticated first, or give the listener its own list in master.cf, e.g. "
                            + (client ? "-o smtpd_client_restrictions=permit_sasl_authenticated,reject"
                            : "-o smtpd_helo_restrictions=")));
        }
    }

    /** Section 2.4: the sender-login checks need SASL on the listener and an ownership table. */
    private static void loginMismatch(ParameterSet params, Listener listener, List<ConfigProblem> out) {
        boolean sasl = yes(params, "smtpd_sasl_auth_enable");
        boolean noMaps = params.list("smtpd_sender_login_maps").isEmpty();
        for (String list : RestrictionCatalog.LISTS.keySet()) {
            for (Entry e : entries(params, list)) {
                if (!LOGIN_MISMATCH.contains(e.name())) {
                    continue;
                }
                if (!sasl) {
                    out.add(ConfigProblem.warning(params.origin(list), list + " (listener " + listener.name() + ")",
                            e.name() + " is skipped on this listener because smtpd_sasl_auth_enable = no (Postfix "
                                    + "logs \"ignored: no SASL support\"), so it stops nobody from using your users' "
                                    + "addresses here",
                            "list it in the smtpd_sender_restrictions of the listeners where users log in "
                                    + "(-o in master.cf) and remove it here"));
                } else if (noMaps) {
                    out.add(ConfigProblem.warning(params.origin(list), list + " (listener " + listener.name() + ")",
                            e.name() + " with an empty smtpd_sender_login_maps: no address has an owner, so "
                                    + "reject_sender_login_mismatch and reject_authenticated_sender_login_mismatch "
                                    + "refuse every logged-in sender (553 5.7.1 ... not owned by user), the other "
                                    + "variants never match",
                            "set smtpd_sender_login_maps to a table of address -> login (Postern's default is "
                                    + "postern:sender_logins)"));
                }
            }
        }
    }

    /**
     * Section 2.2 and 9.3: permit_sasl_authenticated never matches without SASL on the listener,
     * and with smtpd_delay_reject = no the client and helo lists run before AUTH is possible.
     * Only lists the admin wrote count: Postfix's default relay list has it for when SASL is on.
     */
    private static void saslPermitWithoutSasl(ParameterSet params, Listener listener, List<ConfigProblem> out) {
        boolean sasl = yes(params, "smtpd_sasl_auth_enable");
        List<String> inert = new ArrayList<>();
        for (String list : RestrictionCatalog.LISTS.keySet()) {
            boolean early = list.equals("smtpd_client_restrictions") || list.equals("smtpd_helo_restrictions");
            boolean neverAuthenticated = !sasl || early && !yes(params, "smtpd_delay_reject");
            if (params.isExplicit(list) && neverAuthenticated
                    && entries(params, list).stream().anyMatch(e -> e.name().equals("permit_sasl_authenticated"))) {
                inert.add(list);
            }
        }
        if (inert.isEmpty()) {
            return;
        }
        String why = sasl ? "smtpd_delay_reject = no makes these lists run at CONNECT and HELO, before the client "
                + "can send AUTH" : "smtpd_sasl_auth_enable = no on this listener: AUTH is not offered, so no "
                + "client is ever authenticated here";
        String fix = sasl ? "set smtpd_delay_reject = yes (the default)"
                : "users submit on a listener with SASL (submission, ports 587/465); remove permit_sasl_authenticated "
                + "from these lists or set -o smtpd_sasl_auth_enable=yes on this listener";
        out.add(ConfigProblem.warning(params.origin(inert.getFirst()), "listener " + listener.name(),
                "permit_sasl_authenticated in " + String.join(", ", inert) + " never matches: " + why, fix));
    }

    /** Section 5.2: AUTH before TLS lets a client send its password in clear text. */
    private static void authWithoutTls(ParameterSet params, Listener listener, List<ConfigProblem> out) {
        if (!yes(params, "smtpd_sasl_auth_enable") || yes(params, "smtpd_tls_auth_only") || listener.wrapperMode()) {
            return;
        }
        String level = params.get("smtpd_tls_security_level").toLowerCase(Locale.ROOT);
        if (Set.of("encrypt", "verify", "secure", "fingerprint").contains(level)) {
            return;
        }
        out.add(ConfigProblem.warning(params.origin("smtpd_sasl_auth_enable"),
                "smtpd_sasl_auth_enable = yes (listener " + listener.name() + ")",
                "AUTH is offered without TLS (smtpd_tls_auth_only = no, smtpd_tls_security_level = "
                        + (level.isEmpty() ? "(empty)" : level) + "): a client may send its password in clear text",
                "-o smtpd_tls_auth_only=yes or -o smtpd_tls_security_level=encrypt on this listener "
                        + "(smtpd_tls_wrappermode=yes for port 465)"));
    }

    /** Section 2.1: an unconditional permit, reject or defer ends the list for every client. */
    private static void deadEntries(ParameterSet params, String list, List<ConfigProblem> out) {
        List<Entry> entries = entries(params, list);
        for (int i = 0; i < entries.size() - 1; i++) {
            String n = entries.get(i).name();
            boolean softened = i > 0 && entries.get(i - 1).name().equals("warn_if_reject");
            if (!softened && (n.equals("permit") || n.equals("reject") || n.equals("defer"))) {
                List<String> dead = entries.subList(i + 1, entries.size()).stream().map(Entry::name).toList();
                out.add(ConfigProblem.warning(params.origin(list), list,
                        String.join(", ", dead) + (dead.size() == 1 ? " is" : " are") + " never evaluated: the "
                                + "unconditional '" + n + "' before " + (dead.size() == 1 ? "it" : "them")
                                + " ends the list for every client",
                        "remove " + (dead.size() == 1 ? "it" : "them") + ", or move '" + n + "' to the end"));
                return;
            }
        }
    }

    /**
     * Section 7.2: the improper-pipelining flag is set when a client sends ahead before the
     * greeting, before EHLO, or after EHLO/HELO/DATA/NOOP/VRFY. With
     * smtpd_forbid_unauth_pipelining = yes (the default) the server answers 554 and disconnects
     * at that moment, so no list ever sees the flag. Otherwise, with smtpd_delay_reject = yes,
     * every list but the DATA ones runs at RCPT, before DATA: it cannot see the pipelining of
     * bulk mailers that send the message without waiting for the 354 reply, which is why
     * postconf(5) calls it useful only in smtpd_data_restrictions for ESMTP clients.
     */
    private static void unauthPipelining(ParameterSet params, String list, List<ConfigProblem> out) {
        if (entries(params, list).stream().noneMatch(e -> e.name().equals("reject_unauth_pipelining"))) {
            return;
        }
        if (yes(params, "smtpd_forbid_unauth_pipelining")) {
            out.add(ConfigProblem.warning(params.origin(list), list,
                    "reject_unauth_pipelining never matches: with smtpd_forbid_unauth_pipelining = yes (the default) "
                            + "improper pipelining is answered with 554 5.5.0 Error: SMTP protocol synchronization and a "
                            + "disconnect before any restriction list runs",
                    "remove it, or set smtpd_forbid_unauth_pipelining = no and keep it in smtpd_data_restrictions only"));
        } else if (yes(params, "smtpd_delay_reject") && !list.equals("smtpd_data_restrictions")
                && !list.equals("smtpd_end_of_data_restrictions")) {
            out.add(ConfigProblem.warning(params.origin(list), list,
                    "reject_unauth_pipelining here runs at RCPT TO (smtpd_delay_reject = yes), before DATA: it misses "
                            + "clients that send the message without waiting for the 354 reply to DATA, the improper "
                            + "pipelining it exists for",
                    "move it to smtpd_data_restrictions"));
        }
    }

    /** check_dmarc needs the message's From header and DKIM signatures: it only works at end of data. */
    private static void dmarcBeforeTheMessage(ParameterSet params, String list, List<ConfigProblem> out) {
        if (!list.equals("smtpd_end_of_data_restrictions")
                && entries(params, list).stream().anyMatch(e -> e.name().equals("check_dmarc"))) {
            out.add(ConfigProblem.warning(params.origin(list), list,
                    "check_dmarc never matches here: DMARC needs the message's From header and DKIM signatures, "
                            + "which exist only after the message is received",
                    "move it to smtpd_end_of_data_restrictions"));
        }
    }

    /**
     * Sections 2.2 and 2.7: without {@code =filter} any A record counts as a listing, including
     * the 127.255.255.x answers some lists (Spamhaus among them) give for errors such as queries
     * through a public resolver or over the free quota; then every client is refused.
     */
    private static void rblWithoutFilter(ParameterSet params, String list, List<ConfigProblem> out) {
        for (Entry e : entries(params, list)) {
            if (!RBL.contains(e.name()) || e.argument() == null || e.argument().contains("=")) {
                continue;
            }
            String domain = e.argument();
            String filter = switch (domain.toLowerCase(Locale.ROOT)) {
                case "zen.spamhaus.org" -> "127.0.0.[2..11]";
                case "dbl.spamhaus.org" -> "127.0.1.[2..99]";
                default -> "127.0.0.[2..255]";
            };
            out.add(ConfigProblem.warning(params.origin(list), list,
                    e.name() + " " + domain + " has no reply filter: any answer counts as listed, including the "
                            + "127.255.255.x codes some lists return for errors (public resolver, over quota), "
                            + "which then refuse every client",
                    "accept only the list's listing codes, e.g. " + e.name() + " " + domain + "=" + filter
                            + " (check the list's documentation)"));
        }
    }
}
