package org.postern.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.postern.config.ConfigProblem;
import org.postern.config.Listener;
import org.postern.config.Origin;
import org.postern.config.ParameterSet;
import org.postern.config.PostfixLists;
import org.postern.config.RestrictionChecker;
import org.postern.config.Suggestions;
import org.postern.config.TableChecker;

/**
 * Every restriction name Postern understands (Postfix's SMTPD_ACCESS_README / postconf(5), as
 * summarised in postfix-restrictions.md section 2, plus Postern's own {@code check_spf}), with
 * the argument each takes and whether Postfix has removed or deprecated it. As a
 * {@link RestrictionChecker} it validates restriction lists at load: unknown names, missing or
 * malformed arguments, bare tables where no implicit access check exists, and the relay-safety
 * rule of smtpd (section 1.5).
 */
public final class RestrictionCatalog implements RestrictionChecker {

    /** What follows a restriction name in the list. */
    public enum Argument {
        NONE("no argument"),
        TABLE("a lookup table type:name, e.g. hash:/etc/postfix/access"),
        DOMAIN("a DNS list domain, optionally with =reply-filter, e.g. zen.spamhaus.org=127.0.0.[2..11]"),
        NUMBER("a number of seconds"),
        POLICY_SERVICE("a policy server inet:host:port or unix:/path, or { endpoint, name=value ... }");

        private final String expected;

        Argument(String expected) {
            this.expected = expected;
        }

        public String expected() {
            return expected;
        }
    }

    public enum Status { CURRENT, DEPRECATED, REMOVED }

    /**
     * @param name      the name as written in a list
     * @param canonical the current Postfix name (differs for old aliases such as reject_unknown_client)
     * @param note      for deprecated and removed names: what to use instead
     */
    public record Restriction(String name, Argument argument, Status status, String canonical, String note) {
    }

    /** The lists smtpd evaluates, with the access check a bare type:table entry stands for (section 1.1). */
    public static final Map<String, String> LISTS;

    static {
        Map<String, String> lists = new LinkedHashMap<>();
        lists.put("smtpd_client_restrictions", "check_client_access");
        lists.put("smtpd_helo_restrictions", "check_helo_access");
        lists.put("smtpd_sender_restrictions", "check_sender_access");
        lists.put("smtpd_relay_restrictions", "check_recipient_access");
        lists.put("smtpd_recipient_restrictions", "check_recipient_access");
        lists.put("smtpd_data_restrictions", null);
        lists.put("smtpd_end_of_data_restrictions", null);
        lists.put("smtpd_etrn_restrictions", "check_etrn_access");
        LISTS = Collections.unmodifiableMap(lists);
    }

    /** Restrictions that satisfy smtpd's relay-safety search (section 1.5; check_relay_domains is gone). */
    private static final Set<String> RELAY_SAFE = Set.of("reject_unauth_destination", "defer_unauth_destination",
            "reject", "defer", "defer_if_permit");

    /** Per-service settings allowed inside check_policy_service { ... } (SMTPD_POLICY_README, Postfix 3.0). */
    private static final Set<String> POLICY_OPTIONS = Set.of("timeout", "max_idle", "max_ttl", "try_limit",
            "retry_delay", "default_action", "request_limit", "policy_context");

    private static final Map<String, Restriction> CATALOG = new LinkedHashMap<>();

    private static void add(String name, Argument argument) {
        CATALOG.put(name, new Restriction(name, argument, Status.CURRENT, name, null));
    }

    private static void alias(String old, String current) {
        Restriction r = CATALOG.get(current);
        CATALOG.put(old, new Restriction(old, r.argument(), Status.CURRENT, current, null));
    }

    static {
        // 2.1 generic
        for (String n : List.of("permit", "reject", "defer", "defer_if_permit", "defer_if_reject", "warn_if_reject",
                "reject_plaintext_session", "reject_unauth_pipelining", "reject_multi_recipient_bounce")) {
            add(n, Argument.NONE);
        }
        add("sleep", Argument.NUMBER);
        add("check_policy_service", Argument.POLICY_SERVICE);
        // 2.2 client
        for (String n : List.of("permit_mynetworks", "permit_inet_interfaces", "permit_sasl_authenticated",
                "permit_tls_clientcerts", "permit_tls_all_clientcerts", "reject_unknown_reverse_client_hostname",
                "reject_unknown_client_hostname")) {
            add(n, Argument.NONE);
        }
        alias("reject_unknown_client", "reject_unknown_client_hostname");
        for (String n : List.of("check_client_access", "check_reverse_client_hostname_access",
                "check_client_a_access", "check_client_mx_access", "check_client_ns_access",
                "check_reverse_client_hostname_a_access", "check_reverse_client_hostname_mx_access",
                "check_reverse_client_hostname_ns_access", "check_ccert_access", "check_sasl_access")) {
            add(n, Argument.TABLE);
        }
        for (String n : List.of("reject_rbl_client", "permit_dnswl_client", "reject_rhsbl_client",
                "reject_rhsbl_reverse_client", "permit_rhswl_client")) {
            add(n, Argument.DOMAIN);
        }
        // 2.3 helo
        for (String n : List.of("reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname",
                "reject_unknown_helo_hostname")) {
            add(n, Argument.NONE);
        }
        alias("reject_invalid_hostname", "reject_invalid_helo_hostname");
        alias("reject_non_fqdn_hostname", "reject_non_fqdn_helo_hostname");
        alias("reject_unknown_hostname", "reject_unknown_helo_hostname");
        for (String n : List.of("check_helo_access", "check_helo_a_access", "check_helo_mx_access", "check_helo_ns_access")) {
            add(n, Argument.TABLE);
        }
        add("reject_rhsbl_helo", Argument.DOMAIN);
        // 2.4 sender
        for (String n : List.of("reject_non_fqdn_sender", "reject_unknown_sender_domain", "reject_sender_login_mismatch",
                "reject_authenticated_sender_login_mismatch", "reject_unauthenticated_sender_login_mismatch",
                "reject_known_sender_login_mismatch", "reject_unlisted_sender", "reject_unverified_sender")) {
            add(n, Argument.NONE);
        }
        for (String n : List.of("check_sender_access", "check_sender_a_access", "check_sender_mx_access",
                "check_sender_ns_access")) {
            add(n, Argument.TABLE);
        }
        add("reject_rhsbl_sender", Argument.DOMAIN);
        // 2.5 recipient and relay
        for (String n : List.of("reject_non_fqdn_recipient", "reject_unknown_recipient_domain", "permit_auth_destination",
                "reject_unauth_destination", "defer_unauth_destination", "reject_unlisted_recipient",
                "reject_unverified_recipient")) {
            add(n, Argument.NONE);
        }
        alias("check_recipient_maps", "reject_unlisted_recipient");
        for (String n : List.of("check_recipient_access", "check_recipient_a_access", "check_recipient_mx_access",
                "check_recipient_ns_access", "check_etrn_access")) {
            add(n, Argument.TABLE);
        }
        add("reject_rhsbl_recipient", Argument.DOMAIN);
        // Postfix 3.9 deprecations and removals (section 12).
        CATALOG.put("permit_mx_backup", new Restriction("permit_mx_backup", Argument.NONE, Status.DEPRECATED,
                "permit_mx_backup", "Postfix 3.9 deprecates it because it accepts mail for any domain that lists "
                + "this host as MX; list the backup domains in relay_domains instead"));
        CATALOG.put("check_relay_domains", new Restriction("check_relay_domains", Argument.NONE, Status.REMOVED,
                "check_relay_domains", "Postfix 3.9 removed it; use permit_auth_destination or reject_unauth_destination"));
        CATALOG.put("reject_maps_rbl", new Restriction("reject_maps_rbl", Argument.NONE, Status.REMOVED,
                "reject_maps_rbl", "Postfix 3.9 removed it; use reject_rbl_client with a DNS list domain"));
        CATALOG.put("permit_naked_ip_address", new Restriction("permit_naked_ip_address", Argument.NONE, Status.REMOVED,
                "permit_naked_ip_address", "Postfix 3.9 removed it because it allowed open relaying; use "
                + "permit_mynetworks or permit_sasl_authenticated"));
        // Postern's own: SPF (RFC 7208) checked in-process instead of through a policy daemon.
        add("check_spf", Argument.NONE);
        // Postern's own: DMARC (RFC 9989) at end of data instead of an OpenDMARC milter.
        add("check_dmarc", Argument.NONE);
    }

    /** The checker to pass to {@code Configuration.load}. */
    public static final RestrictionCatalog INSTANCE = new RestrictionCatalog();

    /** The catalog's checks followed by the {@link ConfigDoctor}'s warnings: what start-up and config check run. */
    public static final RestrictionChecker WITH_DOCTOR = INSTANCE.andThen(ConfigDoctor.INSTANCE);

    private RestrictionCatalog() {
    }

    public static Optional<Restriction> lookup(String name) {
        return Optional.ofNullable(CATALOG.get(name));
    }

    public static Collection<Restriction> all() {
        return Collections.unmodifiableCollection(CATALOG.values());
    }

    @Override
    public List<ConfigProblem> check(ParameterSet params, Listener listener, TableChecker tables) {
        List<ConfigProblem> problems = new ArrayList<>();
        Set<String> classes = new LinkedHashSet<>(params.list("smtpd_restriction_classes"));
        for (var entry : LISTS.entrySet()) {
            checkList(params, entry.getKey(), entry.getValue(), entry.getValue() != null, classes, tables, problems);
        }
        for (String cls : classes) {
            if (params.raw(cls) == null) {
                problems.add(ConfigProblem.error(params.origin("smtpd_restriction_classes"), cls,
                        "restriction class listed in smtpd_restriction_classes has no definition",
                        "add " + cls + " = <restrictions> to main.cf"));
                continue;
            }
            checkList(params, cls, null, true, classes, tables, problems);
        }
        if (listener != null) {
            checkRelaySafety(params, listener, classes, problems);
        }
        return problems;
    }

    private static void checkList(ParameterSet params, String listName, String implicitAccess, boolean bareTableOk,
                                  Set<String> classes, TableChecker tables, List<ConfigProblem> problems) {
        Origin origin = params.origin(listName);
        List<String> items = params.list(listName);
        String where = listName + " = " + params.raw(listName);
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            if (PostfixLists.isTable(item)) {
                if (!bareTableOk) {
                    problems.add(ConfigProblem.error(origin, where, "'" + item + "': a bare lookup table has no "
                                    + "meaning in " + listName,
                            "name the check, e.g. check_client_access " + item + " or check_sender_access " + item));
                } else {
                    checkTable(item, where, origin, tables, problems);
                }
                continue;
            }
            if (classes.contains(item)) {
                continue;
            }
            Restriction r = CATALOG.get(item);
            if (r == null) {
                List<String> candidates = new ArrayList<>(CATALOG.keySet());
                candidates.addAll(classes);
                String fix = params.isExplicit(item) && !classes.contains(item)
                        ? "to use the parameter " + item + " as a restriction class, list it in smtpd_restriction_classes"
                        : Suggestions.didYouMean(item, candidates, "see the restriction list in SMTPD_ACCESS_README");
                problems.add(ConfigProblem.error(origin, where, "unknown restriction '" + item + "'", fix));
                continue;
            }
            switch (r.status()) {
                case REMOVED -> problems.add(ConfigProblem.error(origin, where, "restriction '" + item
                        + "' is no longer supported", r.note()));
                case DEPRECATED -> problems.add(ConfigProblem.warning(origin, where, "restriction '" + item
                        + "' is deprecated", r.note()));
                case CURRENT -> { }
            }
            if (r.argument() == Argument.NONE) {
                continue;
            }
            if (i + 1 >= items.size() || isRestrictionName(items.get(i + 1), classes)) {
                problems.add(ConfigProblem.error(origin, where, "missing argument after '" + item + "'",
                        item + " needs " + r.argument().expected()));
                continue;
            }
            String arg = items.get(++i);
            String bad = checkArgument(r, arg);
            if (bad != null) {
                problems.add(ConfigProblem.error(origin, where, "bad argument '" + arg + "' for " + item + ": " + bad,
                        item + " needs " + r.argument().expected()));
            } else if (r.argument() == Argument.TABLE) {
                checkTable(PostfixLists.split(PostfixLists.unbrace(arg)).getFirst(), where, origin, tables, problems);
            }
        }
    }

    private static boolean isRestrictionName(String item, Set<String> classes) {
        return CATALOG.containsKey(item) || classes.contains(item);
    }

    /** Null if the argument fits, else what is wrong with it. */
    private static String checkArgument(Restriction r, String arg) {
        return switch (r.argument()) {
            case NONE -> null;
            case TABLE -> {
                List<String> parts = PostfixLists.split(PostfixLists.unbrace(arg));
                yield !parts.isEmpty() && PostfixLists.isTable(parts.getFirst()) ? null : "not a lookup table";
            }
            case NUMBER -> arg.matches("\\d+") ? null : "not a number";
            case DOMAIN -> arg.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?(=\\S+)?") ? null : "not a domain name";
            case POLICY_SERVICE -> {
                List<String> parts = PostfixLists.split(PostfixLists.unbrace(arg));
                if (parts.isEmpty() || !(parts.getFirst().matches("inet:.+:\\S+") || parts.getFirst().startsWith("unix:"))) {
                    yield "not an endpoint";
                }
                // In the { } form, "name=value" options follow; default_action may contain spaces.
                for (String option : PostfixLists.unbrace(arg).split(",")) {
                    String o = option.strip();
                    if (o.equals(parts.getFirst()) || o.isEmpty()) {
                        continue;
                    }
                    int eq = o.indexOf('=');
                    if (eq < 0 || !POLICY_OPTIONS.contains(o.substring(0, eq).strip())) {
                        yield "unknown option '" + o + "' (use " + String.join(", ", POLICY_OPTIONS.stream().sorted().toList()) + ")";
                    }
                }
                yield null;
            }
        };
    }

    private static void checkTable(String spec, String where, Origin origin, TableChecker tables,
                                   List<ConfigProblem> problems) {
        String message = tables.check(spec);
        if (message != null) {
            problems.add(ConfigProblem.error(origin, where, spec + ": " + message, null));
        }
    }

    /**
     * smtpd refuses to start unless the relay or recipient list can reject mail for foreign
     * domains (postfix-restrictions.md section 1.5, smtpd_check.c). Classes are searched
     * recursively, the item after warn_if_reject does not count, and a bare permit ends a list.
     */
    private static void checkRelaySafety(ParameterSet params, Listener listener, Set<String> classes,
                                         List<ConfigProblem> problems) {
        if (searchRelaySafe(params, params.list("smtpd_relay_restrictions"), classes, 0)
                || searchRelaySafe(params, params.list("smtpd_recipient_restrictions"), classes, 0)) {
            return;
        }
        Origin relay = params.origin("smtpd_relay_restrictions");
        Origin recipient = params.origin("smtpd_recipient_restrictions");
        Origin origin = relay.isFile() ? relay : recipient.isFile() ? recipient : listener.origin();
        problems.add(ConfigProblem.error(origin,
                "service " + listener.name() + ": smtpd_relay_restrictions (" + relay + ") and smtpd_recipient_restrictions ("
                        + recipient + ")",
                "in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working "
                        + "instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit",
                "add reject_unauth_destination after the permit_* entries of smtpd_relay_restrictions, or this "
                        + "service would relay mail for anyone"));
    }

    /** Section 1.5: true if the relay or recipient list of {@code params} can reject foreign relaying. */
    static boolean relaySafe(ParameterSet params) {
        Set<String> classes = new LinkedHashSet<>(params.list("smtpd_restriction_classes"));
        return searchRelaySafe(params, params.list("smtpd_relay_restrictions"), classes, 0)
                || searchRelaySafe(params, params.list("smtpd_recipient_restrictions"), classes, 0);
    }

    private static boolean searchRelaySafe(ParameterSet params, List<String> items, Set<String> classes, int depth) {
        if (depth > 100) {
            return false;
        }
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            if (item.equals("permit")) {
                return false;
            }
            if (item.equals("warn_if_reject")) {
                i++;
                continue;
            }
            if (RELAY_SAFE.contains(item)) {
                return true;
            }
            if (classes.contains(item) && params.raw(item) != null
                    && searchRelaySafe(params, params.list(item), classes, depth + 1)) {
                return true;
            }
            Restriction r = CATALOG.get(item);
            if (r != null && r.argument() != Argument.NONE) {
                i++;
            }
        }
        return false;
    }
}
