package org.postern.policy;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.postern.config.ParameterSet;
import org.postern.config.PostfixLists;
import org.postern.dns.DnsResolver;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.lookup.TableList;
import org.postern.dmarc.Dmarc;
import org.postern.spf.Spf;
import org.postern.store.DmarcEvaluation;
import org.postern.spf.SpfDns;

/**
 * The compiled restriction configuration of one listener (main.cf plus its {@code -o}
 * overrides): the restriction lists and classes, every lookup table they name (opened once), the
 * address classifier, {@code mynetworks} and the policy-service clients. Thread-safe and shared by
 * all sessions of the listener; each SMTP connection gets a {@link #newSession()}.
 *
 * <p>Construction enforces the relay-safety rule of postfix-restrictions.md section 1.5 and
 * throws {@link PolicyConfigException} with Postfix's fatal text. Everything else about the lists
 * is evaluated lazily, as in Postfix (section 1.2).
 */
public final class PolicyEngine {

    /** How {@code sleep N} waits; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    static final String RELAY_SAFETY_FATAL = "in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, "
            + "specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, "
            + "reject, defer, defer_if_permit or check_relay_domains";

    final ParameterSet params;
    final DnsResolver dns;
    final Sleeper sleeper;
    final AddressClassifier classifier;
    final NetworkList mynetworks;
    /** Clients check_spf and check_dmarc leave alone (spf_dmarc_skip_addresses). */
    final NetworkList spfDmarcSkip;
    final Set<String> classes;
    final Map<String, List<String>> lists = new HashMap<>();
    private final Map<String, LookupTable> tables = new HashMap<>();
    private final Map<String, PolicyClient> policyClients = new HashMap<>();
    final TableList senderLoginMaps;
    final TableList virtualAliasMaps;
    final TableList virtualMailboxMaps;
    final TableList localRecipientMaps;
    final TableList relayRecipientMaps;
    final TableList rblReplyMaps;
    /** relay_clientcerts, for permit_tls_clientcerts. */
    final TableList relayClientcerts;
    /** smtpd_reject_footer_maps: footers by the reply as sent. */
    final TableList rejectFooterMaps;
    /** smtpd_log_access_permit_actions. */
    final ActionList permitLogActions;
    final String myorigin;
    final boolean parentMatchesAccess;
    /** SPF for check_spf, with myhostname as the receiving host (%{r}, RFC 7208 section 7.2). */
    final Spf spf;
    /** DMARC for check_dmarc. */
    final Dmarc dmarc;
    /** Receives every check_dmarc evaluation, for aggregate reports; the server sets a store writer. */
    Consumer<DmarcEvaluation> dmarcRecorder = evaluation -> { };

    public PolicyEngine(ParameterSet params, LookupTables tables, DnsResolver dns) {
        this(params, tables, dns, d -> Thread.sleep(d));
    }

    public PolicyEngine(ParameterSet params, LookupTables tables, DnsResolver dns, Sleeper sleeper) {
        this.params = params;
        this.dns = dns;
        this.sleeper = sleeper;
        if (!RestrictionCatalog.relaySafe(params)) {
            throw new PolicyConfigException("fatal: " + RELAY_SAFETY_FATAL);
        }
        this.classes = new LinkedHashSet<>(params.list("smtpd_restriction_classes"));
        List<String> parentMatching = params.list("parent_domain_matches_subdomains");
        this.parentMatchesAccess = parentMatching.contains("smtpd_access_maps");
        this.myorigin = params.get("myorigin");
        this.spf = new Spf(SpfDns.of(dns), params.get("myhostname"), Clock.systemUTC(), Spf.DEFAULT_TIME_LIMIT,
                Spf.DEFAULT_EXPLANATION);
        this.dmarc = new Dmarc(name -> dns.txt(name));
        try {
            this.classifier = new AddressClassifier(params, tables);
            this.mynetworks = params.isExplicit("mynetworks") || !params.isExplicit("mynetworks_style")
                    ? NetworkList.parse(params.get("mynetworks"), tables, parentMatching.contains("mynetworks"))
                    : NetworkList.of(IpNet.interfaces(!params.get("mynetworks_style").equals("host")));
            this.spfDmarcSkip = NetworkList.parse(params.get("spf_dmarc_skip_addresses"), tables, false);
            this.senderLoginMaps = tables.openList(params.get("smtpd_sender_login_maps"));
            this.virtualAliasMaps = tables.openList(params.get("virtual_alias_maps"));
            this.virtualMailboxMaps = tables.openList(params.get("virtual_mailbox_maps"));
            this.localRecipientMaps = tables.openList(params.get("local_recipient_maps"));
            this.relayRecipientMaps = tables.openList(params.get("relay_recipient_maps"));
            this.rblReplyMaps = tables.openList(params.get("rbl_reply_maps"));
            this.relayClientcerts = tables.openList(params.get("relay_clientcerts"));
            this.rejectFooterMaps = tables.openList(params.get("smtpd_reject_footer_maps"));
            this.permitLogActions = ActionList.parse(params.get("smtpd_log_access_permit_actions"), tables);
            for (String list : RestrictionCatalog.LISTS.keySet()) {
                compile(list, tables);
            }
            for (String cls : classes) {
                if (params.raw(cls) != null) {
                    compile(cls, tables);
                }
            }
        } catch (TableConfigException e) {
            throw new PolicyConfigException(e.getMessage(), e);
        }
    }

    /** The verify(8) service of reject_unverified_sender/recipient; null: not available. */
    AddressVerification addressVerification;

    /** Lets reject_unverified_sender/recipient probe addresses through {@code verification}. */
    public void verifyAddressesWith(AddressVerification verification) {
        this.addressVerification = verification;
    }

    /** The listener label of this engine's rejects in postern_smtpd_rejects_total; null: not counted. */
    String metricsListener;

    /**
     * Counts the rejects of this engine's sessions in {@code postern_smtpd_rejects_total} under
     * {@code listener} (the master.cf service name, as the other smtpd metrics). Engines the
     * server does not wire, such as explain's, count nothing.
     */
    public void countRejectsAs(String listener) {
        this.metricsListener = listener;
    }

    /** Sends every DMARC evaluation of check_dmarc to {@code recorder} (for aggregate reports). */
    public void recordDmarcWith(Consumer<DmarcEvaluation> recorder) {
        this.dmarcRecorder = recorder;
    }

    /** Splits a list once and opens the tables and policy clients it names. */
    private void compile(String name, LookupTables factory) throws TableConfigException {
        List<String> items = List.copyOf(params.list(name));
        lists.put(name, items);
        for (int i = 0; i < items.size(); i++) {
            String item = items.get(i);
            if (PostfixLists.isTable(item)) {
                openTable(item, factory);
                continue;
            }
            var r = RestrictionCatalog.lookup(item.toLowerCase(java.util.Locale.ROOT));
            if (r.isEmpty() || r.get().argument() == RestrictionCatalog.Argument.NONE || i + 1 >= items.size()) {
                continue;
            }
            String arg = items.get(i + 1);
            switch (r.get().argument()) {
                case TABLE -> {
                    String spec = PostfixLists.split(PostfixLists.unbrace(arg)).isEmpty() ? arg
                            : PostfixLists.split(PostfixLists.unbrace(arg)).getFirst();
                    if (PostfixLists.isTable(spec)) {
                        openTable(spec, factory);
                        i++;
                    }
                }
                case POLICY_SERVICE -> {
                    policyClients.computeIfAbsent(arg, a -> PolicyClient.parse(a, params));
                    i++;
                }
                default -> i++;
            }
        }
    }

    private void openTable(String spec, LookupTables factory) throws TableConfigException {
        if (!tables.containsKey(spec)) {
            tables.put(spec, factory.open(spec));
        }
    }

    /** Parameter values, expanded once: the engine reads a few of them on every RCPT. */
    private final Map<String, String> values = new java.util.concurrent.ConcurrentHashMap<>();

    String get(String name) {
        String v = values.get(name);
        if (v == null) {
            v = params.get(name);
            values.put(name, v == null ? "" : v);
        }
        return v == null ? "" : v;
    }

    boolean bool(String name) {
        return "yes".equalsIgnoreCase(get(name).strip());
    }

    int integer(String name) {
        try {
            return Integer.parseInt(get(name).strip());
        } catch (NumberFormatException ex) {
            return 0; // an invalid reply code becomes 450 4.7.1 Service unavailable (section 1.7)
        }
    }

    /** The table opened for {@code spec}, or null when the configuration did not name it. */
    LookupTable table(String spec) {
        return tables.get(spec);
    }

    PolicyClient policyClient(String arg) {
        return policyClients.get(arg);
    }

    /** The address classifier of this listener (section 4.3), for the server's routing. */
    public AddressClassifier classifier() {
        return classifier;
    }

    /** One per SMTP connection. */
    public PolicySession newSession() {
        return new PolicySession(this);
    }

    /**
     * A session that reports every step to {@code trace} (for {@code postern explain}); null
     * means no trace, as {@link #newSession()}.
     */
    public PolicySession newSession(PolicyTrace trace) {
        return new PolicySession(this, trace);
    }
}
